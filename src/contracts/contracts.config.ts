import { registerAs } from '@nestjs/config';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

export const SQLITE_SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

/** Default of RESPONSE_MAX_BYTES: 8 MiB. */
export const DEFAULT_RESPONSE_MAX_BYTES = 8 * 1024 * 1024;

class ContractsEnv {
  @IsOptional()
  @IsString()
  DATA_DIR: string = './data';

  @IsOptional()
  @IsIn(SQLITE_SYNCHRONOUS_MODES)
  SQLITE_SYNCHRONOUS: (typeof SQLITE_SYNCHRONOUS_MODES)[number] = 'NORMAL';

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
  dataDir: string;
  sqliteSynchronous: (typeof SQLITE_SYNCHRONOUS_MODES)[number];
  /** RESPONSE_MAX_BYTES (absent in configs built by hand: the default applies). */
  responseMaxBytes?: number;
  /** CONTRACT_RETENTION_DAYS, or null/absent to keep everything. */
  retentionDays?: number | null;
}

export function loadContractsConfig(env: NodeJS.ProcessEnv = process.env): Required<ContractsConfig> {
  const config = validateConfig(ContractsEnv, env);
  return {
    dataDir: config.DATA_DIR,
    sqliteSynchronous: config.SQLITE_SYNCHRONOUS,
    responseMaxBytes: config.RESPONSE_MAX_BYTES,
    retentionDays: config.CONTRACT_RETENTION_DAYS ?? null,
  };
}

export const contractsConfig = registerAs('contracts', (): ContractsConfig => loadContractsConfig());
