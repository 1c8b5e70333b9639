import { HttpException, HttpStatus } from '@nestjs/common';

/** 429: the caller made more requests than its rate limit allows. */
export class RateLimitExceededException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
