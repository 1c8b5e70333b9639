import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The contract store's tables as Kysely sees them (DatabaseModule composes them with the other
 * modules' tables into one `Database`). JSON values are stored as text, times as
 * ISO-8601 UTC strings (`…Z`, which sort chronologically as text), except `trace_outbox.next_attempt_at`
 * (epoch milliseconds, compared with `now`).
 */
export interface ContractsTable {
  /** Insertion order; orders every contract list and is what contract cursors encode. */
  seq: Generated<number>;
  contract_id: string;
  session_id: string;
  contract_type: string;
  from_agent: string;
  to_agent: string;
  capability: string | null;
  /** JSON */
  payload: string;
  status: string;
  created_at: string;
  completed_at: string | null;
  /** JSON or NULL */
  result: string | null;
  error: string | null;
  /** JSON object */
  metadata: string;
  parent_contract_id: string | null;
}

export interface SessionsTable {
  session_id: string;
  contract_count: number;
  created_at: string;
  updated_at: string;
}

export interface TraceOutboxTable {
  id: Generated<number>;
  session_id: string;
  event_type: string;
  /** JSON object: the `data` of the Trace event. */
  data: string;
  attempts: Generated<number>;
  /** Epoch milliseconds. */
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  /** W3C traceparent of the task, or null. */
  traceparent: string | null;
}

/** Trace events set aside: refused for good by Trace or out of attempts (`npm run outbox`). */
export interface TraceDeadLettersTable {
  /** The id the event had in `trace_outbox` (kept when it is requeued). */
  id: number;
  session_id: string;
  event_type: string;
  /** JSON object: the `data` of the Trace event. */
  data: string;
  traceparent: string | null;
  /** When the event was written to the outbox. */
  created_at: string;
  /** Attempts made, the last one included. */
  attempts: number;
  /** HTTP status of the last attempt; null when Trace did not answer. */
  last_status: number | null;
  last_error: string;
  /** When the event was moved here. */
  dead_at: string;
}

/**
 * Running totals kept in the transactions that change them (migration 0006): `contracts`, `sessions`,
 * `trace_outbox` (undelivered events) and `status:<status>` (contracts by status).
 */
export interface StoreCountersTable {
  name: string;
  value: number | bigint;
}

/** Names of the rows of `store_counters`. */
export const STORE_COUNTER = {
  contracts: 'contracts',
  sessions: 'sessions',
  traceOutbox: 'trace_outbox',
  traceDeadLetters: 'trace_dead_letters',
  statusPrefix: 'status:',
} as const;

export interface ContractsTables {
  contracts: ContractsTable;
  store_counters: StoreCountersTable;
  sessions: SessionsTable;
  trace_outbox: TraceOutboxTable;
  trace_dead_letters: TraceDeadLettersTable;
}

export type ContractRow = Selectable<ContractsTable>;
export type NewContractRow = Insertable<ContractsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type TraceOutboxRow = Selectable<TraceOutboxTable>;
export type TraceDeadLetterRow = Selectable<TraceDeadLettersTable>;
