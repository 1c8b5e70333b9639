/**
 * A remote agent could not be reached or did not answer in the agreed shape (connection refused or
 * reset, timeout, non-2xx, unreadable reply). The orchestrator fails over to the next capable agent and
 * counts it against the agent's circuit breaker. A task-level failure (`success:false`, a handler that
 * throws) is an answer, not a transport failure: throw a plain Error for that.
 */
export class AgentTransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AgentTransportError';
  }
}
