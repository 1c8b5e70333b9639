import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { recordHeaders, replayHeaders, type RecordedHeaders } from './recorded-headers.js';

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

/** Express middleware: the headers of helmetHeaders() on every answer. */
export function securityHeaders(): RequestHandler {
  return replayHeaders(helmetHeaders());
}
