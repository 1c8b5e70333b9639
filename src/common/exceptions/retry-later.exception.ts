import { ServiceUnavailableException } from '@nestjs/common';

/**
 * 503 that tells the caller when to try again: the exception filter sends `retryAfterSeconds` as the
 * `Retry-After` header.
 */
export class RetryLaterException extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
