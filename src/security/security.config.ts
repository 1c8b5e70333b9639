import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

class SecurityEnv {
  /** Requests per minute per API key (per client address without one); 0 turns rate limiting off. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  RATE_LIMIT_PER_MINUTE: number = 60_000;
}

export interface SecurityConfig {
  /** 0: no rate limit. */
  rateLimitPerMinute: number;
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  const parsed = validateConfig(SecurityEnv, env);
  return { rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE };
}

export const securityConfig = registerAs('security', (): SecurityConfig => loadSecurityConfig());
