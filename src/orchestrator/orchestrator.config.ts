import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

class OrchestratorEnv {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 60 * 60 * 1000)
  TASK_TIMEOUT_MS: number = 30_000;
}

export interface OrchestratorConfig {
  taskTimeoutMs: number;
}

export const orchestratorConfig = registerAs('orchestrator', (): OrchestratorConfig => {
  const env = validateConfig(OrchestratorEnv);
  return { taskTimeoutMs: env.TASK_TIMEOUT_MS };
});
