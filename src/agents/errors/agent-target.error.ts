/** A URL an agent may not be registered at or reached on (agent target rules, AGENT_ALLOWED_HOSTS). */
export class AgentTargetError extends Error {
  /** For socket-level callers (the keep-alive agents' lookup), which classify errors by code. */
  readonly code = 'EAGENTTARGET';

  constructor(message: string) {
    super(message);
    this.name = 'AgentTargetError';
  }
}
