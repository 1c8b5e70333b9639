import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestFields } from './http-logger.js';

/** The HTTP request being handled, for the log lines written while it is (set by HttpObserverMiddleware). */
export const requestContext = new AsyncLocalStorage<RequestFields>();

const NO_FIELDS = Object.freeze({});

/**
 * pino `mixin` of the root logger: a line written while a request is handled carries
 * `req: {id, method, url}`. Built when a line is written, not when a request arrives: a request that
 * logs nothing costs no copy of itself and no child logger.
 */
export function requestMixin(): object {
  const req = requestContext.getStore();
  return req === undefined ? NO_FIELDS : { req };
}

/**
 * pino `mixinMergeStrategy` for requestMixin: the line's own fields win (a request line names its
 * request itself); outside a request the line's object is written as is.
 */
export function mergeRequestMixin(line: object, mixin: object): object {
  return mixin === NO_FIELDS ? line : Object.assign(mixin, line);
}
