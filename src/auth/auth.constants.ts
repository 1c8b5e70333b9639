/**
 * Scopes an API key can carry. `read`: every GET; `invoke`: running tasks (orchestrate, tasks,
 * cancel, compress); `agent`: calls remote agents make (heartbeats, delegation); `admin`: everything.
 */
export const SCOPES = ['read', 'invoke', 'agent', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The scope that satisfies every route, and the one a route without `@Scopes` requires. */
export const ADMIN_SCOPE: Scope = 'admin';

/** Route metadata key (`auth:access`) holding a RouteAccess; method-level overrides class-level. */
export const AUTH_ACCESS_METADATA = 'auth:access';

/** Prefix of every key, so that a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'ao_';

/** Random bytes in a key (base64url-encoded after the prefix: 43 characters). */
export const API_KEY_RANDOM_BYTES = 32;

/** Exact shape of a key this service issues; anything else is refused without a database look-up. */
export const API_KEY_PATTERN = /^ao_[A-Za-z0-9_-]{43}$/;

/** Request headers a key is read from: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export const API_KEY_HEADER = 'x-api-key';

/** Names of the OpenAPI security schemes (`components.securitySchemes`). */
export const BEARER_SECURITY_SCHEME = 'bearer';
export const API_KEY_SECURITY_SCHEME = 'api_key';

/** How long a key found in the store is trusted without asking the store again (a revoke takes effect within this). */
export const KEY_CACHE_TTL_MS = 2_000;

/** Most keys kept in the look-up cache. */
export const KEY_CACHE_MAX_ENTRIES = 1_000;

/**
 * While no key exists, how long that answer is reused before the store is asked again (a key created
 * by the CLI closes the API within this). Once a key exists the answer never changes back.
 */
export const KEYS_EXIST_TTL_MS = 1_000;

/**
 * How long a presented key that is not a live key (unknown, revoked) is remembered as such, so that
 * the same bad key sent again and again costs no store look-up. Keys are 256 random bits made by
 * this service, so an unknown key does not become valid later; a revoked one stays revoked.
 */
export const INVALID_KEY_CACHE_TTL_MS = 30_000;

/** Most invalid keys remembered (least recently seen out). */
export const INVALID_KEY_CACHE_MAX_ENTRIES = 1_000;

/**
 * `OPEN_ACCESS`: who is served while no API key exists. `loopback` (default): only clients on this
 * host (127.0.0.0/8, ::1); `any`: everyone.
 */
export const OPEN_ACCESS_VALUES = ['loopback', 'any'] as const;
export type OpenAccess = (typeof OPEN_ACCESS_VALUES)[number];

/** `last_used_at` of a key is written at most this often. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/** Longest key name. */
export const MAX_KEY_NAME_LENGTH = 100;
