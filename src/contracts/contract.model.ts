/** The shapes of the contract store, shared by every module that reads or writes contracts. */

export const CONTRACT_TYPES = ['REQUEST', 'RESPONSE'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

export const CONTRACT_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/** The name the orchestrator uses for itself as sender/receiver of contracts. */
export const ORCHESTRATOR_AGENT_ID = 'orchestrator';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A contract as the API shows it (snake_case, ISO-8601 UTC times with `Z`). */
export interface Contract {
  contract_id: string;
  session_id: string;
  contract_type: ContractType;
  from_agent: string;
  to_agent: string;
  capability: string | null;
  payload: JsonValue;
  status: ContractStatus;
  created_at: string;
  completed_at: string | null;
  result: JsonValue | null;
  error: string | null;
  metadata: JsonObject;
  parent_contract_id: string | null;
}

/** A contract's fields in the order the API shows them (and the contracts table's columns of the same names). */
export const CONTRACT_FIELDS = [
  'contract_id',
  'session_id',
  'contract_type',
  'from_agent',
  'to_agent',
  'capability',
  'payload',
  'status',
  'created_at',
  'completed_at',
  'result',
  'error',
  'metadata',
  'parent_contract_id',
] as const satisfies ReadonlyArray<keyof Contract>;

export interface SessionSummary {
  session_id: string;
  contract_count: number;
  created_at: string;
  updated_at: string;
}

/** Filters of `GET /v1/contracts`; every one is optional and they combine with AND. */
export interface ContractFilter {
  session_id?: string;
  from_agent?: string;
  to_agent?: string;
  contract_type?: ContractType;
  status?: ContractStatus;
  capability?: string;
}

export interface PageRequest {
  limit: number;
  /** Opaque cursor returned as `next_cursor` by the previous page. */
  cursor?: string;
  /**
   * Stop adding contracts once their JSON would pass this many bytes (the page then ends early with a
   * `next_cursor`); a page always holds at least one. Unlimited when absent.
   */
  maxBytes?: number;
  /** Contract lists only: newest first instead of oldest first. A cursor continues the order that issued it. */
  newestFirst?: boolean;
}

/** Filter of the session list. */
export interface SessionFilter {
  /** Sessions whose id starts with this text (case-sensitive). */
  session_id_prefix?: string;
}

export interface Page<T> {
  items: T[];
  /** Number of all matches, not only this page. */
  total: number;
  next_cursor: string | null;
}

export interface ContractStats {
  total_sessions: number;
  total_contracts: number;
  by_status: Partial<Record<ContractStatus, number>>;
}

/** Trace event kinds of SPEC §6. */
export type TraceEventType = 'contract.request' | 'contract.response';

/** An undelivered Trace event as the outbox hands it to the dispatcher. */
export interface OutboxEvent {
  id: number;
  session_id: string;
  event_type: TraceEventType;
  /** The `data` object of the Trace event body. */
  data: JsonObject;
  attempts: number;
  created_at: string;
  /** W3C traceparent of the task, sent to Trace as a header. */
  traceparent: string | null;
}

/** Closing a REQUEST: outcome of the task. */
export interface TaskOutcome {
  status: Extract<ContractStatus, 'completed' | 'failed' | 'cancelled'>;
  result: JsonValue | null;
  error: string | null;
  completed_at: string;
  /** The agent that gave the outcome, when failover moved the task to another one; unchanged when absent. */
  to_agent?: string;
  /** The REQUEST's metadata as it ends (attempts added); unchanged when absent. */
  metadata?: JsonObject;
}
