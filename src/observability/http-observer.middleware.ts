import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { requestFields, requestLine, requestLineLogger, type LoggedRequest, type RequestFields } from './logging/http-logger.js';
import { ROOT_LOGGER } from './logging/logging.constants.js';
import { requestContext } from './logging/request-context.js';
import { requestIdFor } from './logging/request-id.js';
import { routeLabel } from './metrics/http-metrics.js';
import { MetricsService } from './metrics/metrics.service.js';

/**
 * Everything observability does per HTTP request, in one Express middleware mounted before anything
 * else that can answer: the request id (`X-Request-Id`, kept from the client when sane), the
 * request's logging context (lines written while it is handled carry `req`, see requestMixin), one log
 * line per answer (`{req:{id,method,url}, res:{statusCode}, responseTime, msg}`, at the level of
 * requestLogLevel) and the `http_request_duration_seconds` observation (answers the client abandoned
 * are logged, not timed).
 *
 * One pass, one small record of the request and one listener function per request; no child logger,
 * and nothing written onto the request or response objects (extra properties would give Node's and
 * Express's objects another shape on the hot path). The line is built only when its level is on.
 */
@Injectable()
export class HttpObserverMiddleware {
  /** Where request lines go: the root logger without the redaction a request line never needs. */
  private readonly lines: Logger;

  constructor(
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.lines = requestLineLogger(root);
  }

  readonly use = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const fields = requestFields(req as LoggedRequest, requestIdFor(req, res));
    const since = performance.now();
    // 'close' comes once the answer is sent or the client went away; 'error' if the response failed first.
    const answered = (error?: Error): void => {
      res.removeListener('close', answered);
      res.removeListener('error', answered);
      this.done(req, fields, res, since, error);
    };
    res.on('close', answered);
    res.on('error', answered);
    requestContext.run(fields, next);
  };

  /** Called once per response: its log line, and its duration unless the client went away first. */
  private done(req: IncomingMessage, fields: RequestFields, res: ServerResponse, since: number, error: Error | undefined): void {
    const ms = performance.now() - since;
    if (res.writableFinished) this.metrics.observeHttp(fields.method ?? 'UNKNOWN', routeLabel(req), res.statusCode, ms / 1000);
    requestLine(this.lines, fields, res, Math.round(ms), error);
  }
}
