import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startA2aServer } from './fixtures/a2a-server.js';
import { gates, ProgressAgent } from './fixtures/coordination-agents.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { startServerProcess, type ServerProcess } from './utils/server-process.js';
import { listening, openSse, type SseStream } from './utils/sse.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

/** A promise the test resolves itself: the fake agent holds every call until then. */
function gate(): { until: Promise<void>; open(): void } {
  let open!: () => void;
  const until = new Promise<void>((resolve) => (open = resolve));
  return { until, open };
}

/** Runs `count` calls of `submit`, `concurrency` at a time; resolves with their results in order. */
async function inBatches<T>(count: number, concurrency: number, submit: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, (_, k) => submit(start + k));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** Submits `count` tasks of `capability` (POST /v1/tasks, `concurrency` at a time, 10 sessions); resolves with their ids. */
function submitTasks(
  server: TestApp['server'],
  count: number,
  concurrency: number,
  capability: string,
  parameters: (i: number) => Record<string, unknown>,
): Promise<string[]> {
  return inBatches(count, concurrency, async (i) => {
    const res = await request(server)
      .post('/v1/tasks')
      .send({ session_id: `${capability.replace(/\W/g, '_')}_${i % 10}`, capability, parameters: parameters(i) })
      .expect(202);
    return res.body.task_id as string;
  });
}

describe('Long tasks: many slow agent calls in flight at once', () => {
  let agent: FakeAgent;

  beforeEach(async () => {
    agent = await startFakeAgent({ capabilities: ['slow.call'] });
  });
  afterEach(async () => {
    await agent.close();
  });

  describe('in one process with the default settings', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { TASK_TIMEOUT_MS: '120000' }, providers: [ProgressAgent] });
    });
    afterAll(async () => {
      await t.close();
    });

    it('600 held calls all reach the agent at once (no socket pool in between); all complete, none fails, the breaker stays closed', async () => {
      const held = gate();
      agent.behave({ kind: 'hold', until: held.until });
      const registered = await request(t.server)
        .post('/v1/agents')
        .send(agent.registration('agent_slow', { max_concurrency: 100_000 }))
        .expect(201);
      expect(registered.body.max_concurrency).toBe(100_000);
      // Bounded only by what this machine lets one process hold (thousands).
      expect(registered.body.effective_max_concurrency).toBeGreaterThanOrEqual(600);

      const ids = await submitTasks(t.server, 600, 50, 'slow.call', (n) => ({ n }));
      // Every call is at the agent while none has been answered: nothing waits in a connection pool.
      await waitFor(() => agent.executions.length === 600, '600 calls in flight at the agent');
      const during = (await request(t.server).get('/v1/status').expect(200)).body;
      expect(during.tasks).toMatchObject({ in_flight: 600, queued: {} });

      held.open();
      await waitFor(async () => {
        const body = (await request(t.server).get('/v1/agents').expect(200)).body;
        const slow = body.agents.find((a: { agent_id: string }) => a.agent_id === 'agent_slow');
        return slow.tasks_completed === 600 ? slow : undefined;
      }, 'all 600 tasks to complete');
      const agents = (await request(t.server).get('/v1/agents').expect(200)).body.agents;
      expect(agents.find((a: { agent_id: string }) => a.agent_id === 'agent_slow')).toMatchObject({
        status: 'available',
        in_flight: 0,
        tasks_completed: 600,
        tasks_failed: 0,
      });
      // The agent's count moves when it answers; the task is completed once its outcome is committed.
      for (const id of [ids[0], ids[299], ids[599]]) {
        const task = await waitFor(async () => {
          const body = (await request(t.server).get(`/v1/tasks/${id}`).expect(200)).body as { status: string };
          return body.status === 'working' ? undefined : body;
        }, `task ${id} to be recorded`);
        expect(task).toMatchObject({ status: 'completed' });
      }
    }, 180_000);

    it('1 000 clients follow waiting tasks over SSE at once: each stream starts with the state and ends with completed', async () => {
      const held = gate();
      agent.behave({ kind: 'hold', until: held.until });
      await request(t.server)
        .post('/v1/agents')
        // A capability of its own: the agent of the test above (now closed) provides slow.call.
        .send(agent.registration('agent_streamed', { max_concurrency: 100_000, capabilities: [{ name: 'streamed.call' }] }))
        .expect(201);
      const ids = await submitTasks(t.server, 1000, 50, 'streamed.call', (n) => ({ n }));
      await waitFor(() => agent.executions.length >= 1000, '1 000 calls in flight at the agent');
      await listening(t.server);
      const streams: SseStream[] = await inBatches(1000, 100, async (i) => {
        const stream = await openSse(t.server, `/v1/tasks/${ids[i]}/events`);
        expect(stream.status).toBe(200);
        expect(await stream.nth(1)).toMatchObject({ event: 'state', data: { task_id: ids[i], status: 'working' } });
        return stream;
      });
      // With every stream open and waiting, the server still answers.
      expect((await request(t.server).get('/v1/status').expect(200)).body.tasks).toMatchObject({ in_flight: 1000 });

      held.open();
      await Promise.all(streams.map((stream) => stream.ended));
      for (const [i, stream] of streams.entries()) {
        expect(stream.events.at(-1)).toMatchObject({ event: 'state', data: { task_id: ids[i], status: 'completed' } });
      }
    }, 180_000);

    it('2 000 in-process handlers awaiting at once: all run at once, none queued, all complete', async () => {
      const ids = await submitTasks(t.server, 2000, 100, 'progress.steps', () => ({ gate: 'inproc_many' }));
      await waitFor(() => gates.waiting('inproc_many') === 2000, '2 000 handlers waiting');
      expect((await request(t.server).get('/v1/status').expect(200)).body.tasks).toMatchObject({ in_flight: 2000, queued: {} });
      gates.open('inproc_many');
      await waitFor(async () => {
        const body = (await request(t.server).get('/v1/status').expect(200)).body;
        return body.tasks.in_flight === 0;
      }, 'all 2 000 tasks to end');
      for (const id of [ids[0], ids[999], ids[1999]]) {
        expect((await request(t.server).get(`/v1/tasks/${id}`).expect(200)).body).toMatchObject({ status: 'completed' });
      }
    }, 180_000);

    it('300 calls to an A2A agent all reach it at once; cancelled, they leave it in service', async () => {
      const a2a = await startA2aServer();
      try {
        await request(t.server).post('/v1/agents').send({ agent_card_url: a2a.cardUrl, agent_id: 'agent_a2a_many' }).expect(201);
        const ids = await inBatches(300, 50, async (i) => {
          const res = await request(t.server)
            .post('/v1/tasks')
            .send({ session_id: `a2a_many_${i % 10}`, capability: 'slow' })
            .expect(202);
          return res.body.task_id as string;
        });
        await waitFor(() => a2a.running() === 300, '300 tasks running at the A2A agent');
        await inBatches(300, 50, (i) => request(t.server).post(`/v1/tasks/${ids[i]}/cancel`).expect(200));
        await waitFor(() => a2a.running() === 0, 'the A2A agent to stop them');
        const listed = (await request(t.server).get('/v1/agents').expect(200)).body.agents;
        expect(listed.find((a: { agent_id: string }) => a.agent_id === 'agent_a2a_many')).toMatchObject({
          status: 'available',
          in_flight: 0,
        });
      } finally {
        await a2a.close();
      }
    }, 180_000);
  });

  describe('when the process cannot hold that many connections', () => {
    let server: ServerProcess | undefined;
    // A store of its own: the working directory's ./data would keep the agent of an earlier run.
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-long-tasks-'));
    });
    afterEach(async () => {
      await server?.stop();
      server = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('the bound shows at registration and in /v1/agents, and the calls beyond it wait in the queue, not in a socket pool', async () => {
      // 1 000 open files: a quarter (250) stays for the process, 750 connections for agents.
      server = await startServerProcess({ DATA_DIR: dataDir, TASK_TIMEOUT_MS: '120000', QUEUE_TIMEOUT_MS: '120000' }, 30_000, {
        openFiles: 1000,
      });
      const base = server.url;
      const post = (path: string, body: object) =>
        fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const held = gate();
      agent.behave({ kind: 'hold', until: held.until });
      const registered = await post('/v1/agents', agent.registration('agent_bounded', { max_concurrency: 100_000 }));
      expect(registered.status).toBe(201);
      expect(await registered.json()).toMatchObject({ max_concurrency: 100_000, effective_max_concurrency: 750 });
      expect(server.output()).toContain('Calls to agents in flight at once: at most 750, bound by file descriptors (ulimit -n 1000)');
      expect(server.output()).toContain(
        "Agent 'agent_bounded': max_concurrency 100000 is more calls than this process can hold connections for",
      );

      await inBatches(800, 10, async (i) => {
        const res = await post('/v1/tasks', { session_id: 'bounded', capability: 'slow.call', parameters: { i } });
        expect(res.status).toBe(202);
      });
      const status = await waitFor(async () => {
        const body = (await (await fetch(`${base}/v1/status`)).json()) as { tasks: { queued: Record<string, number> } };
        return body.tasks.queued['slow.call'] === 50 && agent.executions.length === 750 ? body : undefined;
      }, '750 calls at the agent and 50 in the queue');
      expect(status.tasks).toMatchObject({ in_flight: 800, queued: { 'slow.call': 50 } });

      held.open();
      await waitFor(async () => {
        const body = (await (await fetch(`${base}/v1/agents`)).json()) as { agents: Array<{ agent_id: string; tasks_completed: number }> };
        return body.agents.find((a) => a.agent_id === 'agent_bounded')?.tasks_completed === 800;
      }, 'all 800 tasks to complete');
      expect(agent.executions).toHaveLength(800);
    }, 180_000);
  });
});
