import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ONE_DAY_MS, validateConfig } from '../common/config/validate-config.js';

class AgentsEnv {
  /** A remote agent with neither a heartbeat nor a passing health probe for this long is `offline`. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(ONE_DAY_MS)
  AGENT_TTL_MS: number = 30_000;

  /** How long an agent's open circuit breaker keeps it out of routing before one trial task. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ONE_DAY_MS)
  AGENT_COOLDOWN_MS: number = 30_000;
}

export interface AgentsConfig {
  ttlMs: number;
  cooldownMs: number;
}

export const agentsConfig = registerAs('agents', (): AgentsConfig => {
  const env = validateConfig(AgentsEnv);
  return { ttlMs: env.AGENT_TTL_MS, cooldownMs: env.AGENT_COOLDOWN_MS };
});
