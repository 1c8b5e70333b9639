import { registerAs } from '@nestjs/config';
import { IsOptional, IsUrl, Matches } from 'class-validator';
import { CAPABILITY_NAME_PATTERN } from '../../agents/agents.constants.js';
import { validateConfig } from '../../common/config/validate-config.js';

class A2aServerEnv {
  /** Capability that a text-only A2A message runs (with `{text}`); unset: such a message is refused. */
  @IsOptional()
  @Matches(CAPABILITY_NAME_PATTERN, { message: `A2A_DEFAULT_CAPABILITY must be a capability name (${CAPABILITY_NAME_PATTERN.source})` })
  A2A_DEFAULT_CAPABILITY?: string;

  /** Base URL clients reach the orchestrator at, for the agent card; unset: the URL of each card request. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'A2A_PUBLIC_URL must be an http(s) URL' })
  A2A_PUBLIC_URL?: string;
}

export interface A2aServerConfig {
  defaultCapability: string | undefined;
  /** Without a trailing slash. */
  publicUrl: string | undefined;
}

/** Reads and checks the A2A server's settings; a bad value throws ConfigValidationError naming it. */
export function loadA2aServerConfig(env: NodeJS.ProcessEnv = process.env): A2aServerConfig {
  const config = validateConfig(A2aServerEnv, env);
  return { defaultCapability: config.A2A_DEFAULT_CAPABILITY, publicUrl: config.A2A_PUBLIC_URL?.replace(/\/+$/, '') };
}

export const a2aServerConfig = registerAs('a2aServer', (): A2aServerConfig => loadA2aServerConfig());
