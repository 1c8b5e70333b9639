import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { TEST_POSTGRES_URL, withPostgresAdmin } from '../../src/database/testing/temp-postgres-database.js';

/**
 * Which store the e2e apps and server processes of this run use: `TEST_DATABASE=postgres` runs them
 * on PostgreSQL (`TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`), each data
 * dir on its own fresh database; anything else keeps the embedded SQLite store in the data dir.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** Prefix of the databases this process creates; `TEST_POSTGRES_RUN` names a whole run (CI drops its leftovers by it). */
const PREFIX = `orch_e2e_${(process.env.TEST_POSTGRES_RUN ?? randomBytes(4).toString('hex')).replace(/[^a-z0-9_]/gi, '').toLowerCase()}_`;

/** Databases created by this test file, dropped after its last test. */
const created = new Set<string>();
// Registered while the test file is collected (Jest refuses hooks added later); a file's module
// registry is its own, so each file drops what it created.
if (TEST_STORE === 'postgres') afterAll(() => dropTestDatabases());

/** `describe` for specs of SQLite-only features (the file, WAL, backup): skipped, and saying so, on a PostgreSQL run. */
export const describeSqliteOnly: jest.Describe = TEST_STORE === 'postgres' ? describe.skip : describe;

function databaseName(dataDir: string): string {
  return PREFIX + createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
}

function urlOf(database: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * The store settings of an app or process on `dataDir`, to merge into its environment: `DATA_DIR`,
 * and on a PostgreSQL run `DATABASE_URL` of the database that belongs to this data dir (created on
 * first use, so that a restart on the same data dir finds its contracts again; dropped after the
 * test file). On a SQLite run `DATABASE_URL` is unset, whatever the environment says.
 */
export async function testStoreEnv(dataDir: string): Promise<{ DATA_DIR: string; DATABASE_URL: string | undefined }> {
  if (TEST_STORE === 'sqlite') return { DATA_DIR: dataDir, DATABASE_URL: undefined };
  const name = databaseName(dataDir);
  if (!created.has(name)) {
    await withPostgresAdmin(async (client) => {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
    });
    created.add(name);
  }
  return { DATA_DIR: dataDir, DATABASE_URL: urlOf(name) };
}

/** Drops the database of `dataDir` (when this run made one), e.g. when the app that owned it closes. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  const name = databaseName(dataDir);
  if (!created.delete(name)) return;
  await withPostgresAdmin((client) => client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
}

async function dropTestDatabases(): Promise<void> {
  const names = [...created];
  created.clear();
  if (names.length === 0) return;
  await withPostgresAdmin(async (client) => {
    for (const name of names) await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  });
}
