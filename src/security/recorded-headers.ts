import type { RequestHandler } from 'express';

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

/** Express middleware: the recorded headers on every answer. */
export function replayHeaders({ set, removed }: RecordedHeaders): RequestHandler {
  return (_req, res, next) => {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i][0], set[i][1]);
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]);
    next();
  };
}
