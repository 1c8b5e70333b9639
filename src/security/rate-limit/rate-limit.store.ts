/** The outcome of one request against its bucket. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** Whole seconds until the current window ends. */
  resetSeconds: number;
  /** When refused: whole seconds (at least 1) until a request would be allowed again. */
  retryAfterSeconds: number;
}

/**
 * Where rate-limit counters live (the DI token). The in-memory SlidingWindowStore counts per
 * process and answers at once; RedisRateLimitStore, shared by every process on one Redis, answers
 * with a promise.
 */
export abstract class RateLimitStore {
  /** Counts one request of `bucket` unless it already made `limit` in the last `windowMs`. */
  abstract hit(bucket: string, limit: number, windowMs: number): RateLimitDecision | Promise<RateLimitDecision>;
}
