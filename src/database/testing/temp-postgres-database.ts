import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the PostgreSQL specs use: `TEST_POSTGRES_URL`, default the machine's (trust auth, user postgres). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database made for one spec (or one test) on the test server. */
export interface TempPostgresDatabase {
  name: string;
  /** Its connection URL (a DATABASE_URL). */
  url: string;
  /** Drops it, closing whatever is still connected. */
  drop(): Promise<void>;
}

/** Runs `run` on a connection to the test server's own database (to create and drop others). */
export async function withPostgresAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Whether the test server answers (specs that need it skip, saying so, when it does not). */
export async function postgresReachable(): Promise<boolean> {
  try {
    await withPostgresAdmin((client) => client.query('select 1'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Says that a PostgreSQL spec is skipped and why. Written to stderr itself: Jest shows nothing of a
 * suite whose tests are all skipped, console output included.
 */
export function reportPostgresSkipped(what: string): void {
  process.stderr.write(
    `SKIPPED ${what}: PostgreSQL is not reachable at ${TEST_POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} (set TEST_POSTGRES_URL, or start it)\n`,
  );
}

/** Creates an empty database named `prefix` + a random suffix. */
export async function createTempPostgresDatabase(prefix = 'orch_spec_'): Promise<TempPostgresDatabase> {
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  await withPostgresAdmin((client) => client.query(`create database ${pg.escapeIdentifier(name)}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withPostgresAdmin((client) => client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`)).then(
        () => undefined,
      ),
  };
}
