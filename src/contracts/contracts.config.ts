import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

/** Default of RESPONSE_MAX_BYTES: 8 MiB. */
export const DEFAULT_RESPONSE_MAX_BYTES = 8 * 1024 * 1024;

/** What is about contracts; where the store lives (DATA_DIR, SQLITE_SYNCHRONOUS) is in database.config.ts. */
class ContractsEnv {
  /** Budget of one list page, tree or compress answer (and of the MemAgent request body), in bytes. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  RESPONSE_MAX_BYTES: number = DEFAULT_RESPONSE_MAX_BYTES;

  /** Sessions whose last contract is older than this many days are deleted; unset keeps everything. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(36_500)
  CONTRACT_RETENTION_DAYS?: number;
}

export interface ContractsConfig {
  /** RESPONSE_MAX_BYTES (absent in configs built by hand: the default applies). */
  responseMaxBytes?: number;
  /** CONTRACT_RETENTION_DAYS, or null/absent to keep everything. */
  retentionDays?: number | null;
}

export function loadContractsConfig(env: NodeJS.ProcessEnv = process.env): Required<ContractsConfig> {
  const config = validateConfig(ContractsEnv, env);
  return {
    responseMaxBytes: config.RESPONSE_MAX_BYTES,
    retentionDays: config.CONTRACT_RETENTION_DAYS ?? null,
  };
}

export const contractsConfig = registerAs('contracts', (): ContractsConfig => loadContractsConfig());
