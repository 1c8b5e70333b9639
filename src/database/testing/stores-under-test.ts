import type { Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../database.schema.js';
import { openPostgresDatabase } from '../postgres/open-postgres-database.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';
import { createTempPostgresDatabase, postgresReachable, reportPostgresSkipped } from './temp-postgres-database.js';

/** A fresh, migrated store of one dialect, for repository specs that must hold on both. */
export interface StoreUnderTest {
  name: 'SQLite' | 'PostgreSQL';
  open(): Promise<{ db: Kysely<Database>; close: () => Promise<void> }>;
}

const sqlite: StoreUnderTest = {
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'store-spec-'));
    const db = await openSqliteDatabase({ dataDir: dir, synchronous: 'NORMAL' });
    return {
      db,
      close: async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: StoreUnderTest = {
  name: 'PostgreSQL',
  async open() {
    const database = await createTempPostgresDatabase();
    const db = await openPostgresDatabase({ url: database.url });
    return {
      db,
      close: async () => {
        await db.destroy();
        await database.drop();
      },
    };
  },
};

/**
 * The stores a repository spec runs on: SQLite always, PostgreSQL when the test server answers
 * (otherwise the spec says it skipped it). Use with `describe.each(storesUnderTest('…'))('… on %s', …)`
 * and the store's `name`.
 */
export async function storesUnderTest(what: string): Promise<Array<[StoreUnderTest['name'], StoreUnderTest]>> {
  if (await postgresReachable())
    return [
      ['SQLite', sqlite],
      ['PostgreSQL', postgres],
    ];
  reportPostgresSkipped(`${what} on PostgreSQL`);
  return [['SQLite', sqlite]];
}
