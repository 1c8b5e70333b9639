import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ConfigValidationError, ONE_HOUR_MS, validateConfig } from '../common/config/validate-config.js';

const BOOLEAN_VALUES = ['true', 'false', '1', '0'] as const;

/** Task execution through BullMQ on Redis: set REDIS_URL (with a PostgreSQL DATABASE_URL) to run API replicas and workers. */
class QueueEnv {
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/i, { message: 'REDIS_URL must be a redis:// (or rediss://) URL' })
  REDIS_URL?: string;

  /** Prefix of every Redis key and channel: several deployments (or test runs) can share one Redis. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits, _ . or -' })
  REDIS_KEY_PREFIX: string = 'orchestrator';

  /** Also run a worker inside the API process (one node with Redis). */
  @IsOptional()
  @IsIn(BOOLEAN_VALUES)
  WORKER_IN_PROCESS: (typeof BOOLEAN_VALUES)[number] = 'false';

  /** How soon a task whose worker died runs again on another worker. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(ONE_HOUR_MS)
  WORKER_STALL_MS: number = 30_000;

  /** Tasks one worker runs at once (its agents' own limits still apply). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  WORKER_CONCURRENCY: number = 1000;
}

export interface QueueConfig {
  /** REDIS_URL; undefined = tasks run in the process that accepted them. */
  redisUrl?: string;
  keyPrefix: string;
  workerInProcess: boolean;
  stallMs: number;
  workerConcurrency: number;
}

export function loadQueueConfig(env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const parsed = validateConfig(QueueEnv, env);
  if (parsed.REDIS_URL !== undefined && !/^postgres(?:ql)?:\/\//i.test(env.DATABASE_URL ?? '')) {
    // Workers and replicas share tasks through the store: the embedded SQLite file belongs to one process.
    throw new ConfigValidationError(['REDIS_URL requires DATABASE_URL to be a postgres:// URL (the store every process shares)']);
  }
  return {
    ...(parsed.REDIS_URL === undefined ? {} : { redisUrl: parsed.REDIS_URL }),
    keyPrefix: parsed.REDIS_KEY_PREFIX,
    workerInProcess: parsed.WORKER_IN_PROCESS === 'true' || parsed.WORKER_IN_PROCESS === '1',
    stallMs: parsed.WORKER_STALL_MS,
    workerConcurrency: parsed.WORKER_CONCURRENCY,
  };
}

export const queueConfig = registerAs('queue', (): QueueConfig => loadQueueConfig());
