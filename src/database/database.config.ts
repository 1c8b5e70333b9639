import { registerAs } from '@nestjs/config';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { validateConfig } from '../common/config/validate-config.js';

export const SQLITE_SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

export type SqliteSynchronousMode = (typeof SQLITE_SYNCHRONOUS_MODES)[number];

/** A PostgreSQL connection URL, as `pg` reads it (`postgres://user:pass@host:port/database?…`). */
const POSTGRES_URL = /^postgres(?:ql)?:\/\/[^\s]+$/i;

/** Which store and how it is reached: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file. */
class DatabaseEnv {
  @IsOptional()
  @IsString()
  DATA_DIR: string = './data';

  @IsOptional()
  @IsIn(SQLITE_SYNCHRONOUS_MODES)
  SQLITE_SYNCHRONOUS: SqliteSynchronousMode = 'NORMAL';

  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// (or postgresql://) URL' })
  DATABASE_URL?: string;
}

export interface DatabaseConfig {
  /** DATA_DIR: folder of the embedded store (unused with DATABASE_URL). */
  dataDir: string;
  /** SQLITE_SYNCHRONOUS */
  sqliteSynchronous: SqliteSynchronousMode;
  /** DATABASE_URL: the PostgreSQL store; undefined = the embedded SQLite store. */
  postgresUrl?: string;
}

export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const config = validateConfig(DatabaseEnv, env);
  return {
    dataDir: config.DATA_DIR,
    sqliteSynchronous: config.SQLITE_SYNCHRONOUS,
    ...(config.DATABASE_URL === undefined ? {} : { postgresUrl: config.DATABASE_URL }),
  };
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => loadDatabaseConfig());
