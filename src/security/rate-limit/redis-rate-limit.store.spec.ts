import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { closedPortUrl } from '../../../test/utils/http-server.js';
import { waitFor } from '../../../test/utils/wait-for.js';
import {
  createTempRedisPrefix,
  redisReachable,
  reportRedisSkipped,
  TEST_REDIS_URL,
  type TempRedisPrefix,
} from '../../queue/testing/temp-redis-prefix.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

const redis = await redisReachable();
if (!redis) reportRedisSkipped('the Redis rate-limit store');
const describeRedis = redis ? describe : describe.skip;

/** Long enough that no test crosses more than one window boundary while it runs. */
const TEN_MINUTES = 600_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeRedis('RedisRateLimitStore on the real Redis', () => {
  let keys: TempRedisPrefix;
  let client: Redis;
  const stores: RedisRateLimitStore[] = [];

  /** A store as one process holds it (its own connection), on this test's key prefix. */
  async function openStore(prefix = keys.prefix): Promise<RedisRateLimitStore> {
    const store = new RedisRateLimitStore(TEST_REDIS_URL, prefix);
    await store.onModuleInit();
    stores.push(store);
    return store;
  }

  beforeAll(() => {
    client = new Redis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    keys = createTempRedisPrefix('orch_rate');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.onApplicationShutdown()));
    await keys.drop();
  });
  afterAll(() => {
    client.disconnect();
  });

  it('allows `limit` requests, counting remaining down, then refuses with Retry-After without counting the refusals', async () => {
    const store = await openStore();
    for (let i = 0; i < 5; i++) {
      const decision = await store.hit('key:a', 5, TEN_MINUTES);
      expect(decision).toMatchObject({ allowed: true, remaining: 4 - i, retryAfterSeconds: 0 });
      expect(decision.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(decision.resetSeconds).toBeLessThanOrEqual(600);
    }
    for (let i = 0; i < 10; i++) {
      const refused = await store.hit('key:a', 5, TEN_MINUTES);
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      // Until the end of this window plus a fifth of the next one at most (4 of 5 hits may count then).
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(600 + 120);
    }
    // Only the allowed requests were counted.
    const [current] = await client.hmget(`${keys.prefix}:rate-limit:key:a`, 'current');
    expect(Number(current)).toBe(5);
  });

  it('keeps buckets apart, and prefixes (deployments sharing one Redis) apart', async () => {
    const otherKeys = createTempRedisPrefix('orch_rate');
    const store = await openStore();
    const other = await openStore(otherKeys.prefix);
    for (let i = 0; i < 3; i++) await store.hit('key:a', 3, TEN_MINUTES);
    expect((await store.hit('key:a', 3, TEN_MINUTES)).allowed).toBe(false);
    expect((await store.hit('key:b', 3, TEN_MINUTES)).allowed).toBe(true);
    expect((await other.hit('key:a', 3, TEN_MINUTES)).allowed).toBe(true);
    await otherKeys.drop();
  });

  it('two stores (two processes) share one limit, also when their requests arrive at once', async () => {
    const first = await openStore();
    const second = await openStore();
    const sequential = [];
    for (let i = 0; i < 10; i++) sequential.push(await (i % 2 ? first : second).hit('key:shared', 6, TEN_MINUTES));
    expect(sequential.filter((decision) => decision.allowed)).toHaveLength(6);
    expect(sequential.slice(6).every((decision) => !decision.allowed && decision.retryAfterSeconds >= 1)).toBe(true);

    const concurrent = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? first : second).hit('key:burst', 25, TEN_MINUTES)));
    expect(concurrent.filter((decision) => decision.allowed)).toHaveLength(25);
  });

  it('the window slides: a client that waits the Retry-After it was given is let in', async () => {
    const store = await openStore();
    const windowMs = 2_000;
    for (let round = 0; round < 2; round++) {
      while ((await store.hit('key:slide', 3, windowMs)).allowed);
      const refused = await store.hit('key:slide', 3, windowMs);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(4);
      await sleep(refused.retryAfterSeconds * 1000);
      expect((await store.hit('key:slide', 3, windowMs)).allowed).toBe(true);
    }
  });

  it('a bucket expires once it no longer counts (two windows after its window started)', async () => {
    const store = await openStore();
    await store.hit('key:long', 10, TEN_MINUTES);
    const ttl = await client.pttl(`${keys.prefix}:rate-limit:key:long`);
    expect(ttl).toBeGreaterThan(TEN_MINUTES - 1);
    expect(ttl).toBeLessThanOrEqual(2 * TEN_MINUTES);

    await store.hit('key:short', 10, 300);
    await waitFor(async () => (await client.exists(`${keys.prefix}:rate-limit:key:short`)) === 0, 'the bucket to expire');
  });
});

describe('RedisRateLimitStore without Redis', () => {
  it('lets requests pass (fail open) and logs one error line, not one per request', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new RedisRateLimitStore((await closedPortUrl()).replace('http:', 'redis:'), 'orch_rate_absent');
    try {
      await store.onModuleInit();
      for (let i = 0; i < 3; i++) {
        expect(await store.hit('key:a', 1, TEN_MINUTES)).toMatchObject({ allowed: true, retryAfterSeconds: 0 });
      }
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0][0])).toMatch(/Rate limits are not enforced until Redis answers/);
    } finally {
      await store.onApplicationShutdown();
      errors.mockRestore();
    }
  });
});
