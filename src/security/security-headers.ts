import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Content-Security-Policy of every answer. The JSON API needs none of it; `/docs` (Swagger UI,
 * served from this app) needs its own scripts and stylesheet, the inline `<style>` blocks and `style`
 * attributes of its page, `data:` images, and `fetch` to this origin for "Try it out". Nothing
 * is loaded from another origin, and no page may frame this one.
 * `upgrade-insecure-requests` is left out: the service listens on plain HTTP, and the directive
 * would make browsers ask for `https://` copies of the `/docs` assets when it is reached by name.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
} as const;

/** A Connect-style middleware (helmet's, cors', an Express one), whatever its request and response types. */
export type HeaderMiddleware = (req: never, res: never, next: (error?: unknown) => void) => unknown;

/** The headers a middleware set and removed on an answer, in order. */
export interface RecordedHeaders {
  set: ReadonlyArray<readonly [string, string]>;
  removed: readonly string[];
}

/**
 * Runs `middleware` once on `req` against a response that records the headers it sets and removes,
 * for a middleware whose headers do not depend on the request: each answer then gets the recorded
 * list instead of the middleware's work. Throws unless it answered synchronously by calling `next()`.
 */
export function recordHeaders(middleware: HeaderMiddleware, req: object = {}): RecordedHeaders {
  const set: Array<readonly [string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void set.push([name, String(value)]),
    getHeader: (name: string) => set.findLast(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
    removeHeader: (name: string) => void removed.push(name),
  };
  let called = false;
  let error: unknown;
  middleware(req as never, recorder as never, (e) => {
    called = true;
    error = e;
  });
  // Anything else means the middleware changed and needs a look.
  if (!called || error !== undefined) throw new Error(`the middleware did not set its headers synchronously: ${String(error)}`);
  return { set, removed };
}

/**
 * The headers helmet sets (and removes) with its defaults (`X-Content-Type-Options: nosniff`,
 * `Strict-Transport-Security`, the cross-origin policies, `Referrer-Policy: no-referrer`, no
 * `X-Powered-By`, …), the CSP above and `X-Frame-Options: DENY`. helmet is run once, here (none of
 * these headers depends on the request), so each request gets the recorded list instead of helmet's
 * dozen middleware functions and its CSP string.
 */
export function helmetHeaders(): RecordedHeaders {
  const middleware = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' },
  });
  return recordHeaders(middleware);
}

/** Express middleware: the recorded headers on every answer. */
export function replayHeaders({ set, removed }: RecordedHeaders): RequestHandler {
  return (_req, res, next) => {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i][0], set[i][1]);
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]);
    next();
  };
}

/** Express middleware: the headers of helmetHeaders() on every answer. */
export function securityHeaders(): RequestHandler {
  return replayHeaders(helmetHeaders());
}
