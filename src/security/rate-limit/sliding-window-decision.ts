import type { RateLimitDecision } from './rate-limit.store.js';

/** A bucket as a request finds it, before the request is counted. */
export interface WindowCounts {
  /** Requests counted in the current fixed window. */
  current: number;
  /** Requests counted in the window just before it (0 when that window saw none, or is older). */
  previous: number;
  /** Milliseconds since the current window started. */
  elapsed: number;
  windowMs: number;
}

/**
 * The sliding window counter's decision, shared by every RateLimitStore so that they answer alike:
 * the last `windowMs` is estimated as `previous × (share of the previous window still inside it) +
 * current`, and a request is allowed while the estimate, itself included, stays within `limit`.
 * The caller counts the request when it is allowed (a refused one is not counted). The Redis store's
 * script evaluates the same inequality on the same numbers.
 */
export function slidingWindowDecision(counts: WindowCounts, limit: number): RateLimitDecision {
  const { current, previous, elapsed, windowMs } = counts;
  const resetSeconds = Math.max(1, Math.ceil((windowMs - elapsed) / 1000));
  const estimate = previous * (1 - elapsed / windowMs) + current;
  if (estimate + 1 <= limit) {
    return { allowed: true, remaining: Math.max(0, Math.floor(limit - estimate - 1)), resetSeconds, retryAfterSeconds: 0 };
  }
  return { allowed: false, remaining: 0, resetSeconds, retryAfterSeconds: secondsUntilFree(counts, limit) };
}

/** Whole seconds (at least 1) until the estimate leaves room for one more request. */
function secondsUntilFree({ current, previous, elapsed, windowMs }: WindowCounts, limit: number): number {
  let waitMs: number;
  if (limit < 1) {
    waitMs = windowMs - elapsed;
  } else if (current > limit - 1) {
    // Not in this window: in the next one, `current` is the previous window and must fade enough.
    waitMs = windowMs - elapsed + windowMs * (1 - (limit - 1) / current);
  } else {
    // The previous window's share must fade until previous × weight ≤ limit − 1 − current.
    waitMs = windowMs * (1 - (limit - 1 - current) / previous) - elapsed;
  }
  return Math.max(1, Math.ceil(waitMs / 1000));
}
