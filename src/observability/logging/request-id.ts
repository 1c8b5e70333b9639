import type { IncomingMessage, ServerResponse } from 'node:http';
import { newUlid } from '../../common/ids/ulid.js';
import { REQUEST_ID_HEADER, SANE_REQUEST_ID } from './logging.constants.js';

/**
 * The request's id: the client's `X-Request-Id` when it is sane (1-128 of `A-Z a-z 0-9 . _ : -`), a
 * new ULID otherwise. Sent back as `X-Request-Id` on the answer, whatever its status. Called by
 * HttpObserverMiddleware, so it runs once per request before anything else can answer.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const sent = req.headers['x-request-id'];
  const id = typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : newUlid();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
