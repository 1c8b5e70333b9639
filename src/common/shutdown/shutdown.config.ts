import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ONE_DAY_MS, validateConfig } from '../config/validate-config.js';

class ShutdownEnv {
  /** How long a SIGTERM/SIGINT waits for tasks in flight before it cancels them. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ONE_DAY_MS)
  SHUTDOWN_TIMEOUT_MS: number = 10_000;
}

export interface ShutdownConfig {
  timeoutMs: number;
}

/** Read by `main.ts` before the app is created, so a bad value stops start-up. */
export function loadShutdownConfig(env: NodeJS.ProcessEnv = process.env): ShutdownConfig {
  return { timeoutMs: validateConfig(ShutdownEnv, env).SHUTDOWN_TIMEOUT_MS };
}
