import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional } from 'class-validator';
import { ConfigValidationError, validateConfig } from '../common/config/validate-config.js';
import { OPEN_ACCESS_VALUES, type OpenAccess } from './auth.constants.js';
import { contradictoryAccessMessage } from './auth.messages.js';

const BOOLEAN_VALUES = ['true', 'false', '1', '0'] as const;

class AuthEnv {
  /** `true`: refuse requests (401) while no API key exists, instead of leaving the API open. */
  @IsOptional()
  @IsIn(BOOLEAN_VALUES, { message: 'AUTH_REQUIRED must be true or false' })
  AUTH_REQUIRED: (typeof BOOLEAN_VALUES)[number] = 'false';

  /** While no API key exists: `loopback` serves only clients on this host, `any` serves everyone. */
  @IsOptional()
  @IsIn(OPEN_ACCESS_VALUES, { message: `OPEN_ACCESS must be one of ${OPEN_ACCESS_VALUES.join(', ')}` })
  OPEN_ACCESS: OpenAccess = 'loopback';
}

export interface AuthConfig {
  authRequired: boolean;
  /** Who is served while no key exists (AUTH_REQUIRED unset); `loopback` when left out. */
  openAccess?: OpenAccess;
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const parsed = validateConfig(AuthEnv, env);
  const authRequired = parsed.AUTH_REQUIRED === 'true' || parsed.AUTH_REQUIRED === '1';
  // One asks to refuse everyone without a key, the other to serve everyone without one.
  if (authRequired && parsed.OPEN_ACCESS === 'any') throw new ConfigValidationError([contradictoryAccessMessage()]);
  return { authRequired, openAccess: parsed.OPEN_ACCESS };
}

export const authConfig = registerAs('auth', (): AuthConfig => loadAuthConfig());
