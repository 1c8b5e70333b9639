import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Request, Response } from 'express';
import { RateLimitExceededException } from '../errors/rate-limit-exceeded.exception.js';
import { rateLimitBucket } from '../rate-limit/rate-limit-bucket.js';
import { RateLimitStore, type RateLimitDecision } from '../rate-limit/rate-limit.store.js';
import { securityConfig } from '../security.config.js';
import { RATE_LIMIT_WINDOW_MS, UNLIMITED_ROUTES } from '../security.constants.js';
import { SecurityMessages } from '../security.messages.js';

/** Express sets `req.route` to the matched route; its `path` is the pattern as registered. */
type RoutedRequest = Request & { route?: { path?: unknown } };

/**
 * The global rate-limit guard (APP_GUARD): `RATE_LIMIT_PER_MINUTE` requests per sliding minute per
 * bucket (an API key, else a client address; see rateLimitBucket), one budget for every route but the
 * health probes. An allowed answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
 * `X-RateLimit-Reset` (seconds); a refused one is a 429 with `Retry-After` (seconds).
 * With `RATE_LIMIT_PER_MINUTE=0` every request passes at the cost of one comparison.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limit: number;

  constructor(
    @Inject(securityConfig.KEY) config: ConfigType<typeof securityConfig>,
    private readonly store: RateLimitStore,
  ) {
    this.limit = config.rateLimitPerMinute;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.limit === 0 || context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<RoutedRequest>();
    const route = request.route?.path;
    if (typeof route === 'string' && UNLIMITED_ROUTES.has(route)) return true;
    const response = http.getResponse<Response>();
    const decision = this.store.hit(rateLimitBucket(request.headers, request.ip), this.limit, RATE_LIMIT_WINDOW_MS);
    return decision instanceof Promise ? decision.then((d) => this.apply(response, d)) : this.apply(response, decision);
  }

  private apply(response: Response, decision: RateLimitDecision): true {
    if (!decision.allowed) {
      throw new RateLimitExceededException(SecurityMessages.rateLimited(this.limit, decision.retryAfterSeconds), decision.retryAfterSeconds);
    }
    if (!response.headersSent) {
      response.setHeader('X-RateLimit-Limit', String(this.limit));
      response.setHeader('X-RateLimit-Remaining', String(decision.remaining));
      response.setHeader('X-RateLimit-Reset', String(decision.resetSeconds));
    }
    return true;
  }
}
