import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * The better-sqlite3 handle as Kysely's SqliteDialect sees it, with a small cache of prepared
 * statements keyed by SQL text. Kysely prepares every statement it runs; the store runs the same few
 * statements over and over (with precompiled SQL, see prepared-query.ts), so this saves an
 * `sqlite3_prepare` per statement. The cache is bounded by the number of distinct SQL texts, never by
 * the amount of data; the store has fewer than its capacity, so eviction is first in, first out (a
 * hit costs one lookup, nothing more).
 *
 * Sharing a statement is safe because Kysely's SQLite driver serialises all use of its single
 * connection with a mutex.
 */
export class StatementCachingDatabase implements SqliteDatabase {
  private readonly db: BetterSqlite3.Database;
  private readonly capacity: number;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database, capacity = 256) {
    this.db = db;
    this.capacity = capacity;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= this.capacity) {
        // The oldest entry goes; one still in use is simply prepared again when it comes back.
        const oldest = this.statements.keys().next();
        if (!oldest.done) this.statements.delete(oldest.value);
      }
      this.statements.set(sql, statement);
    }
    return statement as unknown as SqliteStatement;
  }

  close(): void {
    this.statements.clear();
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // Statistics are an optimisation only; closing matters more.
    }
    this.db.close();
  }

  /** Number of cached statements (for tests). */
  get size(): number {
    return this.statements.size;
  }
}
