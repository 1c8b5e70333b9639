import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RATE_LIMIT_REDIS_TIMEOUT_MS } from '../security.constants.js';
import { RateLimitStore, type RateLimitDecision } from './rate-limit.store.js';
import { slidingWindowDecision } from './sliding-window-decision.js';

/**
 * One hit, atomically: reads the bucket, rolls it over to the current window, counts the request
 * when the sliding estimate leaves room (the inequality of slidingWindowDecision), and answers the
 * counts the decision is made from: { current, previous, elapsed } as found before this request.
 * The time is Redis's (TIME), so processes on hosts with different clocks share one window. An
 * allowed hit keeps the bucket until the end of the next window, after which it counts for nothing;
 * a refused one writes nothing (rolling over again next time gives the same counts).
 */
const HIT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = now - now % window
local saved = redis.call('HMGET', KEYS[1], 'start', 'window', 'current', 'previous')
local savedStart = tonumber(saved[1])
local current = tonumber(saved[3]) or 0
local previous = tonumber(saved[4]) or 0
if savedStart ~= start or tonumber(saved[2]) ~= window then
  if savedStart ~= nil and start - savedStart == window then previous = current else previous = 0 end
  current = 0
end
local elapsed = now - start
if previous * (1 - elapsed / window) + current + 1 <= limit then
  redis.call('HSET', KEYS[1], 'start', start, 'window', window, 'current', current + 1, 'previous', previous)
  redis.call('PEXPIRE', KEYS[1], 2 * window - elapsed)
end
return { current, previous, elapsed }`;

type RateLimitClient = Redis & {
  rateLimitHit(key: string, limit: number, windowMs: number): Promise<[number, number, number]>;
};

/**
 * Rate-limit counters in Redis (selected by REDIS_URL), shared by every process on it: the same
 * sliding window counter as SlidingWindowStore, one hash per bucket under
 * `${REDIS_KEY_PREFIX}:rate-limit:<bucket>`, one script call (one round trip) per request.
 *
 * When Redis does not answer (down, unreachable, slower than RATE_LIMIT_REDIS_TIMEOUT_MS) requests
 * pass unlimited: an outage of the counters must not become an outage of the API. One error line is
 * logged when that starts and one line when Redis answers again.
 */
export class RedisRateLimitStore extends RateLimitStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisRateLimitStore.name);
  private readonly client: RateLimitClient;
  private readonly keyPrefix: string;
  private failing = false;

  constructor(redisUrl: string, keyPrefix: string) {
    super();
    this.keyPrefix = `${keyPrefix}:rate-limit:`;
    // No offline queue and one retry: while Redis is away a hit fails at once (and passes) instead
    // of waiting for a reconnection.
    this.client = new Redis(redisUrl, {
      // Names the connection in CLIENT LIST, so an operator can tell it from the queue's.
      connectionName: `${keyPrefix}:rate-limit`,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS,
    }) as RateLimitClient;
    this.client.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.client.on('error', (error: Error) => this.unavailable(error));
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      // The client keeps reconnecting; until it does, requests pass.
      this.unavailable(error as Error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  async hit(bucket: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    let counts: [number, number, number];
    try {
      counts = await this.client.rateLimitHit(this.keyPrefix + bucket, limit, windowMs);
    } catch (error) {
      this.unavailable(error as Error);
      return { allowed: true, remaining: Math.max(0, limit - 1), resetSeconds: Math.ceil(windowMs / 1000), retryAfterSeconds: 0 };
    }
    if (this.failing) {
      this.failing = false;
      this.logger.log('Redis answers again: rate limits are enforced');
    }
    const [current, previous, elapsed] = counts;
    return slidingWindowDecision({ current, previous, elapsed, windowMs }, limit);
  }

  private unavailable(error: Error): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.error(`Rate limits are not enforced until Redis answers: ${error.message}`);
  }
}
