import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Media types of the bodies the API reads: `application/json` and `application/*+json`. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.+-]+\+)?json$/;

export const notJsonMessage = (contentType: string | undefined) =>
  `Request bodies must be JSON (Content-Type: application/json); ${contentType ? `got '${contentType.slice(0, 100)}'` : 'no Content-Type was sent'}`;

/** Whether a Content-Type header names JSON, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return JSON_MEDIA_TYPE.test(mediaType);
}

/** Whether a request carries a body: chunked, or a Content-Length above zero. */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) !== 0;
}

/**
 * Express middleware, mounted before the JSON body parser: a request with a body that is not JSON
 * gets 415 and its body is never read. HTML forms (urlencoded, multipart, text/plain) are the bodies
 * a browser may send to any site without a CORS preflight; refusing them keeps a web page from
 * driving the API through a visitor's browser. A request without a body (a cancel, a heartbeat)
 * needs no Content-Type.
 */
export function jsonBodiesOnly(): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    const contentType = req.headers['content-type'];
    if (hasBody(req) && !isJsonContentType(contentType)) next(new UnsupportedMediaTypeException(notJsonMessage(contentType)));
    else next();
  };
}
