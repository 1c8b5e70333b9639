import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Deepest nesting accepted in a request body (real bodies, JSON Schemas included, are far shallower). */
export const MAX_BODY_DEPTH = 64;

/** Nesting depth of a JSON value (a scalar is 0), computed without recursion; stops counting past `limit`. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return deepest;
}

export const bodyTooDeepMessage = (limit: number) => `Request body is nested too deeply: at most ${limit} levels of objects and arrays`;

/**
 * Express middleware, mounted right after the body parsers: rejects a body nested deeper than
 * MAX_BODY_DEPTH with a 400 before anything else looks at it. The validation pipe's conversion of
 * free-form objects (`parameters`, `input_schema`) recurses once per level and would exhaust the stack
 * on a hostile body. Plain middleware rather than an interceptor: it costs no per-request Observable.
 */
export function bodyDepthLimit(limit = MAX_BODY_DEPTH): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    const body = req.body as unknown;
    if (body !== null && typeof body === 'object' && jsonDepth(body, limit) > limit)
      next(new BadRequestException(bodyTooDeepMessage(limit)));
    else next();
  };
}
