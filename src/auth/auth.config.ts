import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

const BOOLEAN_VALUES = ['true', 'false', '1', '0'] as const;

class AuthEnv {
  /** `true`: refuse requests (401) while no API key exists, instead of leaving the API open. */
  @IsOptional()
  @IsIn(BOOLEAN_VALUES, { message: 'AUTH_REQUIRED must be true or false' })
  AUTH_REQUIRED: (typeof BOOLEAN_VALUES)[number] = 'false';
}

export interface AuthConfig {
  authRequired: boolean;
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const parsed = validateConfig(AuthEnv, env);
  return { authRequired: parsed.AUTH_REQUIRED === 'true' || parsed.AUTH_REQUIRED === '1' };
}

export const authConfig = registerAs('auth', (): AuthConfig => loadAuthConfig());
