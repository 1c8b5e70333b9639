import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Queue, Worker, type Job } from 'bullmq';
import type { Contract } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { makeRequest, makeResponse } from '../contracts/testing/contract.fixtures.js';
import { databaseConfig, loadDatabaseConfig } from '../database/database.config.js';
import {
  createTempPostgresDatabase,
  postgresReachable,
  reportPostgresSkipped,
  type TempPostgresDatabase,
} from '../database/testing/temp-postgres-database.js';
import { TASK_QUEUE } from '../queue/queue.constants.js';
import { TaskQueue, type RunTaskJob } from '../queue/task-queue.js';
import {
  createTempRedisPrefix,
  redisReachable,
  reportRedisSkipped,
  TEST_REDIS_URL,
  type TempRedisPrefix,
} from '../queue/testing/temp-redis-prefix.js';
import { OrphanedTasksSweep } from './orphaned-tasks.sweep.js';

const [postgres, redis] = await Promise.all([postgresReachable(), redisReachable()]);
const what = 'OrphanedTasksSweep specs (they need PostgreSQL and Redis)';
if (!postgres) reportPostgresSkipped(what);
if (!redis) reportRedisSkipped(what);
const describeWithPostgresAndRedis = postgres && redis ? describe : describe.skip;

/** How old a REQUEST must be to count as never queued, in these specs. */
const GRACE_MS = 60_000;

/** A time `ms` ago, as a REQUEST's created_at. */
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describeWithPostgresAndRedis('OrphanedTasksSweep (real PostgreSQL store and Redis task queue)', () => {
  let database: TempPostgresDatabase;
  let moduleRef: TestingModule;
  let contracts: ContractRepository;
  let keys: TempRedisPrefix;
  /** One queue connection per process sharing the cluster. */
  let queues: Queue<RunTaskJob>[];

  const openQueue = () => {
    const queue = new Queue<RunTaskJob>(TASK_QUEUE, {
      connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null },
      prefix: keys.prefix,
    });
    queues.push(queue);
    return queue;
  };
  const sweepOn = (queue: Queue<RunTaskJob>) => new OrphanedTasksSweep(contracts, new TaskQueue(queue));

  /** Commits a REQUEST as a replica does, created `ageMs` ago. */
  async function commitRequest(ageMs: number, overrides: Partial<Contract> = {}): Promise<Contract> {
    const request = makeRequest({ created_at: ago(ageMs), metadata: { submitted: true }, ...overrides });
    await contracts.insertRequest(request, { outbox: false });
    return request;
  }

  /** Closes a REQUEST as completed, with its RESPONSE, as a worker does. */
  async function closeRequest(request: Contract): Promise<void> {
    const response = makeResponse(request);
    await contracts.completeRequest(
      request,
      { status: 'completed', result: response.result, error: null, completed_at: response.created_at },
      response,
      { outbox: false },
    );
  }

  beforeEach(async () => {
    database = await createTempPostgresDatabase('orch_sweep_');
    moduleRef = await Test.createTestingModule({ imports: [ContractsModule] })
      .overrideProvider(databaseConfig.KEY)
      .useValue(loadDatabaseConfig({ DATABASE_URL: database.url }))
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    contracts = moduleRef.get(ContractRepository);
    keys = createTempRedisPrefix('orch_sweep');
    queues = [];
  });

  afterEach(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await moduleRef.close();
    await database.drop();
    await keys.drop();
  });

  it('queues a top-level REQUEST left in_progress with no job; leaves queued, finished, sub-task and recent ones alone', async () => {
    const queue = openQueue();
    const taskQueue = new TaskQueue(queue);
    const orphan = await commitRequest(2 * GRACE_MS);
    const queued = await commitRequest(2 * GRACE_MS);
    await taskQueue.enqueue(queued.contract_id);
    const finished = await commitRequest(2 * GRACE_MS);
    await closeRequest(finished);
    const subTask = await commitRequest(2 * GRACE_MS, { parent_contract_id: queued.contract_id, metadata: {} });
    const recent = await commitRequest(0);

    await expect(sweepOn(queue).sweep(GRACE_MS)).resolves.toEqual({ notQueued: 1, failedRuns: 0 });

    const ids = [orphan, queued, finished, subTask, recent].map((request) => request.contract_id);
    expect(await jobStates(queue, ids)).toEqual(['waiting', 'waiting', 'unknown', 'unknown', 'unknown']);
    expect((await queue.getJob(orphan.contract_id))?.data).toEqual({ task_id: orphan.contract_id });
    expect(await queue.count()).toBe(2);
  });

  it('does not queue a task that finished (its job removed) between the read of its REQUEST and the look-up of its job', async () => {
    const queue = openQueue();
    const taskQueue = new TaskQueue(queue);
    const finishing = await commitRequest(2 * GRACE_MS);
    const lookUp = taskQueue.jobsOf.bind(taskQueue);
    // Its worker closes it just as the sweep looks its job up; the job is gone (removed on completion).
    jest.spyOn(taskQueue, 'jobsOf').mockImplementationOnce(async (taskIds) => {
      await closeRequest(finishing);
      return lookUp(taskIds);
    });

    await expect(new OrphanedTasksSweep(contracts, taskQueue).sweep(GRACE_MS)).resolves.toEqual({ notQueued: 0, failedRuns: 0 });
    expect(await queue.getJobState(finishing.contract_id)).toBe('unknown');
  });

  it('two processes sweeping at once queue each orphan once (more orphans than one batch)', async () => {
    const orphans = Array.from({ length: 700 }, (_, i) =>
      makeRequest({ created_at: ago(2 * GRACE_MS + i), session_id: `orphan_${i % 7}` }),
    );
    // Committed through the repository in one go (its import path), as many replicas would have.
    expect(await contracts.importContracts(orphans)).toBe(700);

    const rounds = await Promise.all([sweepOn(openQueue()).sweep(GRACE_MS), sweepOn(openQueue()).sweep(GRACE_MS)]);

    // One took the round; the other found its lock taken.
    expect(rounds.filter((round) => round === undefined)).toHaveLength(1);
    expect(rounds.find((round) => round !== undefined)).toEqual({ notQueued: 700, failedRuns: 0 });
    const queue = openQueue();
    expect(await queue.count()).toBe(700);
    const states = await jobStates(
      queue,
      orphans.map((request) => request.contract_id),
    );
    expect(states.every((state) => state === 'waiting')).toBe(true);
  });

  it('puts back a failed job whose REQUEST is still in_progress, so that its next run records why the failed one ended', async () => {
    const queue = openQueue();
    const taskQueue = new TaskQueue(queue);
    const stuck = await commitRequest(2 * GRACE_MS);
    const closed = await commitRequest(2 * GRACE_MS);
    await taskQueue.enqueue(stuck.contract_id);
    await taskQueue.enqueue(closed.contract_id);
    // Both runs throw, as a run whose outcome the store refused does.
    await runJobs(queue, 2, () => {
      throw new Error('the contract store refused the write');
    });
    await closeRequest(closed);

    await expect(sweepOn(queue).sweep(GRACE_MS)).resolves.toEqual({ notQueued: 0, failedRuns: 1 });

    expect(await jobStates(queue, [stuck.contract_id, closed.contract_id])).toEqual(['waiting', 'failed']);
    // Its next start is its first again (not a stopped worker's), and carries why the failed run ended.
    const [started] = await runJobs(queue, 1, () => undefined);
    expect(started).toMatchObject({
      id: stuck.contract_id,
      attemptsStarted: 1,
      data: { task_id: stuck.contract_id, failed_run: 'the contract store refused the write' },
    });
  });

  it('logs a round that fails and sweeps again at the next one', async () => {
    const queue = openQueue();
    const orphan = await commitRequest(2 * GRACE_MS);
    const scan = jest.spyOn(contracts, 'scanInProgressRequests');
    scan.mockImplementationOnce(() => {
      throw new Error('connection refused');
    });
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sweep = sweepOn(queue);
    // Short rounds; the lock of each lasts as long, so the next round can take it.
    sweep.start(1_000);
    try {
      await waitUntil(async () => (await queue.getJobState(orphan.contract_id)) === 'waiting');
      expect(scan.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('the next round tries again: connection refused'));
    } finally {
      await sweep.stop();
      errors.mockRestore();
      scan.mockRestore();
    }
  });
});

/** BullMQ's own reading of each task's job state. */
function jobStates(queue: Queue<RunTaskJob>, taskIds: readonly string[]): Promise<string[]> {
  return Promise.all(taskIds.map((taskId) => queue.getJobState(taskId)));
}

/** Runs the next `count` jobs of `queue` with `process` on a worker of its own, and returns them as they started. */
async function runJobs(queue: Queue<RunTaskJob>, count: number, process: () => void): Promise<Job<RunTaskJob>[]> {
  const started: Job<RunTaskJob>[] = [];
  let done = 0;
  const worker = new Worker<RunTaskJob>(
    TASK_QUEUE,
    async (job) => {
      started.push(job);
      process();
    },
    { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix: queue.opts.prefix },
  );
  const finished = () => (done += 1);
  worker.on('completed', finished);
  worker.on('failed', finished);
  try {
    await waitUntil(() => done >= count);
  } finally {
    await worker.close();
  }
  return started;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
