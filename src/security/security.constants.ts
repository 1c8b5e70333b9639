import { HEALTH_ROUTES } from '../app.constants.js';

/** The rate limit's window: `RATE_LIMIT_PER_MINUTE` requests per sliding minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Routes never rate limited (liveness and readiness probes must answer however busy a client is),
 * as registered on the router; Express matches them case-insensitively and with a trailing slash.
 */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(HEALTH_ROUTES);

/** Prefixes of the rate-limit buckets: one per API key (by hash), else one per client address. */
export const KEY_BUCKET_PREFIX = 'key:';
export const ADDRESS_BUCKET_PREFIX = 'ip:';
