import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../src/database/testing/temp-postgres-database.js';
import { Test } from '@nestjs/testing';
import { Worker } from 'bullmq';
import { ContractsModule } from '../src/contracts/contracts.module.js';
import { databaseConfig, loadDatabaseConfig } from '../src/database/database.config.js';
import { IntegrationsModule } from '../src/integrations/integrations.module.js';
import { TaskEventsService } from '../src/orchestrator/events/task-events.service.js';
import { TaskLifecycle } from '../src/orchestrator/task-lifecycle.js';
import { TaskRecorder } from '../src/orchestrator/task-recorder.js';
import { TASK_QUEUE } from '../src/queue/queue.constants.js';
import { createTempRedisPrefix, TEST_REDIS_URL, type TempRedisPrefix } from '../src/queue/testing/temp-redis-prefix.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { ROOT, startServerProcess, startWorkerProcess, type ServerProcess, type WorkerProcess } from './utils/server-process.js';
import { openSse } from './utils/sse.js';
import { describeWithPostgresAndRedis } from './utils/postgres-and-redis.js';
import { waitFor } from './utils/wait-for.js';

/**
 * Issue 13 §2-§3: a cluster of real processes, as `npm run cluster -- --api 2 --workers 2` starts it:
 * two API replicas (`dist/main.js`) and two workers (`dist/worker.js`) on one PostgreSQL database and
 * one Redis (its own key prefix), with a real remote agent. Runs whenever both answer (whatever
 * TEST_DATABASE says) and skips, saying so, when one does not.
 */

const describeCluster = await describeWithPostgresAndRedis('the cluster of API replicas and workers');

/** How soon a killed worker's tasks run again elsewhere. */
const STALL_MS = 2_000;

interface Task {
  task_id: string;
  status: string;
  result: Record<string, unknown> | null;
  error: string | null;
}

interface Contract {
  contract_id: string;
  contract_type: string;
  status: string;
  parent_contract_id: string | null;
  metadata: { attempts?: Array<{ error: string | null }> };
}

async function call<T>(base: string, method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-api-key'] = key;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The tasks `ids` read through `base` once every one of them is `completed` (60 s at most). */
function completedTasks(base: string, ids: readonly string[], what: string): Promise<Task[]> {
  return waitFor(
    async () => {
      const read = await Promise.all(ids.map((id) => call<Task>(base, 'GET', `/v1/tasks/${id}`)));
      return read.every((task) => task.body.status === 'completed') ? read.map((task) => task.body) : undefined;
    },
    what,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

/**
 * Commits the REQUEST of a submitted task on the store at `databaseUrl` as an API replica does (its
 * TaskRecorder), and does not queue it: a replica that died between the two steps.
 */
async function commitWithoutQueueing(databaseUrl: string, session_id: string, capability: string, parameters: Record<string, unknown>) {
  const moduleRef = await Test.createTestingModule({
    imports: [ContractsModule, IntegrationsModule],
    providers: [TaskRecorder, TaskEventsService, TaskLifecycle],
  })
    .overrideProvider(databaseConfig.KEY)
    .useValue(loadDatabaseConfig({ DATABASE_URL: databaseUrl }))
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  try {
    const task = await moduleRef
      .get(TaskRecorder)
      .recordRequest({ session_id, capability, parameters }, undefined, 'agent_example_001', undefined, true);
    return task.request.contract_id;
  } finally {
    await moduleRef.close();
  }
}

describeCluster('a cluster: two API replicas and two workers on PostgreSQL and Redis', () => {
  let database: TempPostgresDatabase;
  let keys: TempRedisPrefix;
  let agent: FakeAgent;
  let dataDir: string;
  let apis: ServerProcess[] = [];
  let workers: WorkerProcess[] = [];

  const env = () => ({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: keys.prefix,
    WORKER_STALL_MS: String(STALL_MS),
    TASK_TIMEOUT_MS: '60000',
  });
  // Generous: on a loaded machine a process can take a while to start; this bounds a hang only.
  const startApi = async () => {
    const api = await startServerProcess(env(), 90_000);
    apis.push(api);
    return api;
  };
  const startWorker = async () => {
    const worker = await startWorkerProcess(env(), 90_000);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    database = await createTempPostgresDatabase('orch_cluster_');
    keys = createTempRedisPrefix();
    dataDir = mkdtempSync(join(tmpdir(), 'orch-cluster-'));
    agent = await startFakeAgent({ capabilities: ['slow.call', 'quick.call', 'plan.call'] });
    // The first replica migrates the database; the others start on it.
    await startApi();
    await Promise.all([startApi(), startWorker(), startWorker()]);
    const registered = await call(apis[0].url, 'POST', '/v1/agents', agent.registration('agent_remote', { max_concurrency: 1000 }));
    expect(registered.status).toBe(201);
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled([...apis, ...workers].map((process) => process.kill9()));
    await agent?.close();
    await database?.drop();
    await keys?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a synchronous task on either replica with its result, run by a worker (in-process and remote agents)', async () => {
    const [a, b] = apis;
    const local = await call<{ success: boolean; data: unknown; agent_id: string }>(a.url, 'POST', '/v1/orchestrate', {
      session_id: 'cluster_sync',
      capability: 'echo',
      parameters: { text: 'hi' },
    });
    expect(local).toMatchObject({ status: 200, body: { success: true, data: { message: 'Echo: hi' }, agent_id: 'agent_example_001' } });

    // Registered on replica a: replica b and the workers read it from the shared store.
    const remote = await waitFor(async () => {
      const answer = await call<{ success: boolean; agent_id: string }>(b.url, 'POST', '/v1/orchestrate', {
        session_id: 'cluster_sync',
        capability: 'quick.call',
        parameters: { n: 1 },
      });
      return answer.status === 200 ? answer : undefined;
    }, 'the remote agent known to replica b and the workers');
    expect(remote.body).toMatchObject({ success: true, agent_id: 'agent_remote' });

    const invalid = await call(b.url, 'POST', '/v1/orchestrate', {
      session_id: 'cluster_sync',
      capability: 'echo',
      parameters: { text: 7 },
    });
    expect(invalid.status).toBe(400);
    const unknown = await call(b.url, 'POST', '/v1/orchestrate', { session_id: 'cluster_sync', capability: 'no.such' });
    expect(unknown.status).toBe(404);
  });

  it("takes a remote agent's delegation call for a task a worker runs on either replica, and runs the sub-task on a worker", async () => {
    const [a, b] = apis;
    const unknownTask = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    // While it runs task T (called by a worker), the agent delegates through replica b, whatever ran T.
    const calls: Record<string, { status: number; body: Record<string, unknown> }> = {};
    agent.behave(
      {
        kind: 'answer',
        handler: async (body) => {
          const delegate = (taskId: string, payload: unknown) =>
            call<Record<string, unknown>>(b.url, 'POST', `/v1/tasks/${taskId}/delegate`, payload);
          calls.badBody = await delegate(body.task_id, { capability: 7 });
          calls.unknownTask = await delegate(unknownTask, { capability: 'echo' });
          calls.unknownCapability = await delegate(body.task_id, { capability: 'no.such' });
          calls.sub = await delegate(body.task_id, { capability: 'echo', parameters: { text: 'from a sub-task' } });
          return { success: true, data: { sub: calls.sub.body } };
        },
      },
      'plan.call',
    );
    try {
      const parent = await waitFor(async () => {
        const answer = await call<{ success: boolean; data: { sub: Record<string, unknown> }; contract_id: string }>(
          a.url,
          'POST',
          '/v1/orchestrate',
          {
            session_id: 'cluster_delegation',
            capability: 'plan.call',
            parameters: {},
          },
        );
        return answer.status === 200 ? answer : undefined;
      }, 'the remote agent known to replica a and the workers');
      const taskId = parent.body.contract_id;

      expect(calls.badBody.status).toBe(400);
      expect(calls.unknownTask.status).toBe(404);
      // As in one process: a refused sub-task is recorded as failed and answered, not thrown.
      expect(calls.unknownCapability).toMatchObject({ status: 200, body: { success: false, agent_id: null } });
      expect(calls.unknownCapability.body.error).toMatch(/no\.such/);
      expect(calls.sub).toMatchObject({
        status: 200,
        body: { success: true, data: { message: 'Echo: from a sub-task' }, error: null, agent_id: 'agent_example_001' },
      });
      expect(Object.keys(calls.sub.body).sort()).toEqual(['agent_id', 'contract_id', 'data', 'error', 'success']);
      // T completed with the sub-task's result.
      expect(parent.body).toMatchObject({ success: true, data: { sub: calls.sub.body } });

      const tree = await call<{ subtasks: Array<Record<string, unknown>> }>(a.url, 'GET', `/v1/contracts/${taskId}/tree`);
      expect(tree.status).toBe(200);
      expect(tree.body.subtasks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            contract_id: calls.sub.body.contract_id,
            parent_contract_id: taskId,
            from_agent: 'agent_remote',
            capability: 'echo',
            status: 'completed',
          }),
        ]),
      );
      // T is finished: no agent may delegate for it any more.
      expect((await call(b.url, 'POST', `/v1/tasks/${taskId}/delegate`, { capability: 'echo' })).status).toBe(404);
    } finally {
      agent.reset();
    }
  });

  it('cancels the sub-task a replica runs for a remote agent when its parent task is cancelled', async () => {
    const [a, b] = apis;
    agent.behave({ kind: 'slow', delayMs: 60_000 }, 'slow.call');
    let delegated: Promise<unknown> | undefined;
    agent.behave(
      {
        kind: 'answer',
        handler: (body) => {
          delegated = call(b.url, 'POST', `/v1/tasks/${body.task_id}/delegate`, { capability: 'slow.call', parameters: {} });
          return delegated.then(() => ({ success: true, data: {} }));
        },
      },
      'plan.call',
    );
    try {
      const submitted = await call<{ task_id: string }>(a.url, 'POST', '/v1/tasks', {
        session_id: 'cluster_delegation_cancel',
        capability: 'plan.call',
        parameters: {},
      });
      expect(submitted.status).toBe(202);
      const taskId = submitted.body.task_id;
      const sub = await waitFor(
        () =>
          agent.executions.find(
            (execution) => execution.body.session_id === 'cluster_delegation_cancel' && execution.body.capability === 'slow.call',
          ),
        'the sub-task at the agent',
      );

      const cancelled = await call<Task>(a.url, 'POST', `/v1/tasks/${taskId}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      const subTask = await waitFor(async () => {
        const answer = await call<Task>(a.url, 'GET', `/v1/tasks/${sub.body.task_id}`);
        return answer.body.status === 'cancelled' ? answer.body : undefined;
      }, 'the sub-task cancelled');
      expect(subTask.error).toBe('Task cancelled');
      await waitFor(() => sub.aborted, 'the sub-task call aborted');
      await delegated;
    } finally {
      agent.reset();
    }
  });

  it('reads, streams and cancels through one replica a task submitted to the other', async () => {
    const [a, b] = apis;
    agent.behave({ kind: 'slow', delayMs: 60_000 }, 'slow.call');
    try {
      const submitted = await call<{ task_id: string; status: string }>(a.url, 'POST', '/v1/tasks', {
        session_id: 'cluster_cancel',
        capability: 'slow.call',
        parameters: { n: 2 },
      });
      expect(submitted).toMatchObject({ status: 202, body: { status: 'submitted' } });
      const taskId = submitted.body.task_id;
      await waitFor(() => agent.executions.some((execution) => execution.body.task_id === taskId), 'the call at the agent');

      const stream = await openSse(b.url, `/v1/tasks/${taskId}/events`);
      expect(stream.status).toBe(200);
      expect(((await stream.nth(1)).data as Task).status).toBe('working');
      expect((await call<Task>(b.url, 'GET', `/v1/tasks/${taskId}`)).body.status).toBe('working');

      const cancelled = await call<Task>(b.url, 'POST', `/v1/tasks/${taskId}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { task_id: taskId, status: 'cancelled' } });
      await stream.ended;
      expect((stream.events.at(-1)!.data as Task).status).toBe('cancelled');
      expect((await call<Task>(a.url, 'GET', `/v1/tasks/${taskId}`)).body.status).toBe('cancelled');
      // The worker's call was aborted: the agent saw its caller go.
      await waitFor(() => agent.executions.find((execution) => execution.body.task_id === taskId)?.aborted, 'the call aborted');
    } finally {
      agent.reset();
    }
  });

  it('cancels a task still waiting in the queue, through the other replica', async () => {
    const [a, b] = apis;
    // Stop both workers taking tasks: the task stays queued.
    const stopped = workers.splice(0);
    await Promise.all(stopped.map((worker) => worker.stop()));
    try {
      const submitted = await call<{ task_id: string }>(a.url, 'POST', '/v1/tasks', {
        session_id: 'cluster_queued',
        capability: 'echo',
        parameters: {},
      });
      expect(submitted.status).toBe(202);
      const cancelled = await call<Task>(b.url, 'POST', `/v1/tasks/${submitted.body.task_id}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    } finally {
      await Promise.all([startWorker(), startWorker()]);
    }
    const responses = await call<{ contracts: Contract[] }>(a.url, 'GET', '/v1/contracts?session_id=cluster_queued&contract_type=RESPONSE');
    expect(responses.body.contracts).toHaveLength(1);
  }, 240_000);

  it('runs again on the other worker every task a worker killed with -9 had in flight: each ends completed, with one RESPONSE', async () => {
    const [a] = apis;
    agent.behave({ kind: 'slow', delayMs: 1_500 }, 'slow.call');
    try {
      const count = 20;
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const submitted = await call<{ task_id: string }>(a.url, 'POST', '/v1/tasks', {
          session_id: `cluster_kill_worker_${i}`,
          capability: 'slow.call',
          parameters: { i },
        });
        expect(submitted.status).toBe(202);
        ids.push(submitted.body.task_id);
      }
      // Every task has reached the agent: both workers have calls in flight; one of them dies.
      await waitFor(
        () => ids.every((id) => agent.executions.some((execution) => execution.body.task_id === id)),
        'every call at the agent',
      );
      await workers[0].kill9();
      workers.shift();

      const tasks = await waitFor(
        async () => {
          const read = await Promise.all(ids.map((id) => call<Task>(a.url, 'GET', `/v1/tasks/${id}`)));
          return read.every((task) => task.body.status !== 'working' && task.body.status !== 'submitted') ? read : undefined;
        },
        'every task finished',
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(tasks.map((task) => task.body.status)).toEqual(ids.map(() => 'completed'));

      let rerun = 0;
      for (let i = 0; i < count; i++) {
        const contracts = (await call<{ contracts: Contract[] }>(a.url, 'GET', `/v1/contracts?session_id=cluster_kill_worker_${i}`)).body
          .contracts;
        expect(contracts.filter((contract) => contract.contract_type === 'RESPONSE')).toHaveLength(1);
        const attempts = contracts.find((contract) => contract.contract_type === 'REQUEST')!.metadata.attempts ?? [];
        if (attempts.length > 1) {
          rerun += 1;
          expect(attempts[0].error).toMatch(/worker running the task stopped/);
          expect(attempts.at(-1)!.error).toBeNull();
        }
      }
      // The killed worker had some of them; its lost attempts are on record.
      expect(rerun).toBeGreaterThan(0);
      await startWorker();
    } finally {
      agent.reset();
    }
  }, 180_000);

  it('finishes every task an API replica acknowledged with 202 before it was killed with -9, readable from the other', async () => {
    const [a, b] = apis;
    agent.behave({ kind: 'slow', delayMs: 500 }, 'slow.call');
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const submitted = await call<{ task_id: string }>(b.url, 'POST', '/v1/tasks', {
          session_id: 'cluster_kill_api',
          capability: 'slow.call',
          parameters: { i },
        });
        expect(submitted.status).toBe(202);
        ids.push(submitted.body.task_id);
      }
      await b.kill9();
      apis.splice(1, 1);
      const tasks = await completedTasks(a.url, ids, 'every acknowledged task completed');
      expect(tasks).toHaveLength(20);
      const responses = await call<{ total: number }>(a.url, 'GET', '/v1/contracts?session_id=cluster_kill_api&contract_type=RESPONSE');
      expect(responses.body.total).toBe(20);
    } finally {
      agent.reset();
    }
  }, 90_000);

  it('runs a task whose REQUEST a replica committed but never queued (it died in between): completed, one RESPONSE, readable from a replica', async () => {
    const [a] = apis;
    const taskId = await commitWithoutQueueing(database.url, 'cluster_never_queued', 'echo', { text: 'orphan' });
    // A worker's sweep finds it once it is older than WORKER_STALL_MS and queues it.
    const [task] = await completedTasks(a.url, [taskId], 'the never-queued task completed');
    expect(task.result).toEqual({ message: 'Echo: orphan' });
    const contracts = (await call<{ contracts: Contract[] }>(a.url, 'GET', '/v1/contracts?session_id=cluster_never_queued')).body.contracts;
    expect(contracts.filter((contract) => contract.contract_type === 'RESPONSE')).toHaveLength(1);
    // It ran once: no lost attempt on record.
    expect(contracts.find((contract) => contract.contract_type === 'REQUEST')!.metadata.attempts).toEqual([
      expect.objectContaining({ error: null }),
    ]);
    expect(workers.some((worker) => /Put \d+ in_progress tasks? back on the task queue: [1-9]\d* never queued/.test(worker.output()))).toBe(
      true,
    );
  }, 90_000);

  it('puts back a task whose run failed without recording its outcome: the next run records the failed one, one RESPONSE', async () => {
    const [a] = apis;
    // The cluster's workers stop taking tasks; a run that throws, as one does when the store refuses
    // the outcome, takes the task instead.
    const stopped = workers.splice(0);
    await Promise.all(stopped.map((worker) => worker.stop()));
    let taskId: string;
    try {
      const submitted = await call<{ task_id: string }>(a.url, 'POST', '/v1/tasks', {
        session_id: 'cluster_failed_run',
        capability: 'echo',
        parameters: { text: 'again' },
      });
      expect(submitted.status).toBe(202);
      taskId = submitted.body.task_id;
      const broken = new Worker(
        TASK_QUEUE,
        async () => {
          throw new Error('the contract store refused the write');
        },
        { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix: keys.prefix },
      );
      const failed = new Promise<void>((resolve) => broken.once('failed', () => resolve()));
      try {
        await failed;
      } finally {
        await broken.close();
      }
      // No job will run it, and it is not finished.
      expect(['submitted', 'working']).toContain((await call<Task>(a.url, 'GET', `/v1/tasks/${taskId}`)).body.status);
    } finally {
      await Promise.all([startWorker(), startWorker()]);
    }
    const [task] = await completedTasks(a.url, [taskId], 'the task put back and completed');
    expect(task.result).toEqual({ message: 'Echo: again' });
    const contracts = (await call<{ contracts: Contract[] }>(a.url, 'GET', '/v1/contracts?session_id=cluster_failed_run')).body.contracts;
    expect(contracts.filter((contract) => contract.contract_type === 'RESPONSE')).toHaveLength(1);
    expect(contracts.find((contract) => contract.contract_type === 'REQUEST')!.metadata.attempts).toEqual([
      expect.objectContaining({
        error:
          'a run of the task on a worker ended without recording its outcome (the contract store refused the write); the task runs again',
      }),
      expect.objectContaining({ error: null }),
    ]);
  }, 240_000);

  it("holds a remote agent's max_concurrency and QUEUE_MAX across the cluster, whichever replica and worker a task goes through", async () => {
    const [a] = apis;
    let release!: () => void;
    const limited = await startFakeAgent({
      capabilities: ['limited.call'],
      behaviour: { kind: 'hold', until: new Promise((resolve) => (release = () => resolve(undefined))) },
    });
    try {
      const registered = await call(a.url, 'POST', '/v1/agents', limited.registration('agent_limited', { max_concurrency: 2 }));
      expect(registered.status).toBe(201);
      // A replica whose QUEUE_MAX is 5: it counts the tasks every replica accepted.
      const strict = await startServerProcess({ ...env(), QUEUE_MAX: '5' }, 90_000);
      apis.push(strict);
      const submit = (base: string, i: number) =>
        fetch(`${base}/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ session_id: 'cluster_limits', capability: 'limited.call', parameters: { i } }),
        });
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const submitted = await waitFor(async () => {
          const answer = await submit(a.url, i);
          // The workers may not have read the new agent yet.
          return answer.status === 404 ? undefined : answer;
        }, 'the limited agent known to the replica and the workers');
        expect(submitted.status).toBe(202);
        ids.push(((await submitted.json()) as { task_id: string }).task_id);
      }
      // Two calls reach the agent, from whichever workers took them; the five others wait, spread over
      // both workers, and none of them reaches the agent while its two slots are held.
      await waitFor(() => limited.executions.length === 2, 'two calls at the agent');
      await new Promise((resolve) => setTimeout(resolve, 2 * STALL_MS));
      expect(limited.executions).toHaveLength(2);

      const refused = await submit(strict.url, 7);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await refused.json()) as { message: string }).message).toMatch(/already waiting/);

      release();
      const tasks = await completedTasks(strict.url, ids, 'every accepted task completed');
      expect(tasks).toHaveLength(7);
      expect(limited.executions).toHaveLength(7);
      // Once they have started, the strict replica has room again.
      expect((await submit(strict.url, 8)).status).toBe(202);
    } finally {
      release();
      await limited.close();
    }
  }, 240_000);

  // Last: once a key exists, every process asks for one.
  it('lets a key bound to an agent delegate through a replica only for the tasks that agent runs on a worker', async () => {
    const [a] = apis;
    const keysCli = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [`${ROOT}dist/cli/keys.js`, ...args, '--json'],
          { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env() } },
          (error, stdout) => (error ? reject(error) : resolve((JSON.parse(stdout) as { key: string }).key)),
        ),
      );
    const admin = await keysCli(['create', '--name', 'cluster-admin', '--scopes', 'admin']);
    const ownKey = await keysCli(['create', '--name', 'remote-key', '--scopes', 'agent', '--agent', 'agent_remote']);
    const otherKey = await keysCli(['create', '--name', 'other-key', '--scopes', 'agent', '--agent', 'agent_other']);
    await waitFor(async () => (await call(a.url, 'GET', '/v1/tasks')).status === 401, 'the replica to ask for keys');

    const calls: Record<string, { status: number; body: Record<string, unknown> }> = {};
    agent.behave(
      {
        kind: 'answer',
        handler: async (body) => {
          const delegate = (key: string) =>
            call<Record<string, unknown>>(
              a.url,
              'POST',
              `/v1/tasks/${body.task_id}/delegate`,
              { capability: 'echo', parameters: { text: 'k' } },
              key,
            );
          calls.other = await delegate(otherKey);
          calls.own = await delegate(ownKey);
          return { success: true, data: {} };
        },
      },
      'plan.call',
    );
    try {
      const parent = await call<{ success: boolean }>(
        a.url,
        'POST',
        '/v1/orchestrate',
        { session_id: 'cluster_keys', capability: 'plan.call' },
        admin,
      );
      expect(parent).toMatchObject({ status: 200, body: { success: true } });
      expect(calls.other.status).toBe(403);
      expect(calls.other.body.message).toContain("bound to agent 'agent_other'");
      expect(calls.own).toMatchObject({ status: 200, body: { success: true, data: { message: 'Echo: k' } } });
    } finally {
      agent.reset();
    }
  });
});
