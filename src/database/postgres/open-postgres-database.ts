import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { POSTGRES_POOL_SIZE } from '../database.constants.js';
import { idleConnectionLostMessage } from '../database.messages.js';
import type { Database } from '../database.schema.js';
import { migrateDatabase } from '../migrations/index.js';
import { PreparingClient } from './prepared-statements.js';

export interface PostgresDatabaseOptions {
  /** `postgres://user:pass@host:port/database` */
  url: string;
  /** Connections of this process's pool. */
  poolSize?: number;
}

/** OID of PostgreSQL's `bigint` (int8). */
const INT8_OID = 20;

/**
 * `bigint` columns (sequence numbers, counters, epoch milliseconds) as JS numbers, as SQLite returns
 * them: every value the store keeps is far below 2^53. Set on this pool only, not on `pg` globally.
 */
const storeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Opens a pool on the PostgreSQL store and brings the schema up to date before returning (processes
 * starting together are serialised by the migrator's lock). The caller owns the result and must
 * `destroy()` it, which ends the pool.
 */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? POSTGRES_POOL_SIZE,
    types: storeTypes,
    Client: PreparingClient,
  });
  // An idle connection the server closed (restart, failover, an administrator) is dropped from the
  // pool and replaced on demand; unhandled, the pool's 'error' event would end the process.
  pool.on('error', (error) => new Logger('DatabaseModule').warn(idleConnectionLostMessage(error.message)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateDatabase(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** The URL without its password (`user:***@`), for logs. */
export function redactPostgresUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
