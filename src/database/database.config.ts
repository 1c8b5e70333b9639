import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

export const SQLITE_SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

export type SqliteSynchronousMode = (typeof SQLITE_SYNCHRONOUS_MODES)[number];

/** Where the store lives and how it syncs; the dialect setting (PostgreSQL) will join these. */
class DatabaseEnv {
  @IsOptional()
  @IsString()
  DATA_DIR: string = './data';

  @IsOptional()
  @IsIn(SQLITE_SYNCHRONOUS_MODES)
  SQLITE_SYNCHRONOUS: SqliteSynchronousMode = 'NORMAL';
}

export interface DatabaseConfig {
  /** DATA_DIR: folder of the embedded store. */
  dataDir: string;
  /** SQLITE_SYNCHRONOUS */
  sqliteSynchronous: SqliteSynchronousMode;
}

export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const config = validateConfig(DatabaseEnv, env);
  return { dataDir: config.DATA_DIR, sqliteSynchronous: config.SQLITE_SYNCHRONOUS };
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => loadDatabaseConfig());
