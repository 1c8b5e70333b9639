/** SPEC §3: a capability name. */
export const CAPABILITY_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** An agent id: 1-128 letters, digits, '.', '_', ':' or '-', not starting with a punctuation mark. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const AGENT_STATUSES = ['available', 'busy', 'offline', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Transport failures in a row that open an agent's circuit breaker. */
export const BREAKER_FAILURE_THRESHOLD = 5;

export const DEFAULT_AGENT_VERSION = '1.0.0';
