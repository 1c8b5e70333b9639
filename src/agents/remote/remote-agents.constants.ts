/** Paths of the remote agent protocol, appended to the registered endpoint. */
export const HEALTH_PATH = '/health';
export const EXECUTE_PATH = '/execute';

/** Timeout of the health check made when an agent registers. */
export const REGISTRATION_HEALTH_TIMEOUT_MS = 5_000;

/** Longest period between two liveness probe rounds (the period is min(AGENT_TTL_MS / 2, this)). */
export const MAX_PROBE_PERIOD_MS = 10_000;

/** Timeout of one liveness probe (at most AGENT_TTL_MS). */
export const PROBE_TIMEOUT_MS = 5_000;

/** Largest `/execute` reply accepted from a remote agent; a bigger one is a transport failure. */
export const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/** How much of an unreadable reply is quoted in an error message. */
export const REPLY_EXCERPT_CHARS = 100;

/** Registration limits (validated by RegisterRemoteAgentDto). */
export const MAX_CAPABILITIES = 256;
export const MAX_ENDPOINT_LENGTH = 2048;
export const MAX_NAME_LENGTH = 256;
export const MAX_DESCRIPTION_LENGTH = 4096;
export const MAX_VERSION_LENGTH = 64;
export const MAX_CONCURRENCY_LIMIT = 100_000;

/** `source` of a remote agent's definition, used in messages. */
export const httpAgentSource = (endpoint: string) => `http ${endpoint}`;
