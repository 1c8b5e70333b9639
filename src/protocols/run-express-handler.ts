import { NotFoundException } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Hands a request that a Nest route accepted (guard passed, body parsed) to an SDK's Express handler
 * as Express would mount it at `mountPath`: the handler sees the rest of the path (`/` for the mount
 * path itself). Resolves when the answer is sent or the client went away; rejects when the handler
 * passes the request on.
 */
export function runExpressHandler(handler: RequestHandler, req: Request, res: Response, mountPath?: string): Promise<void> {
  const url = req.url;
  const rest = mountPath !== undefined && url.startsWith(mountPath) ? url.slice(mountPath.length) : '';
  const query = url.indexOf('?');
  req.url = rest.startsWith('/') ? rest : query < 0 ? '/' : `/${url.slice(query)}`;
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      req.url = url;
      resolve();
    };
    res.once('close', done);
    void handler(req, res, (error?: unknown) => {
      req.url = url;
      res.off('close', done);
      reject(error instanceof Error ? error : new NotFoundException());
    });
  });
}
