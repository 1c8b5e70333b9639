import { PostgresAdapter, type Kysely } from 'kysely';

/** The two stores: the embedded SQLite file (default) and PostgreSQL (`DATABASE_URL`). */
export type DatabaseDialect = 'sqlite' | 'postgres';

/** Which store a Kysely instance (or transaction) talks to. */
export function databaseDialect(db: Kysely<any>): DatabaseDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
