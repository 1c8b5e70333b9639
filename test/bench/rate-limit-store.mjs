// `node test/bench/rate-limit-store.mjs` (after npm run build; REDIS_URL, default the machine's Redis)
//
// What one rate-limit hit costs with the Redis store (REDIS_URL) against the in-memory one: the
// compiled stores of dist/ called directly, one caller after the other (a hit's latency: one round
// trip) and 64 at once (what one process can push through one connection), the two stores
// alternating over 5 rounds. Prints hits/s and µs per hit, median of the rounds. Its keys are
// removed at the end.
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST } from './server.mjs';

const dist = (path) => import(pathToFileURL(join(DIST, path)).href);
const { RedisRateLimitStore } = await dist('security/rate-limit/redis-rate-limit.store.js');
const { SlidingWindowStore } = await dist('security/rate-limit/sliding-window.store.js');

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `orch_bench_${process.pid}`;
const HITS = 20_000;
const ROUNDS = 5;

/** Hits per second of `store` with `callers` awaiting hits side by side, over 100 buckets that are never full. */
async function rate(store, callers) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < HITS) await store.hit(`key:${next++ % 100}`, 1e9, 60_000);
    }),
  );
  return HITS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const redis = new RedisRateLimitStore(REDIS_URL, PREFIX);
await redis.onModuleInit();
const memory = new SlidingWindowStore();
const runs = { 'redis, 1 caller': [], 'memory, 1 caller': [], 'redis, 64 callers': [], 'memory, 64 callers': [] };
for (let round = 0; round < ROUNDS; round++) {
  runs['redis, 1 caller'].push(await rate(redis, 1));
  runs['memory, 1 caller'].push(await rate(memory, 1));
  runs['redis, 64 callers'].push(await rate(redis, 64));
  runs['memory, 64 callers'].push(await rate(memory, 64));
}
for (const [name, rates] of Object.entries(runs)) {
  const median = rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  console.log(`${name.padEnd(20)} ${Math.round(median).toString().padStart(9)} hits/s  ${(1e6 / median).toFixed(2).padStart(7)} µs/hit`);
}
await redis.onApplicationShutdown();
const client = new Redis(REDIS_URL);
const keys = await client.keys(`${PREFIX}:*`);
if (keys.length > 0) await client.del(...keys);
client.disconnect();
