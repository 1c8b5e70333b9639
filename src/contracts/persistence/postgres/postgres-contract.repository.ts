import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { DATABASE, prepareOnEveryConnection } from '../../../database/index.js';
import type { Contract, OutboxEvent, TaskOutcome } from '../../contract.model.js';
import type { WriteOptions } from '../../contract.repository.js';
import { RequestAlreadyClosedError } from '../../errors/request-already-closed.error.js';
import { RequestNotFoundError } from '../../errors/request-not-found.error.js';
import { contractToRow, rowToOutboxEvent } from '../contract-row.mapper.js';
import type { ContractsTables, TraceOutboxRow } from '../contracts.tables.js';
import { SqliteContractRepository } from '../sqlite/sqlite-contract.repository.js';
import { closedRequest, closeRequestValues, outboxInsertValues } from '../task-write-values.js';
import { CONTRACT_WRITE_LOCK_KEY, PostgresTaskWrites } from './postgres-task-writes.js';

/**
 * How long a claimed outbox event is reserved for the process that claimed it. Another process takes
 * it over only after this, so a process that dies with claimed events delays them by at most this
 * much; one whose round outlives it may see some of its events delivered twice (delivery is at least
 * once; Trace dedupes on X-Event-Id).
 */
export const OUTBOX_CLAIM_LEASE_MS = 5 * 60_000;

/**
 * The contract store and the Trace outbox on PostgreSQL, shared by any number of processes. The
 * queries are the SQLite adapter's (Kysely builds them for either dialect); what differs is how
 * several processes stay correct together:
 *
 * - Every transaction that writes contracts, sessions or their counters first takes one advisory
 *   lock (`pg_advisory_xact_lock`), held to its commit. Contract `seq` values are then committed in
 *   the order they are drawn, so a keyset cursor never skips a contract committed late, and counters
 *   and session rows are always locked in the same order (no deadlock between processes).
 * - The task path (insertRequest, completeRequest) is group-committed as one statement per batch
 *   (PostgresTaskWrites), which takes that lock itself.
 * - Outbox events are claimed with `FOR UPDATE SKIP LOCKED` and reserved for OUTBOX_CLAIM_LEASE_MS
 *   (their `next_attempt_at` moves past the lease), so each is delivered by one process at a time; a
 *   claim keeps only the events whose earlier events of the same session it holds as well, so each
 *   session's events still go out in order whichever process sends them.
 */
@Injectable()
export class PostgresContractRepository extends SqliteContractRepository {
  private readonly taskWrites: PostgresTaskWrites;

  constructor(@Inject(DATABASE) db: Kysely<ContractsTables>) {
    super(db);
    this.taskWrites = new PostgresTaskWrites(db);
    // A worker reads each task's REQUEST by id before running it: planned once per connection.
    prepareOnEveryConnection(this.findByIdQuery.sql);
  }

  override async insertRequest(request: Contract, options: WriteOptions): Promise<void> {
    await this.taskWrites.run({
      kind: 'insert',
      row: contractToRow(request),
      outbox: options.outbox ? outboxInsertValues('contract.request', request, options) : undefined,
    });
  }

  override async completeRequest(request: Contract, outcome: TaskOutcome, response: Contract, options: WriteOptions): Promise<Contract> {
    const row = contractToRow(response);
    const closed = await this.taskWrites.run({
      kind: 'close',
      close: closeRequestValues(request, outcome, row, response),
      row,
      outbox: options.outbox ? outboxInsertValues('contract.response', response, options) : undefined,
    });
    if (!closed) {
      // Nothing was written. A final state is final, so the REQUEST read now is the one that stopped it.
      const stored = await this.findById(request.contract_id);
      if (stored?.contract_type !== 'REQUEST') throw new RequestNotFoundError(request.contract_id);
      throw new RequestAlreadyClosedError(stored);
    }
    return closedRequest(request, outcome);
  }

  protected override async beginContractWrite(trx: Transaction<ContractsTables>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${sql.lit(CONTRACT_WRITE_LOCK_KEY)})`.execute(trx);
  }

  /** No index trick is needed on PostgreSQL (and `+text` is not an expression there). */
  protected override interruptedContractType(): RawBuilder<string> {
    return sql<string>`contract_type`;
  }

  /**
   * Up to `limit` due events, oldest first, with the session-order rule of the SQLite adapter, locked
   * with SKIP LOCKED and reserved in the same statement. Rows another process is claiming are
   * skipped; an event is kept only when every earlier event of its session still in the outbox is in
   * this claim too (else the other process holds one of them, and this session is left to it).
   */
  override async claimDue(now: Date, limit: number): Promise<OutboxEvent[]> {
    if (!(limit >= 1)) return [];
    const at = now.getTime();
    const { rows } = await sql<TraceOutboxRow>`
      with candidates as (
        select o.id, o.session_id from trace_outbox o
        where o.next_attempt_at <= ${at}
          and not exists (
            select 1 from trace_outbox e
            where e.session_id = o.session_id and e.id < o.id and e.next_attempt_at > ${at}
          )
        order by o.id
        limit ${Math.floor(limit)}
        for update skip locked
      ),
      claimable as (
        select c.id from candidates c
        where not exists (
          select 1 from trace_outbox e
          where e.session_id = c.session_id and e.id < c.id and e.id not in (select id from candidates)
        )
      )
      update trace_outbox t set next_attempt_at = ${at + OUTBOX_CLAIM_LEASE_MS}
      from claimable where t.id = claimable.id
      returning t.*`.execute(this.db);
    return rows.sort((a, b) => Number(a.id) - Number(b.id)).map(rowToOutboxEvent);
  }

  override async releaseClaims(ids: number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('trace_outbox')
      .set({ next_attempt_at: now.getTime() })
      .where('id', '=', sql<number>`any(${ids})`)
      .execute();
  }
}
