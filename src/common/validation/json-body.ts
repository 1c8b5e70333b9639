import { UnsupportedMediaTypeException } from '@nestjs/common';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { bodyDepthLimit } from './body-depth.js';

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

/**
 * Whether a request says a body follows (Content-Length, even 0, or Transfer-Encoding): the body
 * parser's own test, so that skipping it for the others changes nothing. hasBody above, for the
 * media-type check, counts a Content-Length of 0 as no body.
 */
function announcesBody(req: Request): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/**
 * What happens to a request's body, as one Express middleware: jsonBodiesOnly, the JSON parser
 * (`express.json`: at most `limit` bytes of JSON_MEDIA_TYPES) and bodyDepthLimit, in turn. A request
 * that announces no body (neither Content-Length nor Transfer-Encoding, as a GET) skips all three,
 * since each would only pass it on; mounting them one by one cost it two more Express layers.
 */
export function jsonBodies({ limit }: { limit: number }): RequestHandler {
  const steps: RequestHandler[] = [jsonBodiesOnly(), json({ limit, type: JSON_MEDIA_TYPES }), bodyDepthLimit()];
  return (req, res, next) => {
    if (!announcesBody(req)) return next();
    let i = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || i === steps.length) next(error);
      else void steps[i++](req, res, step);
    };
    step();
  };
}
