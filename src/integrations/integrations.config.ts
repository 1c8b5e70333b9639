import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { ConfigValidationError, ONE_HOUR_MS, validateConfig } from '../common/config/validate-config.js';

const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_valid_protocol: true,
  require_tld: false,
  allow_underscores: true,
};
const URL_MESSAGE = '$property must be an http:// or https:// URL (leave it unset or empty to disable the integration)';

/** Environment variables of IntegrationsModule (SPEC §6, §7). Unset or empty = default. */
class IntegrationsEnv {
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: URL_MESSAGE })
  TRACE_URL?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: URL_MESSAGE })
  MEMAGENT_URL?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ONE_HOUR_MS)
  MEMAGENT_TIMEOUT_MS: number = 30_000;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ONE_HOUR_MS)
  TRACE_TIMEOUT_MS: number = 5_000;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ONE_HOUR_MS)
  TRACE_RETRY_BASE_MS: number = 500;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * ONE_HOUR_MS)
  TRACE_RETRY_MAX_MS: number = 60_000;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  TRACE_BATCH_SIZE: number = 200;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_024)
  TRACE_CONCURRENCY: number = 16;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ONE_HOUR_MS)
  TRACE_POLL_INTERVAL_MS: number = 500;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_000)
  PROBE_TIMEOUT_MS: number = 2_000;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ONE_HOUR_MS)
  PROBE_CACHE_MS: number = 5_000;
}

export interface TraceSettings {
  /** Base URL without trailing slash; null = Trace disabled. */
  url: string | null;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  batchSize: number;
  concurrency: number;
  pollIntervalMs: number;
}

export interface MemAgentSettings {
  /** Base URL without trailing slash; null = MemAgent disabled (local compressor). */
  url: string | null;
  timeoutMs: number;
}

export interface ProbeSettings {
  timeoutMs: number;
  cacheMs: number;
}

export interface IntegrationsConfig {
  trace: TraceSettings;
  memagent: MemAgentSettings;
  probe: ProbeSettings;
}

function baseUrl(name: string, value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  const url = new URL(value);
  if (url.search || url.hash) {
    problems.push(`${name}=${JSON.stringify(value)}: ${name} must not have a query string or fragment`);
  }
  return value.replace(/\/+$/, '');
}

/** Reads and validates the integration settings; throws ConfigValidationError naming a bad variable. */
export function loadIntegrationsConfig(env: NodeJS.ProcessEnv = process.env): IntegrationsConfig {
  const parsed = validateConfig(IntegrationsEnv, env);
  const problems: string[] = [];
  const traceUrl = baseUrl('TRACE_URL', parsed.TRACE_URL, problems);
  const memagentUrl = baseUrl('MEMAGENT_URL', parsed.MEMAGENT_URL, problems);
  if (parsed.TRACE_RETRY_MAX_MS < parsed.TRACE_RETRY_BASE_MS) {
    problems.push(
      `TRACE_RETRY_MAX_MS=${parsed.TRACE_RETRY_MAX_MS}: TRACE_RETRY_MAX_MS must not be less than TRACE_RETRY_BASE_MS (${parsed.TRACE_RETRY_BASE_MS})`,
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    trace: {
      url: traceUrl,
      timeoutMs: parsed.TRACE_TIMEOUT_MS,
      retryBaseMs: parsed.TRACE_RETRY_BASE_MS,
      retryMaxMs: parsed.TRACE_RETRY_MAX_MS,
      batchSize: parsed.TRACE_BATCH_SIZE,
      concurrency: parsed.TRACE_CONCURRENCY,
      pollIntervalMs: parsed.TRACE_POLL_INTERVAL_MS,
    },
    memagent: { url: memagentUrl, timeoutMs: parsed.MEMAGENT_TIMEOUT_MS },
    probe: { timeoutMs: parsed.PROBE_TIMEOUT_MS, cacheMs: parsed.PROBE_CACHE_MS },
  };
}

export const integrationsConfig = registerAs('integrations', (): IntegrationsConfig => loadIntegrationsConfig());
