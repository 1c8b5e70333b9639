import { HEALTH_ROUTES } from '../app.constants.js';

/** The rate limit's window: `RATE_LIMIT_PER_MINUTE` requests per sliding minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Routes never rate limited (liveness and readiness probes must answer however busy a client is),
 * for GET and HEAD only; the limit runs before routing, so a path is compared as Express matches
 * it: case-insensitively, with or without one trailing slash.
 */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(HEALTH_ROUTES);

/**
 * Most rate-limit buckets held; a new one beyond that pushes out the least recently used. A bucket
 * is a few numbers and a key of at most ~50 characters, so this bounds the store to a few MB, and
 * it is far above the number of distinct clients (live keys and addresses) one instance serves in
 * a minute: only a flood from more than this many addresses at once can push a busy client out
 * (which then starts a fresh budget).
 */
export const RATE_LIMIT_MAX_BUCKETS = 10_000;

/** Prefixes of the rate-limit buckets: one per live API key (by id), else one per client address. */
export const KEY_BUCKET_PREFIX = 'key:';
export const ADDRESS_BUCKET_PREFIX = 'ip:';

/**
 * Longest a request waits for the Redis rate-limit store (REDIS_URL) before it passes unlimited:
 * Redis answers in well under a millisecond when healthy, so this only bounds the delay an outage
 * adds to every request.
 */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 1_000;
