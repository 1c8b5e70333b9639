import fc from 'fast-check';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeysRepository, type StoredApiKey } from '../../auth/api-keys.repository.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import type { ApiKeyRecord, NewApiKeyRecord } from '../../auth/interfaces/api-key.interface.js';
import { RateLimitExceededException } from '../errors/rate-limit-exceeded.exception.js';
import { SlidingWindowStore } from '../rate-limit/sliding-window.store.js';
import { RateLimitMiddleware } from './rate-limit.middleware.js';

/** An in-memory key store that counts look-ups. */
class MemoryApiKeysRepository extends ApiKeysRepository {
  readonly keys = new Map<string, StoredApiKey>();
  lookups = 0;
  override async insert(key: NewApiKeyRecord): Promise<void> {
    this.keys.set(key.id, { ...key, agent_id: key.agent_id ?? null, last_used_at: null, revoked_at: null });
  }
  override async findByHash(keyHash: string): Promise<StoredApiKey | undefined> {
    this.lookups++;
    return [...this.keys.values()].find((k) => k.key_hash === keyHash);
  }
  override async list(): Promise<ApiKeyRecord[]> {
    return [];
  }
  override async revoke(id: string, at: string): Promise<{ record: ApiKeyRecord; alreadyRevoked: boolean } | undefined> {
    const key = this.keys.get(id)!;
    key.revoked_at = at;
    const { key_hash: _hash, ...record } = key;
    return { record, alreadyRevoked: false };
  }
  override async touch(): Promise<void> {}
  override async anyExists(): Promise<boolean> {
    return this.keys.size > 0;
  }
  override async countActive(): Promise<number> {
    return this.keys.size;
  }
}

type Outcome = 'next' | 429 | Error;

/** Runs the middleware on a request and resolves with what it passed on. */
function run(
  middleware: RateLimitMiddleware,
  request: { method?: string; path?: string; headers?: Record<string, string>; address?: string },
): Promise<{ outcome: Outcome; headers: Map<string, string> }> {
  const headers = new Map<string, string>();
  const req = {
    method: request.method ?? 'GET',
    path: request.path ?? '/v1/agents',
    headers: request.headers ?? {},
    socket: { remoteAddress: request.address ?? '198.18.0.2' },
  } as unknown as Request;
  const res = { setHeader: (name: string, value: string) => headers.set(name, value) } as unknown as Response;
  return new Promise((resolve) => {
    const next: NextFunction = (error?: unknown) => {
      if (error === undefined) resolve({ outcome: 'next', headers });
      else if (error instanceof RateLimitExceededException) resolve({ outcome: 429, headers });
      else resolve({ outcome: error as Error, headers });
    };
    middleware.use(req, res, next);
  });
}

async function setUp(limit: number, maxBuckets = 10_000) {
  const repository = new MemoryApiKeysRepository();
  const keys = new ApiKeysService(repository, { authRequired: false });
  const store = new SlidingWindowStore(() => 1_000_000, maxBuckets);
  const middleware = new RateLimitMiddleware({ rateLimitPerMinute: limit }, store, keys);
  const live = await keys.create('live', ['read']);
  const revoked = await keys.create('revoked', ['read']);
  await keys.revoke(revoked.record.id);
  return { repository, keys, store, middleware, live: live.key, revoked: revoked.key };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
/** A key of the shape this service issues, made up (so not in the store). */
const madeUpKey = fc.array(fc.constantFrom(...BASE64URL), { minLength: 43, maxLength: 43 }).map((chars) => `ao_${chars.join('')}`);

describe('RateLimitMiddleware', () => {
  it('a live key has its own budget, whatever the address', async () => {
    const { middleware, store, live } = await setUp(2);
    expect((await run(middleware, { headers: { 'x-api-key': live }, address: '198.18.0.2' })).outcome).toBe('next');
    expect((await run(middleware, { headers: { authorization: `Bearer ${live}` }, address: '198.18.0.3' })).outcome).toBe('next');
    expect((await run(middleware, { headers: { 'x-api-key': live }, address: '198.18.0.4' })).outcome).toBe(429);
    expect((await run(middleware, { address: '198.18.0.2' })).outcome).toBe('next');
    expect(store.size).toBe(2);
  });

  it('sets the X-RateLimit headers on an allowed request', async () => {
    const { middleware } = await setUp(5);
    const { outcome, headers } = await run(middleware, {});
    expect(outcome).toBe('next');
    expect(Object.fromEntries(headers)).toEqual({
      'X-RateLimit-Limit': '5',
      'X-RateLimit-Remaining': '4',
      'X-RateLimit-Reset': expect.stringMatching(/^\d+$/),
    });
  });

  it('never counts GET/HEAD of the health probes (as Express matches them); counts everything else, unknown routes and other methods included', async () => {
    const { middleware, store } = await setUp(1);
    for (const path of ['/v1/health', '/v1/health/live', '/v1/health/ready', '/V1/Health/', '/v1/health/ready/']) {
      for (const method of ['GET', 'HEAD']) expect((await run(middleware, { method, path })).outcome).toBe('next');
    }
    expect(store.size).toBe(0);
    expect((await run(middleware, { method: 'POST', path: '/v1/health' })).outcome).toBe('next');
    expect((await run(middleware, { path: '/v1/nowhere' })).outcome).toBe(429);
    expect((await run(middleware, { path: '/v1/health/x' })).outcome).toBe(429);
  });

  it('RATE_LIMIT_PER_MINUTE=0: every request passes and nothing is counted', async () => {
    const { middleware, store } = await setUp(0);
    for (let i = 0; i < 5; i++) expect((await run(middleware, {})).outcome).toBe('next');
    expect(store.size).toBe(0);
  });

  it('a store that fails passes the error on (never a hang)', async () => {
    const { keys } = await setUp(1);
    const failing = new SlidingWindowStore();
    failing.hit = () => Promise.reject(new Error('store unreachable')) as never;
    const middleware = new RateLimitMiddleware({ rateLimitPerMinute: 1 }, failing, keys);
    expect((await run(middleware, {})).outcome).toEqual(new Error('store unreachable'));
  });

  it('property: keys that are not live, from one address, make one bucket and share the address budget; an invalid key is looked up at most once', async () => {
    const presented = fc.oneof(
      madeUpKey.map((key) => ({ 'x-api-key': key })),
      madeUpKey.map((key) => ({ authorization: `Bearer ${key}` })),
      fc.string({ maxLength: 60 }).map((value) => ({ 'x-api-key': value })),
      fc.string({ maxLength: 60 }).map((value) => ({ authorization: value })),
      fc.tuple(madeUpKey, madeUpKey).map(([a, b]) => ({ 'x-api-key': a, authorization: `Bearer ${b}` })),
      fc.constant({} as Record<string, string>),
      fc.constant('revoked' as const),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(presented, { minLength: 1, maxLength: 40 }), async (limit, sequence) => {
        const { middleware, store, repository, revoked } = await setUp(limit);
        repository.lookups = 0;
        const distinct = new Set<string>();
        let allowed = 0;
        for (const [i, headers] of sequence.entries()) {
          const sent = headers === 'revoked' ? { 'x-api-key': revoked } : headers;
          distinct.add(JSON.stringify(sent));
          const { outcome } = await run(middleware, { headers: sent, address: '198.18.0.9' });
          if (outcome === 'next') allowed++;
          else expect(outcome).toBe(429);
          expect(store.size).toBe(1);
          expect(allowed).toBe(Math.min(i + 1, limit));
        }
        expect(repository.lookups).toBeLessThanOrEqual(distinct.size);
      }),
      { numRuns: 150 },
    );
  });

  it('property: the number of buckets never exceeds the bound, whatever the addresses and keys', async () => {
    const BOUND = 16;
    const request = fc.record({
      address: fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.ipV4().map((a) => `::ffff:${a}`),
      ),
      key: fc.option(madeUpKey, { nil: undefined }),
      live: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 80 }), async (requests) => {
        const { middleware, store, live } = await setUp(3, BOUND);
        for (const r of requests) {
          const headers: Record<string, string> = r.live ? { 'x-api-key': live } : r.key ? { 'x-api-key': r.key } : {};
          await run(middleware, { headers, address: r.address });
          expect(store.size).toBeLessThanOrEqual(BOUND);
        }
      }),
      { numRuns: 100 },
    );
  });
});
