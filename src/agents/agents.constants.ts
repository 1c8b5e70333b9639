/** SPEC §3: a capability name. */
export const CAPABILITY_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export const AGENT_STATUSES = ['available', 'busy', 'offline', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Statuses an agent can be routed to in. */
export const IN_SERVICE_STATUSES: ReadonlySet<AgentStatus> = new Set(['available', 'busy']);

export const DEFAULT_AGENT_VERSION = '1.0.0';
