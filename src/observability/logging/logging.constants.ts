import { HEALTH_ROUTES } from '../../app.constants.js';

/** DI token of the app's root pino logger (every other logger is a child of it). */
export const ROOT_LOGGER = Symbol('observability:root-logger');

/** Header carrying the request id, in both directions. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A request id sent by the client is kept only if it looks like this; otherwise a ULID is made. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Paths whose successful answers are logged at `debug` instead of `info`: probes and scrapes arrive
 * every few seconds and would drown the lines that matter. Their failures are still logged.
 */
export const QUIET_PATHS: ReadonlySet<string> = new Set([...HEALTH_ROUTES, '/metrics']);

/**
 * Censored wherever they appear in a log line (pino `redact`). The request serializer keeps no
 * headers at all; these paths protect lines that log a request, a response, a header map or an
 * HTTP client error some other way.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'err.config.headers.Authorization',
  'err.config.headers.authorization',
  'err.config.headers["X-API-Key"]',
  'err.config.headers["x-api-key"]',
  'apiKey',
  'api_key',
  'key',
];

export const REDACTED = '[redacted]';
