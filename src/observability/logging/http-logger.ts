import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Level, Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { QUIET_PATHS } from './logging.constants.js';
import { requestIdFor } from './request-id.js';

/** What Express adds to the request that the log line uses. */
type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

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
 * Small serializers on purpose: a request is `{id, method, url}` (no headers, so no credentials and
 * no copy of a header map per request), an answer `{statusCode}`. pino builds the request part when
 * the request arrives, whatever the level, so it must stay cheap.
 */
const serializers = {
  req: (req: LoggedRequest) => ({ id: req.id, method: req.method, url: req.originalUrl ?? req.url }),
  res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
};

/**
 * pino-http over the app's root logger: gives each request its id (and the `X-Request-Id` header),
 * binds `req.log` for the logs made while it is handled, and writes one line when the answer is sent
 * (or the client goes away): `{req:{id,method,url}, res:{statusCode}, responseTime, msg}`.
 */
export function createHttpLogger(root: Logger): HttpLogger {
  return pinoHttp({
    logger: root,
    genReqId: requestIdFor,
    customLogLevel: requestLogLevel,
    wrapSerializers: false,
    serializers,
  });
}
