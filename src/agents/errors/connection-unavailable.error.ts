/**
 * This process could not open a connection to an agent (no file descriptor or local port left). The
 * failure is the orchestrator's, not the agent's: the task fails, and neither the agent's circuit
 * breaker nor failover treats it as the agent's fault.
 */
export class ConnectionUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConnectionUnavailableError';
  }
}
