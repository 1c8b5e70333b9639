// The shared stores of a cluster run: a PostgreSQL database and a Redis key prefix of the run's own,
// dropped afterwards, on the machine's servers (BENCH_POSTGRES_URL, BENCH_REDIS_URL). Also the CPU
// those servers spend, read from outside, so that a task's cost can be told per process.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';

/** A database on this server is created per run; its name replaces the path of the URL. */
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function withPostgres(run) {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** `{ url, drop() }`: an empty database of this run. */
export async function createRunDatabase(label) {
  const name = `orch_bench_${label}_${randomBytes(4).toString('hex')}`;
  await withPostgres((client) => client.query(`create database ${pg.escapeIdentifier(name)}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withPostgres((client) => client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`)),
  };
}

/** `{ prefix, drop() }`: a REDIS_KEY_PREFIX of this run; drop() deletes every key under it. */
export function createRunRedisPrefix(label) {
  const prefix = `orch_bench_${label}_${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    async drop() {
      const client = new Redis(REDIS_URL);
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

/** Whether both servers answer; a reason when one does not. */
export async function clusterStoresReachable() {
  try {
    await withPostgres((client) => client.query('select 1'));
  } catch (error) {
    return `PostgreSQL at ${new URL(POSTGRES_URL).host}: ${error.message} (set BENCH_POSTGRES_URL)`;
  }
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    return `Redis at ${REDIS_URL}: ${error.message} (set BENCH_REDIS_URL)`;
  } finally {
    client.disconnect();
  }
  return null;
}

/**
 * CPU ms (user + system) of every PostgreSQL process and of the Redis server, read from /proc (Linux;
 * null where it cannot be read). Machine-wide: whatever else uses these servers meanwhile counts too.
 */
export async function storeCpuMs() {
  let postgres = 0;
  let seen = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres' && !comm.startsWith('postgres:')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      postgres += (Number(fields[11]) + Number(fields[12])) * 10;
      seen = true;
    } catch {
      // gone meanwhile
    }
  }
  let redis = null;
  const client = new Redis(REDIS_URL);
  try {
    const info = await client.info('cpu');
    const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
    const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
    if (Number.isFinite(user) && Number.isFinite(sys)) redis = (user + sys) * 1000;
  } finally {
    client.disconnect();
  }
  return { postgres: seen ? postgres : null, redis };
}
