import type { Kysely } from 'kysely';
import type { DatabaseConfig } from './database.config.js';
import type { Database } from './database.schema.js';
import { openPostgresDatabase } from './postgres/open-postgres-database.js';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.js';

/**
 * Opens the configured store, migrated, for the server (through DatabaseModule) and the CLIs alike.
 * The dialect is chosen here, once: PostgreSQL when DATABASE_URL is set, else the SQLite file under
 * DATA_DIR. Repositories see `Kysely<Database>`; the few that differ per dialect ask `databaseDialect`.
 * The caller owns the result and must `destroy()` it.
 */
export function openDatabase(config: DatabaseConfig): Promise<Kysely<Database>> {
  if (config.postgresUrl !== undefined) return openPostgresDatabase({ url: config.postgresUrl });
  return openSqliteDatabase({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
