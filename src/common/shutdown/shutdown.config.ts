import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateConfig } from '../config/validate-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

class ShutdownEnv {
  /** How long a SIGTERM/SIGINT waits for tasks in flight before it cancels them. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(DAY_MS)
  SHUTDOWN_TIMEOUT_MS: number = 10_000;
}

export interface ShutdownConfig {
  timeoutMs: number;
}

/** Read by `main.ts` before the app is created, so a bad value stops start-up. */
export function loadShutdownConfig(env: NodeJS.ProcessEnv = process.env): ShutdownConfig {
  return { timeoutMs: validateConfig(ShutdownEnv, env).SHUTDOWN_TIMEOUT_MS };
}
