import { sql, type Kysely, type Transaction } from 'kysely';
import type { DeadLetterReason, DeadLetterSummary, TraceDeadLetter } from '../../contract.repository.js';
import { rowToOutboxEvent } from '../contract-row.mapper.js';
import { STORE_COUNTER, type ContractsTables, type TraceDeadLetterRow } from '../contracts.tables.js';

/** Longest `last_error` kept for a dead letter (as for an outbox event). */
const MAX_LAST_ERROR_LENGTH = 2000;
/** Ids per statement when dead letters are requeued. */
const REQUEUE_BATCH = 500;

/**
 * The dead letters of the Trace outbox (`trace_dead_letters`), for SqliteContractRepository and the
 * `outbox` command line. Moves in either direction are one transaction each, so an event is always in
 * exactly one of the two tables.
 */
export class SqliteTraceDeadLetters {
  private readonly db: Kysely<ContractsTables>;

  constructor(db: Kysely<ContractsTables>) {
    this.db = db;
  }

  async moveToDeadLetter(id: number, reason: DeadLetterReason): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .insertInto('trace_dead_letters')
        .columns([
          'id',
          'session_id',
          'event_type',
          'data',
          'traceparent',
          'created_at',
          'attempts',
          'last_status',
          'last_error',
          'dead_at',
        ])
        .expression((eb) =>
          eb
            .selectFrom('trace_outbox')
            .select((s) => [
              'id',
              'session_id',
              'event_type',
              'data',
              'traceparent',
              'created_at',
              sql<number>`attempts + 1`.as('attempts'),
              s.val(reason.status).as('last_status'),
              s.val(reason.error.slice(0, MAX_LAST_ERROR_LENGTH)).as('last_error'),
              s.val(reason.at.toISOString()).as('dead_at'),
            ])
            .where('id', '=', id),
        )
        .executeTakeFirst();
      if (!moved.numInsertedOrUpdatedRows) return false;
      await trx.deleteFrom('trace_outbox').where('id', '=', id).execute();
      await addToCounter(trx, STORE_COUNTER.traceOutbox, -1);
      await addToCounter(trx, STORE_COUNTER.traceDeadLetters, 1);
      return true;
    });
  }

  async deadLetterSummary(): Promise<DeadLetterSummary> {
    // The count comes from the store counters, kept in the transactions that move events, not a scan.
    const [counted, oldest] = await Promise.all([
      this.db
        .selectFrom('store_counters')
        .select('value as n')
        .where('name', '=', STORE_COUNTER.traceDeadLetters)
        .executeTakeFirst()
        .then((row) => row ?? { n: 0 }),
      this.db.selectFrom('trace_dead_letters').select('dead_at').orderBy('dead_at').limit(1).executeTakeFirst(),
    ]);
    return { count: Number(counted.n), oldest_dead_at: oldest?.dead_at ?? null };
  }

  async listDeadLetters(limit: number, afterId = 0): Promise<TraceDeadLetter[]> {
    if (!(limit >= 1)) return [];
    const rows = await this.db
      .selectFrom('trace_dead_letters')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(Math.floor(limit))
      .execute();
    return rows.map(rowToDeadLetter);
  }

  async requeueDeadLetters(ids: readonly number[] | 'all', now: Date): Promise<number[]> {
    const moved: number[] = [];
    if (ids === 'all') {
      for (;;) {
        const batch = await this.db.selectFrom('trace_dead_letters').select('id').orderBy('id').limit(REQUEUE_BATCH).execute();
        if (batch.length === 0) return moved;
        moved.push(
          ...(await this.requeue(
            batch.map((r) => Number(r.id)),
            now,
          )),
        );
      }
    }
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += REQUEUE_BATCH) moved.push(...(await this.requeue(unique.slice(i, i + REQUEUE_BATCH), now)));
    return moved;
  }

  /** Moves the dead letters among `ids` (at most REQUEUE_BATCH) back to the outbox, due at `now`. */
  private async requeue(ids: number[], now: Date): Promise<number[]> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('trace_dead_letters').select('id').where('id', 'in', ids).orderBy('id').execute();
      if (found.length === 0) return [];
      const present = found.map((r) => Number(r.id));
      await trx
        .insertInto('trace_outbox')
        .columns(['id', 'session_id', 'event_type', 'data', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'traceparent'])
        .expression((eb) =>
          eb
            .selectFrom('trace_dead_letters')
            .select((s) => [
              'id',
              'session_id',
              'event_type',
              'data',
              s.val(0).as('attempts'),
              s.val(now.getTime()).as('next_attempt_at'),
              s.val(null).as('last_error'),
              'created_at',
              'traceparent',
            ])
            .where('id', 'in', present),
        )
        .execute();
      await trx.deleteFrom('trace_dead_letters').where('id', 'in', present).execute();
      await addToCounter(trx, STORE_COUNTER.traceOutbox, present.length);
      await addToCounter(trx, STORE_COUNTER.traceDeadLetters, -present.length);
      return present;
    });
  }
}

/** Adds `delta` to one of the store counters, in the transaction that moved the rows it counts. */
async function addToCounter(trx: Transaction<ContractsTables>, name: string, delta: number): Promise<void> {
  await trx
    .insertInto('store_counters')
    .values({ name, value: delta })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('store_counters.value', '+', eb.ref('excluded.value')) })))
    .execute();
}

function rowToDeadLetter(row: TraceDeadLetterRow): TraceDeadLetter {
  return {
    ...rowToOutboxEvent(row),
    last_status: row.last_status === null ? null : Number(row.last_status),
    last_error: row.last_error,
    dead_at: row.dead_at,
  };
}
