import { Inject, Injectable } from '@nestjs/common';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { DATABASE } from '../../../database/index.js';
import {
  CONTRACT_STATUSES,
  type Contract,
  type ContractFilter,
  type ContractStats,
  type ContractStatus,
  type OutboxEvent,
  type Page,
  type PageRequest,
  type SessionFilter,
  type JsonObject,
  type SessionSummary,
  type TaskOutcome,
  type TraceEventType,
} from '../../contract.model.js';
import {
  ContractRepository,
  OutboxRepository,
  type DeadLetterReason,
  type DeadLetterSummary,
  type RetentionBatch,
  type ScanOptions,
  type TraceDeadLetter,
  type WriteOptions,
} from '../../contract.repository.js';
import { RequestAlreadyClosedError } from '../../errors/request-already-closed.error.js';
import { RequestNotFoundError } from '../../errors/request-not-found.error.js';
import { recordJsonSize, rowJsonSize } from '../../contract-size.js';
import { contractToRow, rowToContract, rowToOutboxEvent, rowToSession } from '../contract-row.mapper.js';
import {
  STORE_COUNTER,
  type ContractRow,
  type ContractsTables,
  type ContractsTable,
  type NewContractRow,
  type SessionRow,
  type TraceOutboxRow,
} from '../contracts.tables.js';
import { decodeContractCursor, decodeSessionCursor, encodeContractCursor, encodeSessionCursor } from '../page-cursor.js';
import { PreparedQuery } from '../prepared-query.js';
import {
  closedRequest,
  closeRequestValues,
  outboxInsertValues,
  type CloseRequestValues,
  type OutboxInsertValues,
} from '../task-write-values.js';
import { WriteBatcher } from '../write-batcher.js';
import { SqliteTraceDeadLetters } from './sqlite-dead-letters.js';

/** Filter fields of ContractFilter, in a fixed order (bit i of a filter's shape = column i is filtered). */
const FILTER_COLUMNS = ['session_id', 'from_agent', 'to_agent', 'contract_type', 'status', 'capability'] as const;
type FilterColumn = (typeof FILTER_COLUMNS)[number];

/** Longest `last_error` kept for an outbox event. */
const MAX_LAST_ERROR_LENGTH = 2000;

type ContractValues = { [K in Exclude<keyof ContractsTable, 'seq'>]: ContractsTable[K] };
interface SessionUpsertValues {
  session_id: string;
  count: number;
  created_at: string;
  updated_at: string;
}
/** Ids per `in (…)` list (children looked up, REQUESTs closed): bounds a statement's parameter count. */
const IDS_PER_STATEMENT = 500;

type FindValues = { [K in FilterColumn]: string } & { after: number; limit: number };
interface CounterValues {
  name: string;
  delta: number;
}
interface TwoCounterValues {
  a: string;
  a_delta: number;
  b: string;
  b_delta: number;
}
type CounterRow = { name: string; value: number | string | bigint };
type FindParam = <K extends keyof FindValues>(name: K) => FindValues[K];

type Db = Kysely<ContractsTables>;
type Executor = Kysely<ContractsTables> | Transaction<ContractsTables>;

/**
 * The contract store and the Trace outbox on SQLite, through Kysely: PostgresContractRepository extends
 * it, changing only what several processes on one database need (the protected hooks below and the
 * outbox claim). One instance serves both ContractRepository and OutboxRepository.
 *
 * Statements that run on every task are compiled once (PreparedQuery) and their SQLite statements are
 * cached by the connection (StatementCachingDatabase); a list query is compiled when it runs (its
 * SQLite statement is still cached by its text). Nothing here grows with the number of contracts.
 */
@Injectable()
export class SqliteContractRepository implements ContractRepository, OutboxRepository {
  protected readonly db: Db;
  /** Task writes (insertRequest, completeRequest) go through group commit. */
  private readonly writes: WriteBatcher<ContractsTables>;
  private readonly deadLetters: SqliteTraceDeadLetters;
  private readonly insertContractQuery: PreparedQuery<ContractValues, never>;
  private readonly importContract: PreparedQuery<ContractValues, never>;
  private readonly upsertSession: PreparedQuery<SessionUpsertValues, never>;
  private readonly insertOutbox: PreparedQuery<OutboxInsertValues, never>;
  private readonly closeRequest: PreparedQuery<CloseRequestValues, never>;
  private readonly closeRequestToAgent: PreparedQuery<CloseRequestValues, never>;
  protected readonly findByIdQuery: PreparedQuery<{ contract_id: string }, ContractRow>;
  private readonly findSessionQuery: PreparedQuery<{ session_id: string }, SessionRow>;
  private readonly listSessionsQuery: PreparedQuery<{ limit: number }, SessionRow>;
  private readonly listSessionsAfter: PreparedQuery<{ limit: number; updated_at: string; session_id: string }, SessionRow>;
  private readonly claimDueQuery: PreparedQuery<{ now: number; limit: number }, TraceOutboxRow>;
  private readonly markFailedQuery: PreparedQuery<{ id: number; error: string; next_attempt_at: number }, never>;
  private readonly deleteOutbox: PreparedQuery<{ id: number }, never>;
  private readonly addToCounter: PreparedQuery<CounterValues, never>;
  private readonly addToCounters: PreparedQuery<TwoCounterValues, never>;
  private readonly countNewSession: PreparedQuery<{ session_id: string; count: number }, never>;
  private readonly readCounters: PreparedQuery<object, CounterRow>;
  private readonly readCounter: PreparedQuery<{ name: string }, CounterRow>;

  constructor(@Inject(DATABASE) db: Db) {
    this.db = db;
    this.writes = new WriteBatcher(db, (trx) => this.beginContractWrite(trx));
    this.deadLetters = new SqliteTraceDeadLetters(db);

    const insertContract = (p: <K extends keyof ContractValues>(name: K) => ContractValues[K]) =>
      db.insertInto('contracts').values({
        contract_id: p('contract_id'),
        session_id: p('session_id'),
        contract_type: p('contract_type'),
        from_agent: p('from_agent'),
        to_agent: p('to_agent'),
        capability: p('capability'),
        payload: p('payload'),
        status: p('status'),
        created_at: p('created_at'),
        completed_at: p('completed_at'),
        result: p('result'),
        error: p('error'),
        metadata: p('metadata'),
        parent_contract_id: p('parent_contract_id'),
      });
    this.insertContractQuery = PreparedQuery.prepare<ContractValues, never>(insertContract);
    this.importContract = PreparedQuery.prepare<ContractValues, never>((p) =>
      insertContract(p).onConflict((oc) => oc.column('contract_id').doNothing()),
    );

    // created_at = the earliest, updated_at = the latest contract time seen (CASE instead of
    // min()/max(), which are aggregates on PostgreSQL).
    this.upsertSession = PreparedQuery.prepare<SessionUpsertValues, never>((p) =>
      db
        .insertInto('sessions')
        .values({
          session_id: p('session_id'),
          contract_count: p('count'),
          created_at: p('created_at'),
          updated_at: p('updated_at'),
        })
        .onConflict((oc) =>
          oc.column('session_id').doUpdateSet((eb) => ({
            contract_count: eb('sessions.contract_count', '+', eb.ref('excluded.contract_count')),
            created_at: eb
              .case()
              .when('excluded.created_at', '<', eb.ref('sessions.created_at'))
              .then(eb.ref('excluded.created_at'))
              .else(eb.ref('sessions.created_at'))
              .end(),
            updated_at: eb
              .case()
              .when('excluded.updated_at', '>', eb.ref('sessions.updated_at'))
              .then(eb.ref('excluded.updated_at'))
              .else(eb.ref('sessions.updated_at'))
              .end(),
          })),
        ),
    );

    this.insertOutbox = PreparedQuery.prepare<OutboxInsertValues, never>((p) =>
      db.insertInto('trace_outbox').values({
        session_id: p('session_id'),
        event_type: p('event_type'),
        data: p('data'),
        next_attempt_at: p('next_attempt_at'),
        created_at: p('created_at'),
        traceparent: p('traceparent'),
      }),
    );

    // Two forms: an UPDATE that names `to_agent` rewrites its index entry even when the value is the
    // same, so the agent is only set when failover moved the task to another one. No RETURNING: the
    // caller has the REQUEST, and reading the row back cost more than the UPDATE itself.
    const closeRequest = (withAgent: boolean) =>
      PreparedQuery.prepare<CloseRequestValues, never>((p) =>
        db
          .updateTable('contracts')
          .set({
            status: p('status'),
            result: p('result'),
            error: p('error'),
            completed_at: p('completed_at'),
            metadata: sql<string>`coalesce(${p('metadata')}, metadata)`,
            ...(withAgent ? { to_agent: p('to_agent') as string } : {}),
          })
          .where('contract_id', '=', p('contract_id'))
          .where('contract_type', '=', 'REQUEST')
          // A final state is final: a late writer (a task this process gave up on, another process on
          // the same file) never overwrites it.
          .where('status', '=', 'in_progress' satisfies ContractStatus),
      );
    this.closeRequest = closeRequest(false);
    this.closeRequestToAgent = closeRequest(true);

    this.findByIdQuery = PreparedQuery.prepare<{ contract_id: string }, ContractRow>((p) =>
      db.selectFrom('contracts').selectAll().where('contract_id', '=', p('contract_id')),
    );

    this.findSessionQuery = PreparedQuery.prepare<{ session_id: string }, SessionRow>((p) =>
      db.selectFrom('sessions').selectAll().where('session_id', '=', p('session_id')),
    );
    this.listSessionsQuery = PreparedQuery.prepare<{ limit: number }, SessionRow>((p) =>
      db.selectFrom('sessions').selectAll().orderBy('updated_at', 'desc').orderBy('session_id', 'desc').limit(p('limit')),
    );
    this.listSessionsAfter = PreparedQuery.prepare<{ limit: number; updated_at: string; session_id: string }, SessionRow>((p) =>
      db
        .selectFrom('sessions')
        .selectAll()
        .where((eb) => eb(eb.refTuple('updated_at', 'session_id'), '<', eb.tuple(p('updated_at'), p('session_id'))))
        .orderBy('updated_at', 'desc')
        .orderBy('session_id', 'desc')
        .limit(p('limit')),
    );

    // Due events, oldest first, leaving out every event that has an earlier event of its session
    // still waiting (not due): Trace sees each session's events in order.
    this.claimDueQuery = PreparedQuery.prepare<{ now: number; limit: number }, TraceOutboxRow>((p) =>
      db
        .selectFrom('trace_outbox as o')
        .selectAll('o')
        .where('o.next_attempt_at', '<=', p('now'))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('trace_outbox as e')
                .select('e.id')
                .whereRef('e.session_id', '=', 'o.session_id')
                .whereRef('e.id', '<', 'o.id')
                .where('e.next_attempt_at', '>', p('now')),
            ),
          ),
        )
        .orderBy('o.id')
        .limit(p('limit')),
    );
    this.markFailedQuery = PreparedQuery.prepare<{ id: number; error: string; next_attempt_at: number }, never>((p) =>
      db
        .updateTable('trace_outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: p('error'),
          next_attempt_at: p('next_attempt_at'),
        }))
        .where('id', '=', p('id')),
    );
    this.deleteOutbox = PreparedQuery.prepare<{ id: number }, never>((p) => db.deleteFrom('trace_outbox').where('id', '=', p('id')));

    // Counters (store_counters) change in the transaction of the write they count.
    this.addToCounter = PreparedQuery.prepare<CounterValues, never>((p) =>
      db
        .insertInto('store_counters')
        .values({ name: p('name'), value: p('delta') })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('store_counters.value', '+', eb.ref('excluded.value')) }))),
    );
    this.addToCounters = PreparedQuery.prepare<TwoCounterValues, never>((p) =>
      db
        .insertInto('store_counters')
        .values([
          { name: p('a'), value: p('a_delta') },
          { name: p('b'), value: p('b_delta') },
        ])
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('store_counters.value', '+', eb.ref('excluded.value')) }))),
    );
    // After the session upsert: the session is new iff its count is exactly what this write added.
    this.countNewSession = PreparedQuery.prepare<{ session_id: string; count: number }, never>((p) =>
      db
        .insertInto('store_counters')
        .columns(['name', 'value'])
        .expression(
          db
            .selectFrom('sessions')
            .select([sql<string>`${STORE_COUNTER.sessions}`.as('name'), sql<number>`1`.as('value')])
            .where('session_id', '=', p('session_id'))
            .where('contract_count', '=', p('count')),
        )
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('store_counters.value', '+', eb.ref('excluded.value')) }))),
    );
    this.readCounters = PreparedQuery.prepare<object, CounterRow>(() => db.selectFrom('store_counters').select(['name', 'value']));
    this.readCounter = PreparedQuery.prepare<{ name: string }, CounterRow>((p) =>
      db.selectFrom('store_counters').select(['name', 'value']).where('name', '=', p('name')),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * Runs first in every transaction that writes contracts, sessions or their counters. Nothing to do
   * on SQLite, whose transactions are serialised by the file lock anyway.
   */
  protected async beginContractWrite(_trx: Transaction<ContractsTables>): Promise<void> {}

  /** A transaction that writes contracts, sessions or their counters, outside the task path's group commit. */
  protected contractWrite<T>(work: (trx: Transaction<ContractsTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await this.beginContractWrite(trx);
      return work(trx);
    });
  }

  /**
   * The `contract_type` operand of the query that lists the REQUESTs `in_progress`. On SQLite a unary `+`
   * keeps the planner from using the contract_type index (half the table) instead of the status
   * index (the few in_progress rows): this runs at every start, on any store size.
   */
  protected interruptedContractType(): RawBuilder<string> {
    return sql<string>`+contract_type`;
  }

  async insertRequest(request: Contract, options: WriteOptions): Promise<void> {
    const row = contractToRow(request);
    await this.writes.run(async (trx) => {
      await this.insertWithSession(trx, row, true);
      if (options.outbox) await this.enqueue(trx, 'contract.request', request, options);
    });
  }

  async completeRequest(request: Contract, outcome: TaskOutcome, response: Contract, options: WriteOptions): Promise<Contract> {
    const row = contractToRow(response);
    const closed = closeRequestValues(request, outcome, row, response);
    await this.writes.run(async (trx) => {
      const close = outcome.to_agent === undefined ? this.closeRequest : this.closeRequestToAgent;
      const { numAffectedRows } = await trx.executeQuery(close.bind(closed));
      if (!numAffectedRows) {
        const { rows } = await trx.executeQuery(this.findByIdQuery.bind({ contract_id: request.contract_id }));
        const stored = rows[0] === undefined ? undefined : rowToContract(rows[0]);
        if (stored?.contract_type !== 'REQUEST') throw new RequestNotFoundError(request.contract_id);
        throw new RequestAlreadyClosedError(stored);
      }
      await this.moveStatus(trx, request.status, outcome.status, 1);
      await this.insertWithSession(trx, row, false);
      if (options.outbox) await this.enqueue(trx, 'contract.response', response, options);
    });
    return closedRequest(request, outcome);
  }

  async importContracts(contracts: Contract[]): Promise<number> {
    if (contracts.length === 0) return 0;
    const rows = contracts.map(contractToRow);
    return this.contractWrite(async (trx) => {
      // Per session touched by this call: inserted count and time span (bounded by the call's size).
      const sessions = new Map<string, SessionUpsertValues>();
      const byStatus = new Map<string, number>();
      let inserted = 0;
      for (const row of rows) {
        const result = await trx.executeQuery(this.importContract.bind(row as ContractValues));
        if (!result.numAffectedRows) continue;
        inserted += 1;
        byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
        const session = sessions.get(row.session_id);
        if (session === undefined) {
          sessions.set(row.session_id, { session_id: row.session_id, count: 1, created_at: row.created_at, updated_at: row.created_at });
        } else {
          session.count += 1;
          if (row.created_at < session.created_at) session.created_at = row.created_at;
          if (row.created_at > session.updated_at) session.updated_at = row.created_at;
        }
      }
      for (const session of sessions.values()) {
        await trx.executeQuery(this.upsertSession.bind(session));
        await trx.executeQuery(this.countNewSession.bind({ session_id: session.session_id, count: session.count }));
      }
      if (inserted > 0) await this.addCounter(trx, STORE_COUNTER.contracts, inserted);
      for (const [status, count] of byStatus) await this.addCounter(trx, STORE_COUNTER.statusPrefix + status, count);
      return inserted;
    });
  }

  async failInterrupted(contractIds: readonly string[], error: string, completedAt: string): Promise<number> {
    if (contractIds.length === 0) return 0;
    return this.contractWrite(async (trx) => {
      let closed = 0;
      for (let i = 0; i < contractIds.length; i += IDS_PER_STATEMENT) {
        const result = await trx
          .updateTable('contracts')
          .set({ status: 'failed' satisfies ContractStatus, error, completed_at: completedAt })
          .where('contract_id', 'in', contractIds.slice(i, i + IDS_PER_STATEMENT))
          .where('status', '=', 'in_progress' satisfies ContractStatus)
          .where('contract_type', '=', 'REQUEST')
          .executeTakeFirst();
        closed += Number(result.numUpdatedRows);
      }
      if (closed > 0) await this.moveStatus(trx, 'in_progress', 'failed', closed);
      return closed;
    });
  }

  async recordInterruptedAttempt(contractId: string, attempt: JsonObject): Promise<Contract | undefined> {
    // Read and written in one contract-write transaction: on PostgreSQL its lock keeps completeRequest
    // of another process from closing the REQUEST in between.
    return this.contractWrite(async (trx) => {
      const { rows } = await trx.executeQuery(this.findByIdQuery.bind({ contract_id: contractId }));
      const row = rows[0];
      if (row === undefined || row.contract_type !== 'REQUEST' || row.status !== 'in_progress') return undefined;
      const stored = rowToContract(row);
      const prior = Array.isArray(stored.metadata.attempts) ? stored.metadata.attempts : [];
      const metadata: JsonObject = { ...stored.metadata, attempts: [...prior, attempt] };
      await trx
        .updateTable('contracts')
        .set({ metadata: JSON.stringify(metadata) })
        .where('contract_id', '=', contractId)
        .where('status', '=', 'in_progress' satisfies ContractStatus)
        .execute();
      return { ...stored, metadata };
    });
  }

  /** `newSession`: the session may not exist yet (a first REQUEST); a RESPONSE's session always does. */
  private async insertWithSession(trx: Executor, row: NewContractRow, newSession: boolean): Promise<void> {
    await trx.executeQuery(this.insertContractQuery.bind(row as ContractValues));
    await trx.executeQuery(
      this.upsertSession.bind({ session_id: row.session_id, count: 1, created_at: row.created_at, updated_at: row.created_at }),
    );
    await trx.executeQuery(
      this.addToCounters.bind({ a: STORE_COUNTER.contracts, a_delta: 1, b: STORE_COUNTER.statusPrefix + row.status, b_delta: 1 }),
    );
    if (newSession) await trx.executeQuery(this.countNewSession.bind({ session_id: row.session_id, count: 1 }));
  }

  private async addCounter(trx: Executor, name: string, delta: number): Promise<void> {
    await trx.executeQuery(this.addToCounter.bind({ name, delta }));
  }

  /** `count` contracts changed status from `from` to `to`. */
  private async moveStatus(trx: Executor, from: string, to: string, count: number): Promise<void> {
    await trx.executeQuery(
      this.addToCounters.bind({
        a: STORE_COUNTER.statusPrefix + from,
        a_delta: -count,
        b: STORE_COUNTER.statusPrefix + to,
        b_delta: count,
      }),
    );
  }

  /**
   * Keeps the `trace_outbox` counter (undelivered events) right: call it in the transaction of every
   * statement that adds (`delta` > 0) or removes (`delta` < 0) outbox rows.
   */
  private async countOutbox(trx: Executor, delta: number): Promise<void> {
    if (delta !== 0) await this.addCounter(trx, STORE_COUNTER.traceOutbox, delta);
  }

  private async enqueue(trx: Executor, eventType: TraceEventType, contract: Contract, options: WriteOptions): Promise<void> {
    await trx.executeQuery(this.insertOutbox.bind(outboxInsertValues(eventType, contract, options)));
    await this.countOutbox(trx, 1);
  }

  async deleteExpiredSessions(updatedBefore: string, maxSessions: number, maxContracts: number): Promise<RetentionBatch> {
    return this.contractWrite(async (trx) => {
      const expired = await trx
        .selectFrom('sessions as s')
        .select(['s.session_id', 's.contract_count'])
        .where('s.updated_at', '<', updatedBefore)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('contracts as c')
                .select('c.seq')
                .where('c.status', '=', 'in_progress' satisfies ContractStatus)
                .where('c.contract_type', '=', 'REQUEST')
                .whereRef('c.session_id', '=', 's.session_id'),
            ),
          ),
        )
        .orderBy('s.updated_at')
        .orderBy('s.session_id')
        .limit(maxSessions)
        .execute();
      const deleted: RetentionBatch = { sessions: 0, contracts: 0 };
      let room = maxContracts;
      for (const { session_id, contract_count } of expired) {
        if (room <= 0) break;
        const whole = Number(contract_count) <= room;
        // The oldest `room` contracts of the session (all of them when it fits).
        const doomed = trx.selectFrom('contracts').select('seq').where('session_id', '=', session_id).orderBy('seq').limit(room);
        const byStatus = await trx
          .selectFrom('contracts')
          .select((eb) => ['status', eb.fn.countAll().as('n')])
          .where('seq', 'in', doomed)
          .groupBy('status')
          .execute();
        const { numDeletedRows } = await trx.deleteFrom('contracts').where('seq', 'in', doomed).executeTakeFirst();
        const count = Number(numDeletedRows);
        for (const { status, n } of byStatus) await this.addCounter(trx, STORE_COUNTER.statusPrefix + status, -Number(n));
        await this.addCounter(trx, STORE_COUNTER.contracts, -count);
        if (whole) {
          await trx.deleteFrom('sessions').where('session_id', '=', session_id).execute();
          await this.addCounter(trx, STORE_COUNTER.sessions, -1);
          deleted.sessions += 1;
        } else {
          await trx
            .updateTable('sessions')
            .set((eb) => ({ contract_count: eb('contract_count', '-', count) }))
            .where('session_id', '=', session_id)
            .execute();
        }
        deleted.contracts += count;
        room -= count;
      }
      return deleted;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  async findById(contractId: string): Promise<Contract | undefined> {
    const { rows } = await this.db.executeQuery(this.findByIdQuery.bind({ contract_id: contractId }));
    // No recorded size: one contract is never cut to a budget (the tree measures its root itself).
    return rows[0] === undefined ? undefined : rowToContract(rows[0]);
  }

  async findChildren(parentIds: readonly string[]): Promise<Contract[]> {
    const children: Contract[] = [];
    // Bound the statement's parameter count; the tree endpoint asks level by level.
    for (let i = 0; i < parentIds.length; i += IDS_PER_STATEMENT) {
      const rows = await this.db
        .selectFrom('contracts')
        .selectAll()
        .where('parent_contract_id', 'in', parentIds.slice(i, i + IDS_PER_STATEMENT))
        .orderBy('seq')
        .execute();
      for (const row of rows) children.push(sizedContract(row));
    }
    return children;
  }

  async find(filter: ContractFilter, page: PageRequest): Promise<Page<Contract>> {
    const limit = checkLimit(page.limit);
    const newestFirst = page.newestFirst === true;
    const after = page.cursor === undefined ? undefined : decodeContractCursor(page.cursor, newestFirst);

    const values = { limit: limit + 1, after: after?.seq ?? 0 } as FindValues;
    const shape = filterShape(filter, values);
    const rowsQuery = this.pageQuery(shape | (after === undefined ? 0 : CURSOR_BIT) | (newestFirst ? NEWEST_FIRST_BIT : 0));
    const [{ rows }, known] = await Promise.all([this.db.executeQuery(rowsQuery.bind(values)), this.knownTotal(filter, shape)]);
    // A total the store does not keep is counted on the first page and carried by the cursors after it.
    const carried = known === undefined ? after?.total : undefined;
    const total = known ?? carried ?? (await this.countMatching(shape, values));

    const maxBytes = page.maxBytes ?? Number.POSITIVE_INFINITY;
    const items: Contract[] = [];
    let used = 0;
    let last: ContractRow | undefined;
    for (const row of rows.slice(0, limit)) {
      const size = rowJsonSize(row);
      // At least one contract per page, so that following the cursors always gets somewhere.
      if (items.length > 0 && used + size > maxBytes) break;
      used += size;
      items.push(recordJsonSize(rowToContract(row), size));
      last = row;
    }
    const more = items.length < rows.length;
    return {
      items,
      total,
      next_cursor:
        more && last !== undefined ? encodeContractCursor(Number(last.seq), known === undefined ? total : undefined, newestFirst) : null,
    };
  }

  /** The number of contracts matching a filter when a counter holds it (no filter, session only, status only). */
  private async knownTotal(filter: ContractFilter, shape: number): Promise<number | undefined> {
    if (shape === 0) return this.counter(STORE_COUNTER.contracts);
    if (shape === SESSION_ONLY) {
      const { rows } = await this.db.executeQuery(this.findSessionQuery.bind({ session_id: filter.session_id! }));
      return Number(rows[0]?.contract_count ?? 0);
    }
    if (shape === STATUS_ONLY) return this.counter(STORE_COUNTER.statusPrefix + filter.status!);
    return undefined;
  }

  private async countMatching(shape: number, values: FindValues): Promise<number> {
    const countQuery = PreparedQuery.prepare<FindValues, { n: number | string | bigint }>((p) =>
      this.whereShape(
        this.db.selectFrom('contracts').select((eb) => eb.fn.countAll().as('n')),
        shape,
        p,
      ),
    );
    const counted = await this.db.executeQuery(countQuery.bind(values));
    return Number(counted.rows[0]?.n ?? 0);
  }

  private async counter(name: string): Promise<number> {
    const { rows } = await this.db.executeQuery(this.readCounter.bind({ name }));
    return Number(rows[0]?.value ?? 0);
  }

  async *scan(filter: ContractFilter, options: ScanOptions = {}): AsyncGenerator<Contract[]> {
    const batchSize = checkLimit(options.batchSize ?? DEFAULT_SCAN_BATCH_SIZE);
    const values = { limit: batchSize, after: 0 } as FindValues;
    // The page query of `find` after a cursor: seq starts at 1, so `seq > 0` is the first page.
    const query = this.pageQuery(filterShape(filter, values) | CURSOR_BIT);
    for (;;) {
      const { rows } = await this.db.executeQuery(query.bind(values));
      if (rows.length > 0) yield rows.map(rowToContract);
      if (rows.length < batchSize) return;
      values.after = Number(rows[rows.length - 1]!.seq);
    }
  }

  async *scanInProgressRequests(options: ScanOptions = {}): AsyncGenerator<Contract[]> {
    const batchSize = checkLimit(options.batchSize ?? DEFAULT_SCAN_BATCH_SIZE);
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('contracts')
        .selectAll()
        .where('status', '=', 'in_progress' satisfies ContractStatus)
        .where(this.interruptedContractType(), '=', 'REQUEST')
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      if (rows.length > 0) yield rows.map(rowToContract);
      if (rows.length < batchSize) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  /** The page query (`limit` rows, oldest first unless NEWEST_FIRST_BIT) of a filter shape. */
  private pageQuery(shape: number): PreparedQuery<FindValues, ContractRow> {
    return PreparedQuery.prepare<FindValues, ContractRow>((p) =>
      this.whereShape(this.db.selectFrom('contracts').selectAll(), shape, p)
        .orderBy('seq', shape & NEWEST_FIRST_BIT ? 'desc' : 'asc')
        .limit(p('limit')),
    );
  }

  async findSession(sessionId: string): Promise<SessionSummary | undefined> {
    const { rows } = await this.db.executeQuery(this.findSessionQuery.bind({ session_id: sessionId }));
    return rows[0] === undefined ? undefined : rowToSession(rows[0]);
  }

  async listSessions(page: PageRequest, filter: SessionFilter = {}): Promise<Page<SessionSummary>> {
    const limit = checkLimit(page.limit);
    const after = page.cursor === undefined ? undefined : decodeSessionCursor(page.cursor);
    const prefix = filter.session_id_prefix;
    let rows: SessionRow[];
    let total: number;
    if (prefix === undefined) {
      const rowsQuery =
        after === undefined
          ? this.listSessionsQuery.bind({ limit: limit + 1 })
          : this.listSessionsAfter.bind({ limit: limit + 1, ...after });
      [{ rows }, total] = await Promise.all([this.db.executeQuery(rowsQuery), this.counter(STORE_COUNTER.sessions)]);
    } else {
      // substr rather than LIKE: the same exact, case-sensitive match on SQLite and PostgreSQL, no escaping.
      const startsWith = sql<string>`substr(session_id, 1, ${prefix.length})`;
      let rowsQuery = this.db.selectFrom('sessions').selectAll().where(startsWith, '=', prefix);
      if (after !== undefined) {
        rowsQuery = rowsQuery.where((eb) => eb(eb.refTuple('updated_at', 'session_id'), '<', eb.tuple(after.updated_at, after.session_id)));
      }
      const countQuery = this.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(startsWith, '=', prefix);
      const [found, counted] = await Promise.all([
        rowsQuery
          .orderBy('updated_at', 'desc')
          .orderBy('session_id', 'desc')
          .limit(limit + 1)
          .execute(),
        countQuery.executeTakeFirst(),
      ]);
      rows = found;
      total = Number(counted?.n ?? 0);
    }
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(rowToSession);
    const last = more ? items[items.length - 1] : undefined;
    return {
      items,
      total,
      next_cursor: last === undefined ? null : encodeSessionCursor(last),
    };
  }

  async stats(): Promise<ContractStats> {
    const { rows } = await this.db.executeQuery(this.readCounters.bind({}));
    const counts = new Map<string, number>();
    for (const { name, value } of rows) counts.set(name, Number(value));
    // Statuses in the model's order (not the table's, which differs between stores and with history);
    // those no contract has any more are left out, as a grouped count would.
    const by_status: ContractStats['by_status'] = {};
    for (const status of CONTRACT_STATUSES) {
      const count = counts.get(STORE_COUNTER.statusPrefix + status) ?? 0;
      if (count > 0) by_status[status] = count;
    }
    return {
      total_sessions: counts.get(STORE_COUNTER.sessions) ?? 0,
      total_contracts: counts.get(STORE_COUNTER.contracts) ?? 0,
      by_status,
    };
  }

  /** Adds the WHERE conditions of a filter shape (equality per filtered column, `seq > after` with a cursor, `<` newest first). */
  private whereShape<Q extends { where: (...args: any[]) => Q }>(query: Q, shape: number, p: FindParam): Q {
    let q = query;
    FILTER_COLUMNS.forEach((column, i) => {
      if (shape & (1 << i)) q = q.where(column, '=', p(column));
    });
    if (shape & CURSOR_BIT) q = q.where('seq', shape & NEWEST_FIRST_BIT ? '<' : '>', p('after'));
    return q;
  }

  // ---------------------------------------------------------------------------------------------
  // Outbox

  async claimDue(now: Date, limit: number): Promise<OutboxEvent[]> {
    if (!(limit >= 1)) return [];
    const { rows } = await this.db.executeQuery(this.claimDueQuery.bind({ now: now.getTime(), limit: Math.floor(limit) }));
    return rows.map(rowToOutboxEvent);
  }

  /** Nothing to give back: on SQLite one process delivers, and a claim changes no row. */
  async releaseClaims(_ids: number[], _now: Date): Promise<void> {}

  async markDelivered(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    // One prepared statement per id in one transaction: an `IN (…)` list would give every batch size
    // its own SQL text (and its own cached statement).
    await this.db.transaction().execute(async (trx) => {
      let deleted = 0;
      for (const id of ids) deleted += Number((await trx.executeQuery(this.deleteOutbox.bind({ id }))).numAffectedRows ?? 0);
      await this.countOutbox(trx, -deleted);
    });
  }

  async markFailed(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db.executeQuery(
      this.markFailedQuery.bind({ id, error: error.slice(0, MAX_LAST_ERROR_LENGTH), next_attempt_at: nextAttemptAt.getTime() }),
    );
  }

  async backlog(): Promise<{ pending: number; oldest_created_at: string | null }> {
    // Events are written in time order, so the oldest is the one with the lowest id (an index lookup,
    // where min(created_at) would scan the whole backlog).
    const [pending, oldest] = await Promise.all([
      this.counter(STORE_COUNTER.traceOutbox),
      this.db.selectFrom('trace_outbox').select('created_at').orderBy('id').limit(1).executeTakeFirst(),
    ]);
    return { pending, oldest_created_at: oldest?.created_at ?? null };
  }

  moveToDeadLetter(id: number, reason: DeadLetterReason): Promise<boolean> {
    return this.deadLetters.moveToDeadLetter(id, reason);
  }

  deadLetterSummary(): Promise<DeadLetterSummary> {
    return this.deadLetters.deadLetterSummary();
  }

  listDeadLetters(limit: number, afterId?: number): Promise<TraceDeadLetter[]> {
    return this.deadLetters.listDeadLetters(limit, afterId);
  }

  requeueDeadLetters(ids: readonly number[] | 'all', now: Date): Promise<number[]> {
    return this.deadLetters.requeueDeadLetters(ids, now);
  }
}

/** Bit of a find shape: the query continues after a cursor. */
const CURSOR_BIT = 1 << FILTER_COLUMNS.length;
/** Bit of a find shape: newest first. */
const NEWEST_FIRST_BIT = CURSOR_BIT << 1;
/** Find shapes whose total a counter holds (besides no filter). */
const SESSION_ONLY = 1 << FILTER_COLUMNS.indexOf('session_id');
const STATUS_ONLY = 1 << FILTER_COLUMNS.indexOf('status');

/** Contracts per batch of `scan` unless the caller says otherwise. */
const DEFAULT_SCAN_BATCH_SIZE = 500;

/** Copies the filtered columns of `filter` into `values`; returns the filter shape (bit i = column i is filtered). */
function filterShape(filter: ContractFilter, values: FindValues): number {
  let shape = 0;
  FILTER_COLUMNS.forEach((column, i) => {
    const value = filter[column];
    if (value !== undefined && value !== null) {
      shape |= 1 << i;
      values[column] = value;
    }
  });
  return shape;
}

/** The contract of a row, with its JSON size recorded (response budgets). */
function sizedContract(row: ContractRow): Contract {
  return recordJsonSize(rowToContract(row), rowJsonSize(row));
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  return limit;
}
