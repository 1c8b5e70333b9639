import { Injectable } from '@nestjs/common';
import { RATE_LIMIT_MAX_BUCKETS } from '../security.constants.js';
import { RateLimitStore, type RateLimitDecision } from './rate-limit.store.js';
import { slidingWindowDecision } from './sliding-window-decision.js';

/** One bucket: requests counted in the current fixed window and in the one before it. */
interface Bucket {
  /** Start of the current window (a multiple of `windowMs` since the epoch). */
  start: number;
  windowMs: number;
  current: number;
  previous: number;
}

/**
 * In-memory rate-limit counters, as a sliding window counter (see slidingWindowDecision): a bucket
 * counts its requests in fixed windows and estimates the last `windowMs` from this window's and the
 * previous one's counts. A refused request is not counted, so a client that keeps knocking is let in
 * again as soon as its older requests age out.
 *
 * A request costs O(1) time and a bucket four numbers, whatever the limit (a log of timestamps would
 * cost one entry per request and a scan per request). Buckets idle for a whole window are dropped by
 * a sweep that runs at most once per window, on the request path, so no timer is left behind.
 * At most `maxBuckets` are held: a new bucket beyond that pushes out the least recently used one, so
 * memory stays bounded however many addresses a flood comes from.
 */
@Injectable()
export class SlidingWindowStore extends RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private nextSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBuckets: number = RATE_LIMIT_MAX_BUCKETS,
  ) {
    super();
  }

  /** Buckets held (for tests and diagnostics). */
  get size(): number {
    return this.buckets.size;
  }

  hit(key: string, limit: number, windowMs: number): RateLimitDecision {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now, windowMs);
    const start = now - (now % windowMs);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) {
        const leastRecent = this.buckets.keys().next();
        if (!leastRecent.done) this.buckets.delete(leastRecent.value);
      }
      bucket = { start, windowMs, current: 0, previous: 0 };
      this.buckets.set(key, bucket);
    } else {
      // Map order is use order: the first entry is the least recently used.
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
    }
    if (bucket.start !== start || bucket.windowMs !== windowMs) {
      bucket.previous = start - bucket.start === windowMs ? bucket.current : 0;
      bucket.current = 0;
      bucket.start = start;
      bucket.windowMs = windowMs;
    }
    const decision = slidingWindowDecision({ current: bucket.current, previous: bucket.previous, elapsed: now - start, windowMs }, limit);
    if (decision.allowed) bucket.current += 1;
    return decision;
  }

  /** Drops buckets last used more than a whole window ago (they no longer count for anything). */
  private sweep(now: number, windowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.start >= 2 * bucket.windowMs) this.buckets.delete(key);
    }
    this.nextSweep = now + windowMs;
  }
}
