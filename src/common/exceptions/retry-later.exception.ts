import { HttpException, ServiceUnavailableException } from '@nestjs/common';

/** An HTTP exception that tells the caller when to try again: the exception filter sends `Retry-After`. */
export interface RetryAfter {
  readonly retryAfterSeconds: number;
}

/** The `Retry-After` seconds an exception carries, if it is an HTTP exception that has them. */
export function retryAfterOf(exception: unknown): number | undefined {
  const seconds = exception instanceof HttpException ? (exception as Partial<RetryAfter>).retryAfterSeconds : undefined;
  return typeof seconds === 'number' ? seconds : undefined;
}

/**
 * 503 that tells the caller when to try again (`Retry-After`).
 */
export class RetryLaterException extends ServiceUnavailableException implements RetryAfter {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
