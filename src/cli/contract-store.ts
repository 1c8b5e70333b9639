import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDatabaseConfig, SQLITE_FILE_NAME } from '../database/index.js';
import { UsageError } from './command-line.js';

/**
 * The path of the existing contract store under `DATA_DIR`. Throws UsageError when there is none:
 * opening it would create an empty store, and a wrong DATA_DIR must not back up or export nothing.
 */
export function existingContractStore(): string {
  const store = resolve(loadDatabaseConfig().dataDir, SQLITE_FILE_NAME);
  if (!existsSync(store) || !statSync(store).isFile()) {
    throw new UsageError(`no contract store at ${store} (set DATA_DIR to the server's data folder)`);
  }
  return store;
}
