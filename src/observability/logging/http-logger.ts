import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Level, Logger } from 'pino';
import { QUIET_PATHS } from './logging.constants.js';

/** What the request line uses: Express's `originalUrl` and the id the observer gave the request. */
export type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

function pathOf(req: LoggedRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Level of a request's line: 5xx `error` (503 `warn`: the service says "later", it is not broken),
 * 4xx `warn`, probes and scrapes that succeed `debug`, anything else `info`.
 */
export function requestLogLevel(req: LoggedRequest, res: ServerResponse, error?: Error): Level {
  const status = res.statusCode;
  if (status >= 500 || (error !== undefined && status < 400)) return status === 503 ? 'warn' : 'error';
  if (status >= 400) return 'warn';
  return QUIET_PATHS.has(pathOf(req)) ? 'debug' : 'info';
}

/**
 * A request as logs show it: `{id, method, url}`. No headers, so no credentials and no copy of a
 * header map per request.
 */
export function requestFields(req: LoggedRequest): { id: unknown; method: string | undefined; url: string | undefined } {
  return { id: req.id, method: req.method, url: req.originalUrl ?? req.url };
}

/**
 * Serializers of the request-bound loggers (LoggerModule's root): a bound `req` is logged as
 * requestFields, a `res` as `{statusCode}`.
 */
export const httpSerializers = {
  req: requestFields,
  res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
};

/**
 * Writes the line of one answered request (or of one the client went away from):
 * `{req:{id,method,url}, res:{statusCode}, responseTime, msg: 'request completed'}`, and for a 5xx or
 * a failed response `err` and `msg: 'request errored'`. Nothing is built when the line's level is off.
 */
export function requestLine(root: Logger, req: LoggedRequest, res: ServerResponse, responseTime: number, error?: Error): void {
  const level = requestLogLevel(req, res, error);
  if (!root.isLevelEnabled(level)) return;
  const status = res.statusCode;
  if (error !== undefined || status >= 500) {
    const err = error ?? new Error(`failed with status code ${status}`);
    root[level]({ req: requestFields(req), res: { statusCode: status }, err, responseTime }, 'request errored');
    return;
  }
  root[level]({ req: requestFields(req), res: { statusCode: status }, responseTime }, 'request completed');
}
