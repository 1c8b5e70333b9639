import { BadRequestException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

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
 * Rejects a body nested deeper than MAX_BODY_DEPTH with a 400 before the validation pipe runs: the
 * pipe's conversion of free-form objects (`parameters`, `input_schema`) recurses once per level and
 * would exhaust the stack on a hostile body. Applied to every route by `configureApp`.
 */
@Injectable()
export class BodyDepthInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<Request>().body as unknown;
    if (jsonDepth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) throw new BadRequestException(bodyTooDeepMessage(MAX_BODY_DEPTH));
    return next.handle();
  }
}
