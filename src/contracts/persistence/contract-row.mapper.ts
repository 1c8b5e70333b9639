import type {
  Contract,
  ContractStatus,
  ContractType,
  JsonObject,
  JsonValue,
  OutboxEvent,
  SessionSummary,
  TraceEventType,
} from '../contract.model.js';
import type { ContractRow, NewContractRow, SessionRow, TraceOutboxRow } from './contracts.tables.js';

/** Conversion between the API shapes and table rows. JSON values are stored as JSON text. */

function toJson(value: JsonValue | undefined): string {
  return JSON.stringify(value ?? null);
}

/** `result` is a nullable column: JSON null (or nothing) is stored as SQL NULL. */
export function toNullableJson(value: JsonValue | null | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function contractToRow(contract: Contract): NewContractRow {
  return {
    contract_id: contract.contract_id,
    session_id: contract.session_id,
    contract_type: contract.contract_type,
    from_agent: contract.from_agent,
    to_agent: contract.to_agent,
    capability: contract.capability ?? null,
    payload: toJson(contract.payload),
    status: contract.status,
    created_at: contract.created_at,
    completed_at: contract.completed_at ?? null,
    result: toNullableJson(contract.result),
    error: contract.error ?? null,
    metadata: JSON.stringify(contract.metadata ?? {}),
    parent_contract_id: contract.parent_contract_id ?? null,
  };
}

export function rowToContract(row: ContractRow): Contract {
  return {
    contract_id: row.contract_id,
    session_id: row.session_id,
    contract_type: row.contract_type as ContractType,
    from_agent: row.from_agent,
    to_agent: row.to_agent,
    capability: row.capability,
    payload: JSON.parse(row.payload) as JsonValue,
    status: row.status as ContractStatus,
    created_at: row.created_at,
    completed_at: row.completed_at,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonValue),
    error: row.error,
    metadata: JSON.parse(row.metadata) as JsonObject,
    parent_contract_id: row.parent_contract_id,
  };
}

export function rowToSession(row: SessionRow): SessionSummary {
  return {
    session_id: row.session_id,
    contract_count: Number(row.contract_count),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The fields an outbox event shares with its dead letter (`trace_dead_letters` keeps them as they were). */
export type OutboxEventFields = Pick<
  TraceOutboxRow,
  'id' | 'session_id' | 'event_type' | 'data' | 'attempts' | 'created_at' | 'traceparent'
>;

export function rowToOutboxEvent(row: OutboxEventFields): OutboxEvent {
  return {
    id: Number(row.id),
    session_id: row.session_id,
    event_type: row.event_type as TraceEventType,
    data: JSON.parse(row.data) as JsonObject,
    attempts: Number(row.attempts),
    created_at: row.created_at,
    traceparent: row.traceparent ?? null,
  };
}

/** The `data` object of a Trace event for a contract (SPEC §6). */
export function traceEventData(c: Contract): JsonObject {
  return {
    contract_id: c.contract_id,
    session_id: c.session_id,
    from_agent: c.from_agent,
    to_agent: c.to_agent,
    capability: c.capability ?? null,
    payload: c.payload,
    status: c.status,
    result: c.result ?? null,
    error: c.error ?? null,
    created_at: c.created_at,
    parent_contract_id: c.parent_contract_id ?? null,
  };
}
