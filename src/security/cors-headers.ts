import cors, { type CorsOptions } from 'cors';
import type { RequestHandler } from 'express';
import { recordHeaders, replayHeaders } from './recorded-headers.js';

/** The CORS options of `CORS_ORIGINS`: any origin without credentials, or a list with credentials. */
export function corsOptions(origins: '*' | string[]): CorsOptions {
  return origins === '*' ? { origin: '*', credentials: false } : { origin: origins, credentials: true };
}

/**
 * CORS on every answer, by the `cors` package (what Nest's `enableCors` mounts). For any origin
 * (`*`) its headers on anything but a preflight do not depend on the request, so they are recorded
 * once and set on each answer, as helmet's are; preflights (`OPTIONS`), and every request when
 * origins are listed (the answer names the request's origin), go through `cors` itself.
 */
export function corsHeaders(options: CorsOptions): RequestHandler {
  const middleware = cors(options);
  if (options.origin !== '*') return middleware;
  const replay = replayHeaders(recordHeaders(middleware, { method: 'GET', headers: {} }));
  return (req, res, next) => (req.method === 'OPTIONS' ? middleware(req, res, next) : replay(req, res, next));
}
