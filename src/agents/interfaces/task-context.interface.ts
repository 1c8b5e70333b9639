import type { JsonObject, JsonValue } from '../../contracts/contract.model.js';

/** Outcome of a sub-task started with `ctx.delegate`, as `POST /v1/orchestrate` answers it. */
export interface DelegationResult {
  success: boolean;
  data: JsonObject | null;
  error: string | null;
  /** The sub-task's REQUEST contract id. */
  contract_id: string;
  /** The agent that ran the sub-task, or null when none was reached. */
  agent_id: string | null;
}

/** What a capability handler gets beside its validated input. */
export interface TaskContext {
  /** The REQUEST contract id. */
  readonly task_id: string;
  readonly session_id: string;
  readonly capability: string;
  /** `context` of the orchestrate request. */
  readonly context: Record<string, unknown>;
  readonly agent_id: string;
  /** W3C trace context of the task; remote agents forward it as the `traceparent` header. */
  readonly traceparent: string;
  /** Fires when the task runs past its timeout or is cancelled; long handlers should stop when it does. */
  readonly signal: AbortSignal;
  /** Reports progress to the task's event stream (`GET /v1/tasks/:id/events`); any JSON value. */
  progress(data: JsonValue): void;
  /**
   * Runs a sub-task through the orchestrator's routing, recorded as contracts nested under this task's
   * REQUEST. Resolves with its outcome; never rejects for a failed sub-task.
   */
  delegate(capability: string, parameters?: Record<string, unknown>, context?: Record<string, unknown>): Promise<DelegationResult>;
}
