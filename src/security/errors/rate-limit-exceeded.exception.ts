import { HttpException, HttpStatus } from '@nestjs/common';
import type { RetryAfter } from '../../common/exceptions/retry-later.exception.js';

/** 429: the caller made more requests than its rate limit allows; the exception filter sends `Retry-After`. */
export class RateLimitExceededException extends HttpException implements RetryAfter {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
