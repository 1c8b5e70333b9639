import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

export const SQLITE_SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

class ContractsEnv {
  @IsOptional()
  @IsString()
  DATA_DIR: string = './data';

  @IsOptional()
  @IsIn(SQLITE_SYNCHRONOUS_MODES)
  SQLITE_SYNCHRONOUS: (typeof SQLITE_SYNCHRONOUS_MODES)[number] = 'NORMAL';
}

export interface ContractsConfig {
  dataDir: string;
  sqliteSynchronous: (typeof SQLITE_SYNCHRONOUS_MODES)[number];
}

export const contractsConfig = registerAs('contracts', (): ContractsConfig => {
  const env = validateConfig(ContractsEnv);
  return { dataDir: env.DATA_DIR, sqliteSynchronous: env.SQLITE_SYNCHRONOUS };
});
