import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SQLITE_SYNCHRONOUS_MODES, type SqliteSynchronousMode } from '../database.config.js';
import {
  SQLITE_BUSY_TIMEOUT_MS,
  SQLITE_FILE_NAME,
  SQLITE_JOURNAL_SIZE_LIMIT_BYTES,
  SQLITE_WAL_AUTOCHECKPOINT_PAGES,
} from '../database.constants.js';
import { unknownSynchronousModeMessage, walUnavailableMessage } from '../database.messages.js';
import type { Database } from '../database.schema.js';
import { migrateDatabase } from '../migrations/index.js';
import { StatementCachingDatabase } from './statement-cache.js';

export interface SqliteDatabaseOptions {
  /** Folder of the database file; created (recursively) if missing. */
  dataDir: string;
  /** `PRAGMA synchronous`: NORMAL is durable against process crashes in WAL mode, FULL also against power loss. */
  synchronous: SqliteSynchronousMode;
}

/**
 * Opens (creating if needed) `${dataDir}/orchestrator.db` in WAL mode, applies the connection pragmas,
 * and brings the schema up to date before returning. The caller owns the result and must `destroy()` it.
 */
export async function openSqliteDatabase(options: SqliteDatabaseOptions): Promise<Kysely<Database>> {
  if (!SQLITE_SYNCHRONOUS_MODES.includes(options.synchronous)) {
    // Never interpolate an unchecked value into a pragma.
    throw new Error(unknownSynchronousModeMessage(options.synchronous));
  }
  mkdirSync(options.dataDir, { recursive: true });
  const sqlite = new BetterSqlite3(join(options.dataDir, SQLITE_FILE_NAME));
  try {
    const journalMode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (typeof journalMode !== 'string' || journalMode.toLowerCase() !== 'wal') {
      throw new Error(walUnavailableMessage(SQLITE_FILE_NAME, journalMode));
    }
    sqlite.pragma(`synchronous = ${options.synchronous}`);
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    // Checkpoints sync the WAL and the database file; doing one per 40 MB of WAL instead of SQLite's
    // default 4 MB makes them rare, and a page written many times between two is copied once.
    sqlite.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
    sqlite.pragma(`journal_size_limit = ${SQLITE_JOURNAL_SIZE_LIMIT_BYTES}`);
    // Keep planner statistics current (bounded work), so that a query with several filters picks the
    // most selective index. Also run at close (see StatementCachingDatabase.close).
    sqlite.pragma('analysis_limit = 1000');
    sqlite.pragma('optimize = 0x10002');
  } catch (error) {
    sqlite.close();
    throw error;
  }

  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new StatementCachingDatabase(sqlite) }),
  });
  try {
    await migrateDatabase(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
