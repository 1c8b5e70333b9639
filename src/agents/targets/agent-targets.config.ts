import { registerAs } from '@nestjs/config';
import { IsOptional, ValidateBy } from 'class-validator';
import { validateConfig } from '../../common/config/validate-config.js';
import { parseAllowedHosts, type AllowedHosts } from './agent-targets.js';
import { AgentTargetsMessages } from './agent-targets.messages.js';

function problemOf(value: unknown): string | undefined {
  try {
    parseAllowedHosts(String(value));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

class AgentTargetsEnv {
  /**
   * Hosts, `.suffix`es, addresses and CIDR ranges where remote agents may be registered; unset: any
   * host but link-local and cloud metadata ones.
   */
  @IsOptional()
  @ValidateBy({
    name: 'isAllowedHostList',
    validator: {
      validate: (value) => typeof value === 'string' && problemOf(value) === undefined,
      defaultMessage: (args) => AgentTargetsMessages.badAllowedHosts(problemOf(args?.value) ?? 'not a list'),
    },
  })
  AGENT_ALLOWED_HOSTS?: string;
}

export interface AgentTargetsConfig {
  /** null: no allowlist (only the link-local and metadata rule applies). */
  allowedHosts: AllowedHosts | null;
}

export const agentTargetsConfig = registerAs('agentTargets', (): AgentTargetsConfig => {
  const env = validateConfig(AgentTargetsEnv);
  return { allowedHosts: env.AGENT_ALLOWED_HOSTS === undefined ? null : parseAllowedHosts(env.AGENT_ALLOWED_HOSTS) };
});
