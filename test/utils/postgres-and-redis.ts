import { postgresReachable, reportPostgresSkipped } from '../../src/database/testing/temp-postgres-database.js';
import { redisReachable, reportRedisSkipped } from '../../src/queue/testing/temp-redis-prefix.js';

/**
 * `describe` for specs of several processes sharing PostgreSQL and Redis: runs whenever both answer
 * (whatever TEST_DATABASE says), else skips, saying which one is missing and what was skipped.
 */
export async function describeWithPostgresAndRedis(what: string): Promise<jest.Describe> {
  const [postgres, redis] = await Promise.all([postgresReachable(), redisReachable()]);
  if (!postgres) reportPostgresSkipped(what);
  if (!redis) reportRedisSkipped(what);
  return postgres && redis ? describe : describe.skip;
}
