/** A2A v1.0 well-known location of an agent card (RFC 8615). */
export const A2A_CARD_PATH = '.well-known/agent-card.json';

/** A2A v0.3 well-known location of an agent card. */
export const A2A_LEGACY_CARD_PATH = '.well-known/agent.json';

/** Transport bindings the orchestrator speaks to A2A agents (through `@a2a-js/sdk`'s client). */
export const A2A_SUPPORTED_BINDINGS = ['JSONRPC', 'HTTP+JSON'] as const;

/** Timeout of one agent card download. */
export const A2A_CARD_TIMEOUT_MS = 10_000;

/** Largest agent card accepted. */
export const A2A_CARD_MAX_BYTES = 1024 * 1024;

/** Agent id of a card whose name yields no usable slug. */
export const A2A_FALLBACK_AGENT_ID = 'a2a-agent';

/** Prefix of a capability name made from a skill id that does not start with a letter. */
export const A2A_SKILL_NAME_PREFIX = 'skill_';

/** Polling of a task of an agent without streaming: first delay, growth factor, and cap. */
export const A2A_POLL_INITIAL_MS = 50;
export const A2A_POLL_FACTOR = 2;
export const A2A_POLL_MAX_MS = 1_000;

/** Timeout of the best-effort cancel sent to an agent when a task is aborted. */
export const A2A_CANCEL_TIMEOUT_MS = 5_000;
