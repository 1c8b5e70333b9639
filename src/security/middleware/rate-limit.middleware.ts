import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NextFunction, Request, Response } from 'express';
import { isWellFormedApiKey, readPresentedKey } from '../../auth/api-key.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import type { ApiKeyPrincipal } from '../../auth/interfaces/api-key.interface.js';
import { RateLimitExceededException } from '../errors/rate-limit-exceeded.exception.js';
import { rateLimitBucket } from '../rate-limit/rate-limit-bucket.js';
import { RateLimitStore, type RateLimitDecision } from '../rate-limit/rate-limit.store.js';
import { securityConfig } from '../security.config.js';
import { RATE_LIMIT_WINDOW_MS, UNLIMITED_ROUTES } from '../security.constants.js';
import { SecurityMessages } from '../security.messages.js';

/** The path as Express matches routes: case-insensitively, with or without one trailing slash. */
function routePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/**
 * The rate limit, as Express middleware mounted before the body parser, so that a refused request
 * is answered without its body being read: `RATE_LIMIT_PER_MINUTE` requests per sliding minute per
 * bucket (a live API key, else the client's socket address; see rateLimitBucket), one budget for
 * every route (unknown ones included) but GET/HEAD of the health probes. An allowed answer carries
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds); a refused one is a
 * 429 with `Retry-After` (seconds), through the exception filter.
 * With `RATE_LIMIT_PER_MINUTE=0` every request passes at the cost of one comparison.
 */
@Injectable()
export class RateLimitMiddleware {
  private readonly limit: number;

  constructor(
    @Inject(securityConfig.KEY) config: ConfigType<typeof securityConfig>,
    private readonly store: RateLimitStore,
    private readonly keys: ApiKeysService,
  ) {
    this.limit = config.rateLimitPerMinute;
  }

  readonly use = (req: Request, res: Response, next: NextFunction): void => {
    if (this.limit === 0 || this.unlimited(req)) return next();
    this.liveKey(req).then(
      (principal) => this.count(principal, req, res, next),
      (error: unknown) => next(error),
    );
  };

  private unlimited(req: Request): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && UNLIMITED_ROUTES.has(routePath(req.path));
  }

  /** The live key the request presents, if any; a key that is not one costs no look-up twice. */
  private async liveKey(req: Request): Promise<ApiKeyPrincipal | undefined> {
    const presented = readPresentedKey(req.headers);
    if (presented.kind !== 'key' || !isWellFormedApiKey(presented.key)) return undefined;
    return this.keys.identify(presented.key, req);
  }

  private count(principal: ApiKeyPrincipal | undefined, req: Request, res: Response, next: NextFunction): void {
    const bucket = rateLimitBucket(principal?.id, req.socket.remoteAddress);
    const decision = this.store.hit(bucket, this.limit, RATE_LIMIT_WINDOW_MS);
    if (decision instanceof Promise) {
      decision.then(
        (d) => this.apply(d, res, next),
        (error: unknown) => next(error),
      );
    } else {
      this.apply(decision, res, next);
    }
  }

  private apply(decision: RateLimitDecision, res: Response, next: NextFunction): void {
    if (!decision.allowed) {
      next(
        new RateLimitExceededException(SecurityMessages.rateLimited(this.limit, decision.retryAfterSeconds), decision.retryAfterSeconds),
      );
      return;
    }
    res.setHeader('X-RateLimit-Limit', String(this.limit));
    res.setHeader('X-RateLimit-Remaining', String(decision.remaining));
    res.setHeader('X-RateLimit-Reset', String(decision.resetSeconds));
    next();
  }
}
