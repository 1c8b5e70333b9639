import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import request from 'supertest';
import { DelegatingAgent, gates, LimitedAgent, ProgressAgent } from './fixtures/coordination-agents.js';
import { openSse } from './utils/sse.js';
import { TEST_STORE, testStoreEnv } from './utils/test-database.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('Coordination of in-process agents', () => {
  let t: TestApp;
  let limited: LimitedAgent;

  beforeAll(async () => {
    t = await createTestApp({
      providers: [LimitedAgent, DelegatingAgent, ProgressAgent],
      env: { QUEUE_MAX: '2', QUEUE_TIMEOUT_MS: '20000', DELEGATION_MAX_DEPTH: '2', TASK_TIMEOUT_MS: '20000' },
    });
    limited = t.app.get(LimitedAgent);
  });
  afterAll(async () => {
    await t.close();
  });

  const orchestrate = (body: object) => request(t.server).post('/v1/orchestrate').send(body);
  const submit = (body: object) => request(t.server).post('/v1/tasks').send(body);
  const agent = async (id: string) => {
    const res = await request(t.server).get('/v1/agents').expect(200);
    return res.body.agents.find((a: { agent_id: string }) => a.agent_id === id);
  };
  const task = async (id: string) => (await request(t.server).get(`/v1/tasks/${id}`).expect(200)).body;
  const settled = (id: string) =>
    waitFor(async () => {
      const body = await task(id);
      return ['submitted', 'working'].includes(body.status) ? undefined : body;
    }, `task ${id} to finish`);

  describe('max_concurrency and the queue', () => {
    it('never runs more than the limit; the others wait in order and the agent shows busy', async () => {
      const first = orchestrate({ session_id: 'queue_1', capability: 'limited.hold', parameters: { gate: 'q1' } }).then((r) => r);
      await waitFor(() => gates.waiting('q1') === 1, 'the first task to run');
      const second = orchestrate({ session_id: 'queue_1', capability: 'limited.tag', parameters: { tag: 'after-q1' } }).then((r) => r);
      const third = orchestrate({ session_id: 'queue_1', capability: 'limited.tag', parameters: { tag: 'after-that' } }).then((r) => r);
      const status = await waitFor(async () => {
        const body = (await request(t.server).get('/v1/status').expect(200)).body;
        return body.tasks.queued['limited.tag'] === 2 ? body : undefined;
      }, 'two tasks to queue');
      expect(status.tasks).toEqual({ in_flight: 1, queued: { 'limited.tag': 2 } });
      expect(await agent('agent_limited')).toMatchObject({ status: 'busy', in_flight: 1, max_concurrency: 1 });

      // A fourth caller finds the queue (QUEUE_MAX=2) full.
      const rejected = await orchestrate({ session_id: 'queue_1', capability: 'limited.tag', parameters: { tag: 'rejected' } }).expect(503);
      expect(rejected.headers['retry-after']).toMatch(/^\d+$/);
      expect(rejected.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringContaining('limited.tag'),
      });
      await submit({ session_id: 'queue_1', capability: 'limited.tag', parameters: { tag: 'rejected' } }).expect(503);

      gates.open('q1');
      const [a, b, c] = await Promise.all([first, second, third]);
      expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
      expect(b.body.data).toEqual({ tag: 'after-q1' });
      expect(limited.order.filter((x) => x !== 'rejected').slice(-3)).toEqual(['q1', 'after-q1', 'after-that']);
      expect(limited.order).not.toContain('rejected');
      expect(limited.maxRunning).toBe(1);
      expect(await agent('agent_limited')).toMatchObject({ status: 'available', in_flight: 0 });
      // Rejected calls wrote nothing: 3 tasks, 6 contracts.
      const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'queue_1' }).expect(200);
      expect(contracts.body.total).toBe(6);
    });

    it('a submitted task waits as `submitted`, and can be cancelled while it waits', async () => {
      const holder = await submit({ session_id: 'queue_2', capability: 'limited.hold', parameters: { gate: 'q2' } }).expect(202);
      await waitFor(() => gates.waiting('q2') === 1, 'the holder to run');
      expect(await task(holder.body.task_id)).toMatchObject({ status: 'working', agent_id: 'agent_limited' });

      const queued = await submit({ session_id: 'queue_2', capability: 'limited.tag', parameters: { tag: 'queued' } }).expect(202);
      expect(await task(queued.body.task_id)).toMatchObject({ status: 'submitted' });
      const cancelled = await submit({ session_id: 'queue_2', capability: 'limited.tag', parameters: { tag: 'never' } }).expect(202);
      await request(t.server).post(`/v1/tasks/${cancelled.body.task_id}/cancel`).expect(200);
      expect(await task(cancelled.body.task_id)).toMatchObject({ status: 'cancelled', error: 'Task cancelled' });

      gates.open('q2');
      expect(await settled(holder.body.task_id)).toMatchObject({ status: 'completed', result: { gate: 'q2' } });
      expect(await settled(queued.body.task_id)).toMatchObject({ status: 'completed', result: { tag: 'queued' } });
      expect(limited.order).not.toContain('never');
      expect(limited.maxRunning).toBe(1);
    });
  });

  describe('delegation', () => {
    it('a sub-task the store refuses to record gives its agent slot back', async () => {
      // The store refuses sub-task REQUESTs (as a full disk would) after the sub-task took its slot.
      const allowAgain = await refuseSubtaskRequests(t.dataDir);
      try {
        const res = await orchestrate({ session_id: 'deleg_refused', capability: 'delegate.limited', parameters: {} }).expect(200);
        expect(res.body).toMatchObject({ success: true, data: { refused: expect.stringContaining('could not be recorded') } });
      } finally {
        await allowAgain();
      }
      // The only slot of agent_limited (max_concurrency 1) is free: a task runs at once.
      expect(await agent('agent_limited')).toMatchObject({ in_flight: 0 });
      const direct = await orchestrate({ session_id: 'deleg_refused', capability: 'limited.tag', parameters: { tag: 'after' } }).expect(
        200,
      );
      expect(direct.body).toMatchObject({ success: true, agent_id: 'agent_limited' });
    });

    it('records sub-tasks under the calling REQUEST and returns them as a tree', async () => {
      const res = await orchestrate({ session_id: 'deleg_1', capability: 'chain.outer', parameters: { text: 'hi' } }).expect(200);
      expect(res.body).toMatchObject({
        success: true,
        data: { outer: true, middle: { success: true, data: { middle: { result: 'HI' } }, error: null, agent_id: 'agent_delegator' } },
      });
      const tree = (await request(t.server).get(`/v1/contracts/${res.body.contract_id}/tree`).expect(200)).body;
      expect(tree).toMatchObject({
        contract_id: res.body.contract_id,
        contract_type: 'REQUEST',
        capability: 'chain.outer',
        from_agent: 'orchestrator',
        parent_contract_id: null,
        response: { contract_type: 'RESPONSE', parent_contract_id: res.body.contract_id, status: 'completed' },
      });
      expect(tree.subtasks).toHaveLength(1);
      const middle = tree.subtasks[0];
      expect(middle).toMatchObject({
        capability: 'chain.middle',
        from_agent: 'agent_delegator',
        to_agent: 'agent_delegator',
        parent_contract_id: res.body.contract_id,
        status: 'completed',
        response: { from_agent: 'agent_delegator', to_agent: 'agent_delegator', status: 'completed' },
      });
      expect(middle.contract_id).toEqual(res.body.data.middle.contract_id);
      expect(middle.subtasks).toEqual([
        expect.objectContaining({
          capability: 'uppercase',
          from_agent: 'agent_delegator',
          to_agent: 'agent_example_001',
          parent_contract_id: middle.contract_id,
          result: { result: 'HI' },
          response: expect.objectContaining({ to_agent: 'agent_delegator', result: { result: 'HI' } }),
          subtasks: [],
        }),
      ]);
      // Sub-tasks share the session and the trace.
      const traceId = tree.metadata.traceparent.split('-')[1];
      expect(middle.session_id).toBe('deleg_1');
      expect(middle.metadata.traceparent.split('-')[1]).toBe(traceId);
    });

    it('a cycle on the capability chain ends in a failed sub-task, not a hang', async () => {
      const res = await orchestrate({ session_id: 'deleg_cycle', capability: 'loop.a' }).expect(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data).toMatchObject({
        success: true,
        data: { success: false, error: 'Delegation cycle: loop.a -> loop.b -> loop.a' },
      });
      const tree = (await request(t.server).get(`/v1/contracts/${res.body.contract_id}/tree`).expect(200)).body;
      const refused = tree.subtasks[0].subtasks[0];
      expect(refused).toMatchObject({ capability: 'loop.a', status: 'failed', error: 'Delegation cycle: loop.a -> loop.b -> loop.a' });
      expect(refused.response).toMatchObject({ status: 'failed' });
    });

    it('stops at DELEGATION_MAX_DEPTH', async () => {
      const res = await orchestrate({ session_id: 'deleg_depth', capability: 'depth.1' }).expect(200);
      const bottom = res.body.data.data.data;
      expect(bottom).toMatchObject({
        success: false,
        error: 'Delegation depth limit (DELEGATION_MAX_DEPTH=2) reached: depth.1 -> depth.2 -> depth.3 -> depth.4',
        agent_id: null,
      });
    });

    it('an unknown capability or invalid parameters are failed sub-tasks', async () => {
      const res = await orchestrate({ session_id: 'deleg_bad', capability: 'delegate.bad' }).expect(200);
      expect(res.body.data.unknown).toMatchObject({
        success: false,
        error: "No agent provides capability 'no.such.capability'",
        contract_id: expect.stringMatching(ULID),
      });
      expect(res.body.data.invalid).toMatchObject({
        success: false,
        error: expect.stringContaining('Invalid parameters: parameters.tag must be a string'),
      });
    });

    it('remote agents delegate through POST /v1/tasks/:id/delegate while their task runs', async () => {
      const holder = await submit({ session_id: 'deleg_remote', capability: 'progress.steps', parameters: { gate: 'dr' } }).expect(202);
      const id = holder.body.task_id;
      await waitFor(() => gates.waiting('dr') === 1, 'the task to run');
      const sub = await request(t.server)
        .post(`/v1/tasks/${id}/delegate`)
        .send({ capability: 'uppercase', parameters: { text: 'up' } })
        .expect(200);
      expect(sub.body).toMatchObject({ success: true, data: { result: 'UP' }, agent_id: 'agent_example_001' });
      await request(t.server).post(`/v1/tasks/${id}/delegate`).send({ capability: 7 }).expect(400);
      await request(t.server).post(`/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/delegate`).send({ capability: 'uppercase' }).expect(404);
      gates.open('dr');
      await settled(id);
      await request(t.server).post(`/v1/tasks/${id}/delegate`).send({ capability: 'uppercase' }).expect(404);
      const tree = (await request(t.server).get(`/v1/contracts/${id}/tree`).expect(200)).body;
      expect(tree.subtasks).toEqual([
        expect.objectContaining({ contract_id: sub.body.contract_id, from_agent: 'agent_progress', capability: 'uppercase' }),
      ]);
    });

    it('tree of an unknown id or of a RESPONSE is a 404', async () => {
      await request(t.server).get('/v1/contracts/01ARZ3NDEKTSV4RRFFQ69G5FAV/tree').expect(404);
      const res = await orchestrate({ session_id: 'deleg_404', capability: 'echo', parameters: { text: 'x' } }).expect(200);
      const tree = (await request(t.server).get(`/v1/contracts/${res.body.contract_id}/tree`).expect(200)).body;
      expect(tree).toMatchObject({ subtasks: [], response: { contract_type: 'RESPONSE' } });
      await request(t.server).get(`/v1/contracts/${tree.response.contract_id}/tree`).expect(404);
    });
  });

  describe('GET /v1/tasks/:id/events', () => {
    it('streams state changes and progress in order, with ids, and closes after the final state', async () => {
      const res = await submit({ session_id: 'sse_1', capability: 'progress.steps', parameters: { gate: 's1', steps: 2 } }).expect(202);
      const id = res.body.task_id;
      await waitFor(() => gates.waiting('s1') === 1, 'the task to wait');
      const stream = await openSse(t.server, `/v1/tasks/${id}/events`);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      // A client arriving late gets the current state first, then what followed it.
      const first = await stream.nth(1);
      expect(first).toMatchObject({ event: 'state', data: { task_id: id, status: 'working', agent_id: 'agent_progress' } });
      expect(await stream.nth(3)).toMatchObject({ event: 'progress', data: { task_id: id, progress: { step: 2 } } });
      gates.open('s1');
      await stream.ended;
      const events = stream.events;
      expect(events.map((e) => [e.event, (e.data as { status?: string }).status ?? (e.data as { progress: unknown }).progress])).toEqual([
        ['state', 'working'],
        ['progress', { step: 1 }],
        ['progress', { step: 2 }],
        ['progress', { step: 'last' }],
        ['state', 'completed'],
      ]);
      const ids = events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(events.at(-1)?.data).toMatchObject({ status: 'completed', result: { steps: 2 } });

      // Resume after the second event: only what followed it.
      const resumed = await openSse(t.server, `/v1/tasks/${id}/events`, { 'last-event-id': events[1].id! });
      await resumed.ended;
      expect(resumed.events.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));

      // Late, after the end: the final state, then the stream closes.
      const late = await openSse(t.server, `/v1/tasks/${id}/events`);
      await late.ended;
      expect(late.events).toEqual([expect.objectContaining({ event: 'state', data: expect.objectContaining({ status: 'completed' }) })]);
    });

    it('the full stream from the start shows submitted before working', async () => {
      const holder = await submit({ session_id: 'sse_2', capability: 'limited.hold', parameters: { gate: 's2' } }).expect(202);
      await waitFor(() => gates.waiting('s2') === 1, 'the holder to run');
      const queued = await submit({ session_id: 'sse_2', capability: 'limited.tag', parameters: { tag: 'streamed' } }).expect(202);
      const stream = await openSse(t.server, `/v1/tasks/${queued.body.task_id}/events`, { 'last-event-id': '0' });
      expect(await stream.nth(1)).toMatchObject({ id: '1', event: 'state', data: { status: 'submitted' } });
      gates.open('s2');
      await stream.ended;
      expect(stream.events.map((e) => (e.data as { status: string }).status)).toEqual(['submitted', 'working', 'completed']);
      await settled(holder.body.task_id);
    });

    it('a cancelled task ends its stream with `cancelled`; unknown ids are 404', async () => {
      const res = await submit({ session_id: 'sse_3', capability: 'progress.steps', parameters: { gate: 'never-opened' } }).expect(202);
      const stream = await openSse(t.server, `/v1/tasks/${res.body.task_id}/events`);
      await stream.nth(1);
      await request(t.server).post(`/v1/tasks/${res.body.task_id}/cancel`).expect(200);
      await stream.ended;
      expect(stream.events.at(-1)).toMatchObject({ event: 'state', data: { status: 'cancelled', error: 'Task cancelled' } });

      const missing = await request(t.server).get('/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/events').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, message: expect.stringContaining('not found') });
    });
  });
});

describe('Queue timeout (QUEUE_TIMEOUT_MS)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ providers: [LimitedAgent], env: { QUEUE_TIMEOUT_MS: '200', TASK_TIMEOUT_MS: '20000' } });
  });
  afterAll(async () => {
    gates.open('qt');
    await t.close();
  });

  it('a caller that waits too long gets 503 with Retry-After and nothing is written; a waiting submitted task fails', async () => {
    const holder = await request(t.server)
      .post('/v1/tasks')
      .send({ session_id: 'qt_hold', capability: 'limited.hold', parameters: { gate: 'qt' } })
      .expect(202);
    await waitFor(() => gates.waiting('qt') === 1, 'the holder to run');

    const waited = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'qt_sync', capability: 'limited.tag', parameters: { tag: 'late' } })
      .expect(503);
    expect(waited.headers['retry-after']).toMatch(/^\d+$/);
    expect(waited.body.message).toMatch(/became free within 200 ms/);
    await request(t.server).get('/v1/sessions/qt_sync').expect(404);

    const queued = await request(t.server)
      .post('/v1/tasks')
      .send({ session_id: 'qt_async', capability: 'limited.tag', parameters: { tag: 'late' } })
      .expect(202);
    const failed = await waitFor(async () => {
      const body = (await request(t.server).get(`/v1/tasks/${queued.body.task_id}`).expect(200)).body;
      return body.status === 'failed' ? body : undefined;
    }, 'the queued task to fail');
    expect(failed.error).toMatch(/became free within 200 ms/);

    gates.open('qt');
    await waitFor(
      async () => (await request(t.server).get(`/v1/tasks/${holder.body.task_id}`).expect(200)).body.status === 'completed',
      'the holder to finish',
    );
  });
});

/** Makes the store of `dataDir` refuse to insert sub-task REQUESTs, with a trigger; resolves with the undo. */
async function refuseSubtaskRequests(dataDir: string): Promise<() => Promise<void>> {
  if (TEST_STORE === 'sqlite') {
    const db = new Database(join(dataDir, 'orchestrator.db'));
    db.pragma('busy_timeout = 5000');
    db.exec(
      "CREATE TRIGGER refuse_subtask BEFORE INSERT ON contracts WHEN NEW.parent_contract_id IS NOT NULL AND NEW.contract_type = 'REQUEST' BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    return async () => {
      db.exec('DROP TRIGGER refuse_subtask');
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: (await testStoreEnv(dataDir)).DATABASE_URL });
  await client.connect();
  await client.query("CREATE FUNCTION refuse_subtask() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$");
  await client.query(
    "CREATE TRIGGER refuse_subtask BEFORE INSERT ON contracts FOR EACH ROW WHEN (NEW.parent_contract_id IS NOT NULL AND NEW.contract_type = 'REQUEST') EXECUTE FUNCTION refuse_subtask()",
  );
  return async () => {
    await client.query('DROP TRIGGER refuse_subtask ON contracts');
    await client.query('DROP FUNCTION refuse_subtask()');
    await client.end();
  };
}
