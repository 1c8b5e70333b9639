import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

/** Environment variables of ObservabilityModule. `LOG_LEVEL` itself is validated with the app's settings (app.config.ts). */
class ObservabilityEnv {
  /** `production`: one JSON object per log line; anything else: readable lines for a terminal. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** `/v1/health/ready` answers 503 while more Trace outbox events than this wait for delivery. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  READY_MAX_OUTBOX_BACKLOG: number = 100_000;
}

export type LogFormat = 'json' | 'pretty';

export interface ObservabilityConfig {
  logFormat: LogFormat;
  readyMaxOutboxBacklog: number;
}

/** Reads and validates the settings; throws ConfigValidationError naming a bad variable. */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const parsed = validateConfig(ObservabilityEnv, env);
  return {
    logFormat: parsed.NODE_ENV === 'production' ? 'json' : 'pretty',
    readyMaxOutboxBacklog: parsed.READY_MAX_OUTBOX_BACKLOG,
  };
}

export const observabilityConfig = registerAs('observability', (): ObservabilityConfig => loadObservabilityConfig());
