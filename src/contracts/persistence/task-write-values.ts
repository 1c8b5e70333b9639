import type { Contract, TaskOutcome, TraceEventType } from '../contract.model.js';
import type { WriteOptions } from '../contract.repository.js';
import { toNullableJson, traceEventData } from './contract-row.mapper.js';
import type { NewContractRow } from './contracts.tables.js';

/** The columns a task's outcome sets on its REQUEST (`to_agent` and `metadata`: null leaves them as they are). */
export interface CloseRequestValues {
  contract_id: string;
  status: TaskOutcome['status'];
  result: string | null;
  error: string | null;
  completed_at: string;
  to_agent: string | null;
  metadata: string | null;
}

/** A row of `trace_outbox` as a task's write adds it. */
export interface OutboxInsertValues {
  session_id: string;
  event_type: TraceEventType;
  data: string;
  next_attempt_at: number;
  created_at: string;
  traceparent: string | null;
}

/** What closing `request` with `outcome` writes to its row; `responseRow` is the RESPONSE's row (its result serialised once). */
export function closeRequestValues(
  request: Contract,
  outcome: TaskOutcome,
  responseRow: NewContractRow,
  response: Contract,
): CloseRequestValues {
  return {
    contract_id: request.contract_id,
    status: outcome.status,
    // The RESPONSE carries the same result (the orchestrator passes one value): serialise it once.
    result: outcome.result === response.result ? (responseRow.result ?? null) : toNullableJson(outcome.result),
    error: outcome.error ?? null,
    completed_at: outcome.completed_at,
    to_agent: outcome.to_agent ?? null,
    metadata: outcome.metadata === undefined ? null : JSON.stringify(outcome.metadata),
  };
}

/** The REQUEST as closing it with `outcome` leaves it. */
export function closedRequest(request: Contract, outcome: TaskOutcome): Contract {
  return {
    ...request,
    status: outcome.status,
    result: outcome.result ?? null,
    error: outcome.error ?? null,
    completed_at: outcome.completed_at,
    to_agent: outcome.to_agent ?? request.to_agent,
    metadata: outcome.metadata ?? request.metadata,
  };
}

/** The outbox row of the Trace event `eventType` for `contract`, due at once. */
export function outboxInsertValues(eventType: TraceEventType, contract: Contract, options: WriteOptions): OutboxInsertValues {
  const now = Date.now();
  return {
    session_id: contract.session_id,
    event_type: eventType,
    data: JSON.stringify(traceEventData(contract)),
    next_attempt_at: now,
    created_at: new Date(now).toISOString(),
    traceparent: options.traceparent ?? null,
  };
}
