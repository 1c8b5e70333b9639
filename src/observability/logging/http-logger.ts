import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Level, Logger } from 'pino';
import { QUIET_PATHS, REDACT_PATHS, REDACTED } from './logging.constants.js';

/** A request as Express hands it on: `originalUrl` is the URL before any mount path was cut off. */
export type LoggedRequest = IncomingMessage & { originalUrl?: string };

/** A request as logs show it. No headers, so no credentials and no copy of a header map. */
export interface RequestFields {
  id: string;
  method: string | undefined;
  url: string | undefined;
}

function pathOf(req: { originalUrl?: string; url?: string }): string {
  const url = req.originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Level of a request's line: 5xx `error` (503 `warn`: the service says "later", it is not broken),
 * 4xx `warn`, probes and scrapes that succeed `debug`, anything else `info`.
 */
export function requestLogLevel(req: { originalUrl?: string; url?: string }, res: ServerResponse, error?: Error): Level {
  const status = res.statusCode;
  if (status >= 500 || (error !== undefined && status < 400)) return status === 503 ? 'warn' : 'error';
  if (status >= 400) return 'warn';
  return QUIET_PATHS.has(pathOf(req)) ? 'debug' : 'info';
}

/** The fields of `req` that logs show, with its request id. */
export function requestFields(req: LoggedRequest, id: string): RequestFields {
  return { id, method: req.method, url: req.originalUrl ?? req.url };
}

/**
 * Serializers of nestjs-pino's root (a child of ours): a request is `{id, method, url}` (RequestFields
 * as is; an IncomingMessage reduced to them), an answer `{statusCode}`; never a header map.
 */
export const httpSerializers = {
  req: (req: Partial<RequestFields> & { originalUrl?: string }) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
  res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
};

/** Redaction paths that look into a line's `req` or `res`. */
const REQUEST_RESPONSE_PATH = /^(req|res)[.[]/;

/**
 * The logger of request lines: `root` (its destination, level and mixin) with the same redaction
 * except the paths under `req` and `res`. A request line's `req` is RequestFields and its `res` a status
 * code, so those paths never match, but pino would still copy both objects on every line to look
 * (about 2% of the server's CPU per `GET /v1/contracts/:id`). Other keys (`err`, `key`, …) stay redacted.
 */
export function requestLineLogger(root: Logger): Logger {
  return root.child({}, { redact: { paths: REDACT_PATHS.filter((path) => !REQUEST_RESPONSE_PATH.test(path)), censor: REDACTED } });
}

/**
 * Writes the line of one answered request (or of one the client went away from):
 * `{req:{id,method,url}, res:{statusCode}, responseTime, msg: 'request completed'}`, and for a 5xx or
 * a failed response `err` and `msg: 'request errored'`. Nothing is built when the line's level is off.
 */
export function requestLine(root: Logger, req: RequestFields, res: ServerResponse, responseTime: number, error?: Error): void {
  const level = requestLogLevel(req, res, error);
  if (!root.isLevelEnabled(level)) return;
  const status = res.statusCode;
  if (error !== undefined || status >= 500) {
    const err = error ?? new Error(`failed with status code ${status}`);
    root[level]({ req, res: { statusCode: status }, err, responseTime }, 'request errored');
    return;
  }
  root[level]({ req, res: { statusCode: status }, responseTime }, 'request completed');
}
