import type { IncomingMessage } from 'node:http';
import { UNMATCHED_ROUTE } from './metrics.constants.js';

/** What Express adds to a request once a route matched it. */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/**
 * A catch-all path (`*`, `/{*splat}`, `{/*splat}`…): what app-wide middleware is mounted on (e.g. the
 * request-context binding of nestjs-pino), so a request that only matched such a path matched no route.
 */
const CATCH_ALL = /^\/?\{?\/?\*[A-Za-z0-9_]*\}?$/;

/**
 * The route template Express matched (`/v1/tasks/:task_id`), or `unmatched` (no route: an unknown
 * path, or a request refused before routing such as a malformed or oversized body). Never the raw URL.
 */
export function routeLabel(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string' || CATCH_ALL.test(path)) return UNMATCHED_ROUTE;
  return `${req.baseUrl ?? ''}${path}`;
}
