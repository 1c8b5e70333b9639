import { AgentRegistry } from '../agents/agent.registry.js';
import { agentDefinition } from '../agents/testing/agent-definition.js';
import { RetryLaterException } from '../common/exceptions/retry-later.exception.js';
import { AgentScheduler, type AgentSlot } from '../orchestrator/routing/agent-scheduler.js';
import { ClusterLimits } from './cluster-limits.js';
import { loadQueueConfig } from './queue.config.js';
import {
  createTempRedisPrefix,
  redisReachable,
  reportRedisSkipped,
  TEST_REDIS_URL,
  type TempRedisPrefix,
} from './testing/temp-redis-prefix.js';

const redis = await redisReachable();
if (!redis) reportRedisSkipped('the cluster-wide limits');
const describeRedis = redis ? describe : describe.skip;

const ORCHESTRATOR_CONFIG = {
  taskTimeoutMs: 1000,
  queueMax: 3,
  queueTimeoutMs: 10_000,
  maxAttempts: 3,
  delegationMaxDepth: 8,
  delegationMaxChildren: 100,
};

describeRedis('ClusterLimits on the real Redis', () => {
  let keys: TempRedisPrefix;
  const opened: { limits: ClusterLimits; scheduler?: AgentScheduler }[] = [];

  /** One process's limits on this test's key prefix (its own connections). */
  async function openLimits(stallMs = 30_000): Promise<ClusterLimits> {
    const config = loadQueueConfig({
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keys.prefix,
      DATABASE_URL: 'postgres://unused',
      WORKER_STALL_MS: String(stallMs),
    });
    const limits = new ClusterLimits(config);
    await limits.onModuleInit();
    opened.push({ limits });
    return limits;
  }

  /** One worker's scheduler: its own registry with the same remote agent, its own ClusterLimits. */
  async function openWorker(limit: number): Promise<AgentScheduler> {
    const limits = await openLimits();
    const registry = new AgentRegistry({ ttlMs: 30_000, cooldownMs: 30_000 });
    registry.register(agentDefinition('remote', { kind: 'http', max_concurrency: limit, capabilities: ['work'] }));
    const scheduler = new AgentScheduler(registry, ORCHESTRATOR_CONFIG, limits);
    scheduler.onModuleInit();
    opened.at(-1)!.scheduler = scheduler;
    return scheduler;
  }

  beforeEach(() => {
    keys = createTempRedisPrefix('orch_limits');
  });
  afterEach(async () => {
    for (const { limits, scheduler } of opened.splice(0)) {
      scheduler?.onModuleDestroy();
      await limits.onModuleDestroy();
    }
    await keys.drop();
  });

  it("holds a remote agent's max_concurrency across workers and serves a waiting task when another worker gives a slot back", async () => {
    const [a, b] = [await openWorker(2), await openWorker(2)];
    const held: AgentSlot[] = [await a.acquire('work'), await b.acquire('work')];
    // Both slots are held (one on each worker): a third task waits, on either worker.
    const third = a.acquire('work');
    const fourth = b.acquire('work');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.waiting()).toEqual({ work: 1 });
    expect(b.waiting()).toEqual({ work: 1 });
    // Worker b gives its slot back: one waiting task is served (announced to every worker).
    held[1]!.release('completed');
    const served = await Promise.race([third.then(() => 'third'), fourth.then(() => 'fourth')]);
    expect(['third', 'fourth']).toContain(served);
    expect({ ...a.waiting(), ...b.waiting() }).toEqual({ work: 1 });
    held[0]!.release('completed');
    const [slot3, slot4] = await Promise.all([third, fourth]);
    slot3.release('completed');
    slot4.release('completed');
  });

  it('counts only live leases: a slot held by a process that stopped renewing frees after WORKER_STALL_MS', async () => {
    const dead = await openLimits(1000);
    expect(await dead.takeSlot('remote', 1)).toMatchObject({ shared: true });
    // The process dies without giving it back (its timers stop): its lease lapses.
    await dead.onModuleDestroy();
    const live = await openLimits(1000);
    expect(await live.takeSlot('remote', 1)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await live.takeSlot('remote', 1)).toMatchObject({ shared: true });
  });

  it('keeps the leases of a live process past their first lifetime (renewed while held)', async () => {
    const holder = await openLimits(1000);
    const other = await openLimits(1000);
    expect(await holder.takeSlot('remote', 1)).toMatchObject({ shared: true });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await other.takeSlot('remote', 1)).toBeUndefined();
  });

  it('admits at most QUEUE_MAX tasks per capability across processes until they start or end', async () => {
    const [api1, api2] = [await openLimits(), await openLimits()];
    expect(await api1.admit('work', 't1', 2, 60_000)).toBe(true);
    expect(await api2.admit('work', 't2', 2, 60_000)).toBe(true);
    expect(await api1.admit('work', 't3', 2, 60_000)).toBe(false);
    // Another capability has its own queue.
    expect(await api2.admit('other', 't4', 2, 60_000)).toBe(true);
    api2.leave('work', 't1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await api1.admit('work', 't3', 2, 60_000)).toBe(true);
  });

  it('no longer counts a task past QUEUE_TIMEOUT_MS (it timed out, or will as it starts)', async () => {
    const api = await openLimits();
    expect(await api.admit('work', 't1', 1, 200)).toBe(true);
    expect(await api.admit('work', 't2', 1, 200)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await api.admit('work', 't2', 1, 200)).toBe(true);
  });

  it('times a task out of the queue after its wait and refuses a wait that is already over', async () => {
    const worker = await openWorker(1);
    const slot = await worker.acquire('work');
    await expect(worker.acquire('work', undefined, undefined, 0)).rejects.toBeInstanceOf(RetryLaterException);
    await expect(worker.acquire('work', undefined, undefined, 100)).rejects.toBeInstanceOf(RetryLaterException);
    expect(worker.waiting()).toEqual({});
    slot.release('completed');
  });
});
