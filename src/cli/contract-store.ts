import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDatabaseConfig, SQLITE_FILE_NAME } from '../database/index.js';
import { UsageError } from './command-line.js';

/**
 * Checks that the configured store exists before a CLI opens it. On SQLite it is the file under
 * `DATA_DIR`: opening a missing one would create an empty store, and a wrong DATA_DIR must not back
 * up or export nothing (UsageError). A PostgreSQL store (DATABASE_URL) is checked by connecting to it.
 */
export function requireExistingStore(): void {
  if (loadDatabaseConfig().postgresUrl === undefined) existingSqliteStore();
}

/** The path of the existing SQLite store under `DATA_DIR`; UsageError when there is none (see requireExistingStore). */
export function existingSqliteStore(): string {
  const store = resolve(loadDatabaseConfig().dataDir, SQLITE_FILE_NAME);
  if (!existsSync(store) || !statSync(store).isFile()) {
    throw new UsageError(`no contract store at ${store} (set DATA_DIR to the server's data folder)`);
  }
  return store;
}
