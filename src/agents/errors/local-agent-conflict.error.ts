/** Thrown when a remote registration would replace or remove an in-process agent. */
export class LocalAgentConflictError extends Error {}
