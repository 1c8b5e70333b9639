import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { requestLine, type LoggedRequest } from './logging/http-logger.js';
import { ROOT_LOGGER } from './logging/logging.constants.js';
import { requestContext } from './logging/request-context.js';
import { requestIdFor } from './logging/request-id.js';
import { routeLabel } from './metrics/http-metrics.js';
import { MetricsService } from './metrics/metrics.service.js';

/** What the observer keeps on a response until its answer is done. */
interface ObservedResponse extends ServerResponse {
  observer?: HttpObserverMiddleware;
  observedRequest?: LoggedRequest;
  observedSince?: number;
}

/**
 * The listener of every observed response, shared (not a closure per request): `this` is the
 * response. 'close' comes once the answer is sent or the client went away; 'error' if the response
 * failed first. The first of them ends the observation.
 */
function answered(this: ObservedResponse, error?: Error): void {
  const observer = this.observer;
  if (observer === undefined) return;
  this.observer = undefined;
  this.removeListener('close', answered);
  this.removeListener('error', answered);
  observer.done(this.observedRequest!, this, this.observedSince!, error);
}

/**
 * Everything observability does per HTTP request, in one Express middleware mounted before anything
 * else that can answer: the request id (`X-Request-Id`, kept from the client when sane), the
 * request's logging context (lines written while it is handled carry `req`, see requestMixin), one log
 * line per answer (`{req:{id,method,url}, res:{statusCode}, responseTime, msg}`, at the level of
 * requestLogLevel) and the `http_request_duration_seconds` observation (answers the client abandoned
 * are logged, not timed).
 *
 * One pass and one pair of listeners shared by all responses; no child logger per request. The line
 * is built only when its level is enabled, from three fields of the request rather than a copy of it.
 */
@Injectable()
export class HttpObserverMiddleware {
  constructor(
    @Inject(ROOT_LOGGER) private readonly root: Logger,
    private readonly metrics: MetricsService,
  ) {}

  readonly use = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const observed = res as ObservedResponse;
    const logged = req as LoggedRequest;
    logged.id = requestIdFor(req, res);
    observed.observer = this;
    observed.observedRequest = logged;
    observed.observedSince = performance.now();
    res.on('close', answered);
    res.on('error', answered);
    requestContext.run(logged, next);
  };

  /** Called once per response: its log line, and its duration unless the client went away first. */
  done(req: LoggedRequest, res: ServerResponse, since: number, error: Error | undefined): void {
    const ms = performance.now() - since;
    if (res.writableFinished) this.metrics.observeHttp(req.method ?? 'UNKNOWN', routeLabel(req), res.statusCode, ms / 1000);
    requestLine(this.root, req, res, Math.round(ms), error);
  }
}
