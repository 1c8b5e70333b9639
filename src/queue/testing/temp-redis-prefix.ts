import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the queue specs use: `TEST_REDIS_URL`, default the machine's. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether the test Redis answers (specs that need it skip, saying so, when it does not). */
export async function redisReachable(): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Says that a Redis spec is skipped and why (on stderr: Jest shows nothing of a suite whose tests are all skipped). */
export function reportRedisSkipped(what: string): void {
  process.stderr.write(`SKIPPED ${what}: Redis is not reachable at ${TEST_REDIS_URL} (set TEST_REDIS_URL, or start it)\n`);
}

/** A REDIS_KEY_PREFIX of one test run, and the removal of every key under it. */
export interface TempRedisPrefix {
  prefix: string;
  drop(): Promise<void>;
}

export function createTempRedisPrefix(name = 'orch_test'): TempRedisPrefix {
  const prefix = `${name}_${randomBytes(6).toString('hex')}`;
  return {
    prefix,
    async drop() {
      const client = new Redis(TEST_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}
