import type { Kysely } from 'kysely';
import type { DatabaseConfig } from './database.config.js';
import type { Database } from './database.schema.js';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.js';

/**
 * Opens the configured store, migrated, for the server (through DatabaseModule) and the CLIs alike.
 * The dialect is chosen here: SQLite today; a PostgreSQL store adds its branch without touching the
 * repositories, which only see `Kysely<Database>`. The caller owns the result and must `destroy()` it.
 */
export function openDatabase(config: DatabaseConfig): Promise<Kysely<Database>> {
  return openSqliteDatabase({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous });
}
