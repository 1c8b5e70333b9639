import { Redis } from 'ioredis';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../src/database/testing/temp-postgres-database.js';
import { createTempRedisPrefix, TEST_REDIS_URL, type TempRedisPrefix } from '../src/queue/testing/temp-redis-prefix.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { describeWithPostgresAndRedis } from './utils/postgres-and-redis.js';
import { waitFor } from './utils/wait-for.js';

/**
 * Issue 13 §2: the API-key rate limits hold cluster-wide. Two app instances (two API replicas) on one
 * PostgreSQL database and one Redis key prefix count one key's requests against one budget, whichever
 * instance a request reaches. Runs whenever both answer (whatever TEST_DATABASE says) and skips,
 * saying so, when one does not.
 */

const describeShared = await describeWithPostgresAndRedis('rate limits shared by two app instances');

const LIMIT = 6;

describeShared('rate limits shared by two app instances through Redis', () => {
  let database: TempPostgresDatabase;
  let keys: TempRedisPrefix;
  let apps: TestApp[] = [];

  beforeAll(async () => {
    database = await createTempPostgresDatabase('orch_rate_');
    keys = createTempRedisPrefix('orch_rate');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keys.prefix,
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
    };
    // One after the other: the second finds the schema the first migrated.
    apps.push(await createTestApp({ env }));
    apps.push(await createTestApp({ env }));
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    apps = [];
    await keys?.drop();
    await database?.drop();
  });

  it("one key's requests split across both instances share its limit: 429 with Retry-After past it, on both", async () => {
    const { key } = await apps[0].app.get(ApiKeysService).create('shared', ['admin']);
    // The other instance asks whether a key exists at most once a second while none did.
    await waitFor(() => apps[1].app.get(ApiKeysService).keysExist(), 'the second instance to see the key');
    const answers = [];
    for (let i = 0; i < LIMIT + 4; i++) {
      answers.push(
        await request(apps[i % 2].server)
          .get('/v1/agents')
          .set('X-API-Key', key),
      );
    }
    const allowed = answers.slice(0, LIMIT);
    expect(allowed.map((res) => res.status)).toEqual(Array<number>(LIMIT).fill(200));
    expect(allowed.map((res) => Number(res.headers['x-ratelimit-remaining']))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(allowed.every((res) => res.headers['x-ratelimit-limit'] === String(LIMIT))).toBe(true);
    for (const refused of answers.slice(LIMIT)) {
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }

    // Another key, made through the other instance, has a budget of its own on both.
    const other = (await apps[1].app.get(ApiKeysService).create('other', ['admin'])).key;
    for (const app of apps) {
      const res = await request(app.server).get('/v1/agents').set('Authorization', `Bearer ${other}`);
      expect(res.status).toBe(200);
    }
  });

  it("the counters live under the deployment's key prefix, one per key, each with a TTL", async () => {
    const { key, record } = await apps[0].app.get(ApiKeysService).create('counted', ['admin']);
    await request(apps[1].server).get('/v1/agents').set('X-API-Key', key).expect(200);
    const client = new Redis(TEST_REDIS_URL);
    try {
      const ttl = await client.pttl(`${keys.prefix}:rate-limit:key:${record.id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * 60_000);
    } finally {
      client.disconnect();
    }
  });

  it('each instance holds one named Redis connection for its counters and closes it when it shuts down', async () => {
    const client = new Redis(TEST_REDIS_URL);
    const counterConnections = async () =>
      String(await client.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${keys.prefix}:rate-limit `)).length;
    try {
      expect(await counterConnections()).toBe(2);
      for (const app of apps.splice(0)) await app.close();
      // Redis drops a connection just after answering its QUIT.
      await waitFor(async () => (await counterConnections()) === 0, 'the counter connections to close');
    } finally {
      client.disconnect();
    }
  });
});
