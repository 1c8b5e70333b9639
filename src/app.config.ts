import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { validateConfig } from './common/config/validate-config.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

class AppEnv {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 8888;

  @IsOptional()
  @IsString()
  HOST: string = '0.0.0.0';

  /** `*`, or a comma-separated list of origins. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS: string = '*';

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelName = 'info';
}

export interface AppConfig {
  port: number;
  host: string;
  corsOrigins: '*' | string[];
  logLevel: LogLevelName;
}

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = validateConfig(AppEnv, env);
  const origins = parsed.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    corsOrigins: origins.length === 0 || origins.includes('*') ? '*' : origins,
    logLevel: parsed.LOG_LEVEL,
  };
}

export const appConfig = registerAs('app', () => loadAppConfig());
