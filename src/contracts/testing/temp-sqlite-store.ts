import type { Kysely } from 'kysely';
import type { ContractsTables } from '../persistence/contracts.tables.js';
import { openSqliteDatabase } from '../../database/index.js';
import { SqliteContractRepository } from '../persistence/sqlite/sqlite-contract.repository.js';
import { makeTempDir } from './contract.fixtures.js';

/** A fresh SQLite contract store per test; a spec may reopen `db` (and `repo`) on the same `dir`. */
export interface TempSqliteStore {
  dir: string;
  db: Kysely<ContractsTables>;
  repo: SqliteContractRepository;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that open a migrated store in a temporary folder and
 * remove it afterwards. Read the fields inside tests and hooks, not when the suite is defined.
 */
export function useTempSqliteStore(): TempSqliteStore {
  const store = {} as TempSqliteStore;
  let remove: () => void = () => undefined;
  beforeEach(async () => {
    const temp = makeTempDir();
    remove = temp.remove;
    store.dir = temp.dir;
    store.db = await openSqliteDatabase({ dataDir: temp.dir, synchronous: 'NORMAL' });
    store.repo = new SqliteContractRepository(store.db);
  });
  afterEach(async () => {
    await store.db.destroy();
    remove();
  });
  return store;
}
