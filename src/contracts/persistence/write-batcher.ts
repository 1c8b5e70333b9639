import { CompiledQuery, type Kysely, type Transaction } from 'kysely';

/** Most writes committed together in one transaction. */
export const MAX_WRITES_PER_COMMIT = 256;

const SAVEPOINT = CompiledQuery.raw('SAVEPOINT batched_write');
const RELEASE = CompiledQuery.raw('RELEASE batched_write');
const ROLLBACK_TO = CompiledQuery.raw('ROLLBACK TO batched_write');

interface Job<DB> {
  work: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: write transactions requested while another is being committed (or in the same turn
 * of the event loop) are committed together. A caller's promise settles only after the commit that
 * holds its write, so "answered" still means "durable"; a write that fails fails alone (the batch is
 * run again with a savepoint per write). Under concurrency this turns many small commits (each
 * writing its own WAL frames) into one. A write's `work` may therefore run more than once, always in
 * a transaction that was rolled back before the next run: it must only touch the database.
 */
export class WriteBatcher<DB> {
  private readonly db: Kysely<DB>;
  private readonly begin: ((trx: Transaction<DB>) => Promise<void>) | undefined;
  private queue: Job<DB>[] = [];
  private draining = false;

  /** `begin` runs first in every transaction the batcher opens (e.g. to take a lock for the whole batch). */
  constructor(db: Kysely<DB>, begin?: (trx: Transaction<DB>) => Promise<void>) {
    this.db = db;
    this.begin = begin;
  }

  private transaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    const begin = this.begin;
    return this.db.transaction().execute(
      begin === undefined
        ? work
        : async (trx) => {
            await begin(trx);
            return work(trx);
          },
    );
  }

  run<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_WRITES_PER_COMMIT);
      const outcomes = await this.commit(batch);
      batch.forEach((job, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.error);
      });
    }
    this.draining = false;
  }

  private async commit(batch: Job<DB>[]): Promise<Outcome[]> {
    if (batch.length > 1) {
      // First without savepoints: inside a savepoint SQLite copies every page a write touches before
      // changing it, which doubles the cost of a task's writes. When any write fails, that transaction
      // is rolled back and the batch runs again with a savepoint per write, so that it fails alone.
      const values: unknown[] = [];
      try {
        await this.transaction(async (trx) => {
          for (const job of batch) values.push(await job.work(trx));
        });
        return values.map((value) => ({ ok: true, value }));
      } catch {
        // Rolled back: nothing of the batch was written.
      }
    }
    return this.commitIsolated(batch);
  }

  /** One transaction for the batch, each write in its own savepoint (a single write needs none). */
  private async commitIsolated(batch: Job<DB>[]): Promise<Outcome[]> {
    const outcomes: Array<Outcome | undefined> = batch.map(() => undefined);
    try {
      await this.transaction(async (trx) => {
        if (batch.length === 1) {
          outcomes[0] = { ok: true, value: await batch[0].work(trx) };
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          await trx.executeQuery(SAVEPOINT);
          try {
            outcomes[i] = { ok: true, value: await batch[i].work(trx) };
          } catch (error) {
            await trx.executeQuery(ROLLBACK_TO);
            outcomes[i] = { ok: false, error };
          }
          await trx.executeQuery(RELEASE);
        }
      });
    } catch (error) {
      // The transaction did not commit: every write of the batch is lost, so every caller hears of it.
      return batch.map((_, i) => (outcomes[i]?.ok === false ? outcomes[i] : { ok: false, error }));
    }
    return outcomes as Outcome[];
  }
}
