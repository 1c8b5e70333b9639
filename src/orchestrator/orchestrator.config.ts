import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ONE_DAY_MS, validateConfig } from '../common/config/validate-config.js';

class OrchestratorEnv {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ONE_DAY_MS)
  TASK_TIMEOUT_MS: number = 30_000;

  /** Tasks that may wait per capability while every capable agent is at its limit; 0: none wait. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  QUEUE_MAX: number = 1000;

  /** Longest a task waits for a free agent before the caller gets 503. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ONE_DAY_MS)
  QUEUE_TIMEOUT_MS: number = 30_000;

  /** Agents a task is tried on when transport failures make it fail over (1: no failover). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  TASK_MAX_ATTEMPTS: number = 3;

  /** Deepest chain of sub-tasks started with `ctx.delegate`. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  DELEGATION_MAX_DEPTH: number = 8;

  /** Most sub-tasks one task may start with `ctx.delegate` (or the delegate route); more fail. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  DELEGATION_MAX_CHILDREN: number = 100;
}

export interface OrchestratorConfig {
  taskTimeoutMs: number;
  queueMax: number;
  queueTimeoutMs: number;
  maxAttempts: number;
  delegationMaxDepth: number;
  delegationMaxChildren: number;
}

export const orchestratorConfig = registerAs('orchestrator', (): OrchestratorConfig => {
  const env = validateConfig(OrchestratorEnv);
  return {
    taskTimeoutMs: env.TASK_TIMEOUT_MS,
    queueMax: env.QUEUE_MAX,
    queueTimeoutMs: env.QUEUE_TIMEOUT_MS,
    maxAttempts: env.TASK_MAX_ATTEMPTS,
    delegationMaxDepth: env.DELEGATION_MAX_DEPTH,
    delegationMaxChildren: env.DELEGATION_MAX_CHILDREN,
  };
});
