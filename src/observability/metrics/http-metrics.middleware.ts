import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { UNMATCHED_ROUTE } from './metrics.constants.js';
import { MetricsService } from './metrics.service.js';

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

/**
 * Times every HTTP answer into `http_request_duration_seconds`. Mounted on the Express app before
 * the body parsers, so it also sees answers no controller gave: 404s, 413s, malformed JSON, guard
 * refusals and errors. A request the client abandons before the answer is sent is not counted.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  readonly use = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = performance.now();
    res.once('finish', () => {
      this.metrics.observeHttp(req.method ?? 'UNKNOWN', routeLabel(req), res.statusCode, (performance.now() - started) / 1000);
    });
    next();
  };
}
