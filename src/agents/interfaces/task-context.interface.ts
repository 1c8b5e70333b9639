/** What a capability handler gets beside its validated input. */
export interface TaskContext {
  /** The REQUEST contract id. */
  readonly task_id: string;
  readonly session_id: string;
  readonly capability: string;
  /** `context` of the orchestrate request. */
  readonly context: Record<string, unknown>;
  readonly agent_id: string;
  /** Fires when the task runs past its timeout; long handlers should stop when it does. */
  readonly signal: AbortSignal;
}
