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
  @Max(1_000_000)
  TRACE_MAX_ATTEMPTS: number = 50;

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

/** Credentials given as `user:pass@` in a service URL, sent as HTTP basic auth. */
export interface BasicAuth {
  username: string;
  password: string;
}

/** Where a service is and how to authenticate with it. */
export interface ServiceEndpoint {
  /** Base URL without trailing slash and without credentials; null = the service is disabled. */
  url: string | null;
  /** `url` as shown in logs and `/v1/status`: with `user:***@` when credentials were given. */
  displayUrl: string | null;
  auth: BasicAuth | null;
}

export interface TraceSettings extends ServiceEndpoint {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failed attempts after which an event is moved to the dead letters. */
  maxAttempts: number;
  batchSize: number;
  concurrency: number;
  pollIntervalMs: number;
}

/** `url` null = MemAgent disabled (local compressor). */
export interface MemAgentSettings extends ServiceEndpoint {
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

/** The authority's `userinfo@` (up to the last `@` before the path, as URL parsers read it). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/**
 * Splits a service URL into a credential-free base URL, its redacted form and the credentials, so
 * that the password never reaches a log line, an error message or `/v1/status`.
 */
function endpoint(name: string, value: string | undefined, problems: string[]): ServiceEndpoint {
  if (value === undefined) return { url: null, displayUrl: null, auth: null };
  const parsed = new URL(value);
  const auth = parsed.username || parsed.password ? { username: safeDecode(parsed.username), password: safeDecode(parsed.password) } : null;
  const display = auth === null ? value : value.replace(USERINFO, parsed.password ? `$1${parsed.username}:***@` : '$1***@');
  if (parsed.search || parsed.hash) {
    problems.push(`${name}=${JSON.stringify(display)}: ${name} must not have a query string or fragment`);
  }
  return {
    url: (auth === null ? value : value.replace(USERINFO, '$1')).replace(/\/+$/, ''),
    displayUrl: display.replace(/\/+$/, ''),
    auth,
  };
}

/** The secret parts of the service URLs in `env` (the password, or a lone user name), as written and decoded. */
function urlSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = [];
  for (const name of ['TRACE_URL', 'MEMAGENT_URL']) {
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(env[name] ?? '')?.[1];
    if (!userinfo) continue;
    const colon = userinfo.indexOf(':');
    const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
    // Messages quote values as JSON, which escapes `"` and `\`.
    if (secret) secrets.push(secret, safeDecode(secret), JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so that a secret containing another is replaced whole.
  return secrets.sort((x, y) => y.length - x.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Reads and validates the integration settings; throws ConfigValidationError naming a bad variable. */
export function loadIntegrationsConfig(env: NodeJS.ProcessEnv = process.env): IntegrationsConfig {
  let parsed: IntegrationsEnv;
  try {
    parsed = validateConfig(IntegrationsEnv, env);
  } catch (error) {
    // The message quotes a bad value; a bad TRACE_URL may still carry a password.
    if (error instanceof ConfigValidationError) {
      for (const secret of urlSecrets(env)) error.message = error.message.replaceAll(secret, '***');
    }
    throw error;
  }
  const problems: string[] = [];
  const trace = endpoint('TRACE_URL', parsed.TRACE_URL, problems);
  const memagent = endpoint('MEMAGENT_URL', parsed.MEMAGENT_URL, problems);
  if (parsed.TRACE_RETRY_MAX_MS < parsed.TRACE_RETRY_BASE_MS) {
    problems.push(
      `TRACE_RETRY_MAX_MS=${parsed.TRACE_RETRY_MAX_MS}: TRACE_RETRY_MAX_MS must not be less than TRACE_RETRY_BASE_MS (${parsed.TRACE_RETRY_BASE_MS})`,
    );
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    trace: {
      ...trace,
      timeoutMs: parsed.TRACE_TIMEOUT_MS,
      retryBaseMs: parsed.TRACE_RETRY_BASE_MS,
      retryMaxMs: parsed.TRACE_RETRY_MAX_MS,
      maxAttempts: parsed.TRACE_MAX_ATTEMPTS,
      batchSize: parsed.TRACE_BATCH_SIZE,
      concurrency: parsed.TRACE_CONCURRENCY,
      pollIntervalMs: parsed.TRACE_POLL_INTERVAL_MS,
    },
    memagent: { ...memagent, timeoutMs: parsed.MEMAGENT_TIMEOUT_MS },
    probe: { timeoutMs: parsed.PROBE_TIMEOUT_MS, cacheMs: parsed.PROBE_CACHE_MS },
  };
}

export const integrationsConfig = registerAs('integrations', (): IntegrationsConfig => loadIntegrationsConfig());
