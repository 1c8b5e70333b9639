import { CompiledQuery, type Kysely } from 'kysely';
import { prepareOnEveryConnection } from '../../../database/index.js';
import { CONTRACT_FIELDS } from '../../contract.model.js';
import { STORE_COUNTER, type ContractsTables, type NewContractRow } from '../contracts.tables.js';
import type { CloseRequestValues, OutboxInsertValues } from '../task-write-values.js';
import { MAX_WRITES_PER_COMMIT } from '../write-batcher.js';

/**
 * Key of the transaction-scoped advisory lock that every transaction writing contracts takes first
 * (any constant; only this store uses it).
 */
export const CONTRACT_WRITE_LOCK_KEY = 0x4f524348;

/** A task's write: its REQUEST inserted, or its REQUEST closed with the RESPONSE added. */
export type TaskWrite =
  | { kind: 'insert'; row: NewContractRow; outbox: OutboxInsertValues | undefined }
  | { kind: 'close'; close: CloseRequestValues; row: NewContractRow; outbox: OutboxInsertValues | undefined };

interface Job {
  write: TaskWrite;
  /** True once committed; false for a close that found no REQUEST `in_progress` (nothing of it was written). */
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

/** Column arrays of one batch, in the order of the statement's parameters. */
const CLOSE_COLUMNS = ['contract_id', 'status', 'result', 'error', 'completed_at', 'to_agent', 'metadata'] as const;
const OUTBOX_COLUMNS = ['session_id', 'event_type', 'data', 'next_attempt_at', 'created_at', 'traceparent'] as const;

/** `$first::text[], …`, one array parameter per column; `types` overrides the element type of some. */
function arrayParams(first: number, columns: readonly string[], types: Record<string, string> = {}): string {
  return columns.map((c, i) => `$${first + i}::${types[c] ?? 'text'}[]`).join(', ');
}

const CLOSES_AT = 1;
const CONTRACTS_AT = CLOSES_AT + CLOSE_COLUMNS.length;
/** The contract columns and then `gate`: the REQUEST whose close gates the row (null: none); the outbox's likewise. */
const OUTBOX_AT = CONTRACTS_AT + CONTRACT_FIELDS.length + 1;
const STATUS = STORE_COUNTER.statusPrefix;

/**
 * One statement writes a whole batch of task writes, whatever its size: one round trip, and the
 * contract-write lock held only while the server runs it (the lock a transaction of separate
 * statements held across every round trip). Each of its parts sees what the one before returned:
 *
 * - `held` takes the advisory lock; every row the statement writes comes out of a join with it, so
 *   nothing is written (and no `seq` or outbox `id` drawn) before the lock is held, to the commit.
 * - `closed`: the REQUESTs closed, only those still `in_progress` (READ COMMITTED re-checks a row
 *   another transaction changed meanwhile, so a REQUEST closed elsewhere is left alone).
 * - `new_contracts`: the batch's REQUESTs, and the RESPONSEs of the REQUESTs closed, inserted in the
 *   batch's order (their `seq` follows it).
 * - `written_sessions`: one upsert per session (count, first and last times); a session is new when its
 *   count is what this batch added.
 * - `written_outbox`: the batch's outbox events, those of RESPONSEs only with their REQUEST closed.
 * - the counters: one upsert per counter, with the sums of the batch. ON CONFLICT adds to the row as
 *   committed (not as this statement's snapshot saw it), so concurrent writers keep them exact.
 *
 * The statement's snapshot is taken before it holds the lock, so it may miss a batch committed while
 * it waited. Nothing here depends on such a batch: the upserts add to the committed rows, the close
 * re-checks each REQUEST it updates, and the REQUESTs it closes were committed before the statement
 * began (a task's outcome is written after its REQUEST's commit has been answered).
 *
 * It returns the ids of the REQUESTs closed.
 */
const WRITE_BATCH_SQL = `
with held as materialized (select true from pg_advisory_xact_lock(${CONTRACT_WRITE_LOCK_KEY})),
closes as materialized (
  select v.* from held, unnest(${arrayParams(CLOSES_AT, CLOSE_COLUMNS)}) as v(${CLOSE_COLUMNS.join(', ')})
),
closed as (
  update contracts c set
    status = v.status, result = v.result, error = v.error, completed_at = v.completed_at,
    to_agent = coalesce(v.to_agent, c.to_agent), metadata = coalesce(v.metadata, c.metadata)
  from closes v
  where c.contract_id = v.contract_id and c.contract_type = 'REQUEST' and c.status = 'in_progress'
  returning c.contract_id, v.status
),
new_contracts as materialized (
  select v.* from held,
    unnest(${arrayParams(CONTRACTS_AT, [...CONTRACT_FIELDS, 'gate'])}) with ordinality as v(${CONTRACT_FIELDS.join(', ')}, gate, ord)
  where v.gate is null or v.gate in (select contract_id from closed)
),
inserted as (
  insert into contracts (${CONTRACT_FIELDS.join(', ')})
  select ${CONTRACT_FIELDS.join(', ')} from new_contracts order by ord
),
session_rows as (
  select session_id, count(*) as n, min(created_at collate "C") as first_at, max(created_at collate "C") as last_at
  from new_contracts group by session_id
),
written_sessions as (
  insert into sessions as s (session_id, contract_count, created_at, updated_at)
  select session_id, n, first_at, last_at from session_rows
  on conflict (session_id) do update set
    contract_count = s.contract_count + excluded.contract_count,
    created_at = case when excluded.created_at < s.created_at then excluded.created_at else s.created_at end,
    updated_at = case when excluded.updated_at > s.updated_at then excluded.updated_at else s.updated_at end
  returning s.session_id, s.contract_count
),
written_outbox as (
  insert into trace_outbox (${OUTBOX_COLUMNS.join(', ')})
  select ${OUTBOX_COLUMNS.join(', ')} from held,
    unnest(${arrayParams(OUTBOX_AT, [...OUTBOX_COLUMNS, 'gate'], { next_attempt_at: 'bigint' })}) with ordinality as v(${OUTBOX_COLUMNS.join(', ')}, gate, ord)
  where v.gate is null or v.gate in (select contract_id from closed)
  order by ord
  returning 1
),
deltas (name, delta) as (
  select '${STORE_COUNTER.contracts}'::text, count(*) from new_contracts
  union all select '${STATUS}' || status, count(*) from new_contracts group by status
  union all select '${STATUS}in_progress', -count(*) from closed
  union all select '${STATUS}' || status, count(*) from closed group by status
  union all select '${STORE_COUNTER.sessions}', count(*) from written_sessions w join session_rows r on r.session_id = w.session_id where w.contract_count = r.n
  union all select '${STORE_COUNTER.traceOutbox}', count(*) from written_outbox
),
counted as (
  insert into store_counters as t (name, value)
  select name, sum(delta) from deltas group by name having sum(delta) <> 0
  on conflict (name) do update set value = t.value + excluded.value
)
select contract_id from closed`;

/**
 * Group commit of task writes on PostgreSQL: the writes requested while a batch is being written (or
 * in the same turn of the event loop) go together into the next one, which is one statement
 * (WRITE_BATCH_SQL) in its own transaction. A caller's promise settles after the commit that holds
 * its write. When a batch fails as a whole (a constraint, a value the server refuses), its writes are
 * written again one by one, so that only the faulty one fails.
 */
export class PostgresTaskWrites {
  private readonly db: Kysely<ContractsTables>;
  private queue: Job[] = [];
  private draining = false;

  constructor(db: Kysely<ContractsTables>) {
    this.db = db;
    prepareOnEveryConnection(WRITE_BATCH_SQL);
  }

  /** Resolves true once `write` is committed; false for a close whose REQUEST is not `in_progress` (then nothing was written). */
  run(write: TaskWrite): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      try {
        const closed = await this.write(batch);
        for (const job of batch) job.resolve(job.write.kind === 'insert' || closed.has(job.write.close.contract_id));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else await this.writeOneByOne(batch);
      }
    }
    this.draining = false;
  }

  /**
   * The next writes in order, up to MAX_WRITES_PER_COMMIT, stopping before one that touches a REQUEST
   * the batch already writes (closed twice, or closed right after its insert): the statement's parts
   * do not see each other's rows, so that write waits for the next batch and sees this one committed.
   */
  private takeBatch(): Job[] {
    const requests = new Set<string>();
    let n = 0;
    while (n < this.queue.length && n < MAX_WRITES_PER_COMMIT) {
      const write = this.queue[n]!.write;
      const id = write.kind === 'insert' ? write.row.contract_id : write.close.contract_id;
      if (requests.has(id)) break;
      requests.add(id);
      n += 1;
    }
    return this.queue.splice(0, n);
  }

  private async writeOneByOne(batch: Job[]): Promise<void> {
    for (const job of batch) {
      try {
        const closed = await this.write([job]);
        job.resolve(job.write.kind === 'insert' || closed.size > 0);
      } catch (error) {
        job.reject(error);
      }
    }
  }

  /** Writes `batch` in one statement; returns the ids of the REQUESTs it closed. */
  private async write(batch: Job[]): Promise<Set<string>> {
    const closes: unknown[][] = CLOSE_COLUMNS.map(() => []);
    const contracts: unknown[][] = [...CONTRACT_FIELDS, 'gate'].map(() => []);
    const outbox: unknown[][] = [...OUTBOX_COLUMNS, 'gate'].map(() => []);
    for (const { write } of batch) {
      const gate = write.kind === 'close' ? write.close.contract_id : null;
      if (write.kind === 'close') CLOSE_COLUMNS.forEach((c, i) => closes[i]!.push(write.close[c]));
      CONTRACT_FIELDS.forEach((c, i) => contracts[i]!.push(write.row[c] ?? null));
      contracts[CONTRACT_FIELDS.length]!.push(gate);
      if (write.outbox !== undefined) {
        const values = write.outbox;
        OUTBOX_COLUMNS.forEach((c, i) => outbox[i]!.push(values[c]));
        outbox[OUTBOX_COLUMNS.length]!.push(gate);
      }
    }
    const { rows } = await this.db.executeQuery(CompiledQuery.raw(WRITE_BATCH_SQL, [...closes, ...contracts, ...outbox]));
    return new Set((rows as Array<{ contract_id: string }>).map((r) => r.contract_id));
  }
}
