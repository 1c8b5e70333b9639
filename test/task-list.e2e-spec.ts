import request from 'supertest';
import { MathAgent } from './fixtures/test-agents.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

interface ListedTask {
  task_id: string;
  session_id: string;
  capability: string;
  status: string;
}

describe('GET /v1/tasks: the task list', () => {
  let t: TestApp;
  /** Task ids in the order they were submitted. */
  const submitted: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ providers: [MathAgent] });
    const plan: Array<[string, string, object]> = [
      ['list_a', 'echo', { text: 'one' }],
      ['list_a', 'uppercase', { text: 'two' }],
      ['list_b', 'echo', { text: 'three' }],
      ['list_b', 'math.fail', {}],
      ['list_a', 'echo', { text: 'five' }],
    ];
    for (const [session_id, capability, parameters] of plan) {
      const res = await request(t.server).post('/v1/orchestrate').send({ session_id, capability, parameters }).expect(200);
      submitted.push(res.body.contract_id as string);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (query: Record<string, string | number> = {}) => request(t.server).get('/v1/tasks').query(query);

  it('lists every task newest first, in the shape of GET /v1/tasks/:id', async () => {
    const res = await list().expect(200);
    expect(res.body.total).toBe(5);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.tasks.map((task: ListedTask) => task.task_id)).toEqual([...submitted].reverse());
    const one = await request(t.server).get(`/v1/tasks/${submitted[0]}`).expect(200);
    expect(res.body.tasks[4]).toEqual(one.body);
  });

  it('filters by status, capability and session_id, combined with AND', async () => {
    const ids = async (query: Record<string, string>) =>
      ((await list(query).expect(200)).body.tasks as ListedTask[]).map((task) => task.task_id);
    expect(await ids({ session_id: 'list_a' })).toEqual([submitted[4], submitted[1], submitted[0]]);
    expect(await ids({ capability: 'echo' })).toEqual([submitted[4], submitted[2], submitted[0]]);
    expect(await ids({ capability: 'echo', session_id: 'list_b' })).toEqual([submitted[2]]);
    expect(await ids({ status: 'failed' })).toEqual([submitted[3]]);
    expect(await ids({ status: 'completed', session_id: 'list_b' })).toEqual([submitted[2]]);
    expect(await ids({ status: 'working' })).toEqual([]);
    expect(await ids({ session_id: 'nobody' })).toEqual([]);
  });

  it('pages with next_cursor: every task exactly once, totals steady', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await list(cursor === undefined ? { limit: 2 } : { limit: 2, cursor }).expect(200);
      expect(res.body.total).toBe(5);
      seen.push(...(res.body.tasks as ListedTask[]).map((task) => task.task_id));
      cursor = res.body.next_cursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([...submitted].reverse());
  });

  it('shows a running task as working (and finds it with status=submitted or working) until it ends', async () => {
    const accepted = await request(t.server).post('/v1/tasks').send({ session_id: 'list_slow', capability: 'math.slow' }).expect(202);
    const taskId = accepted.body.task_id as string;
    for (const status of ['working', 'submitted']) {
      const res = await list({ status }).expect(200);
      expect(res.body.tasks).toEqual([expect.objectContaining({ task_id: taskId, session_id: 'list_slow', capability: 'math.slow' })]);
    }
    await waitFor(async () => ((await list({ limit: 1 })).body.tasks[0]?.status === 'working' ? true : undefined), 'the task to run');
    await request(t.server).post(`/v1/tasks/${taskId}/cancel`).expect(200);
    const res = await list({ status: 'cancelled' }).expect(200);
    expect(res.body.tasks.map((task: ListedTask) => task.task_id)).toEqual([taskId]);
  });

  it.each<[string, Record<string, string>]>([
    ['an unknown status', { status: 'done' }],
    ['a contract status', { status: 'in_progress' }],
    ['a bad session_id', { session_id: '../etc' }],
    ['a limit of 0', { limit: '0' }],
    ['a limit over the maximum', { limit: '1001' }],
    ['a limit that is not a number', { limit: 'ten' }],
    ['a garbage cursor', { cursor: 'not a cursor!' }],
    ['a capability that is too long', { capability: 'x'.repeat(200) }],
  ])('answers 400 for %s', async (_name, query) => {
    const res = await list(query).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('answers 400 for a cursor of the contract list (it runs the other way)', async () => {
    const contracts = await request(t.server).get('/v1/contracts').query({ limit: 1 }).expect(200);
    await list({ cursor: contracts.body.next_cursor as string }).expect(400);
  });

  it('is documented in OpenAPI with its filters and answers', async () => {
    const doc = (await request(t.server).get('/docs-json').expect(200)).body;
    const get = doc.paths['/v1/tasks'].get;
    expect(get.summary).toBe('List tasks');
    expect(get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'capability', 'session_id', 'limit', 'cursor']),
    );
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(doc.components.schemas.TaskListResponseDto.required).toEqual(expect.arrayContaining(['tasks', 'total', 'next_cursor']));
  });
});

describe('GET /v1/sessions?session_id_prefix', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    for (const session_id of ['proj_a.1', 'proj_a.2', 'proj_b.1', 'other']) {
      await request(t.server)
        .post('/v1/orchestrate')
        .send({ session_id, capability: 'echo', parameters: { text: session_id } })
        .expect(200);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists only the sessions whose id starts with the prefix, newest first, and counts them', async () => {
    const res = await request(t.server).get('/v1/sessions').query({ session_id_prefix: 'proj_a' }).expect(200);
    expect(res.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['proj_a.2', 'proj_a.1']);
    expect(res.body.total).toBe(2);
    const all = await request(t.server).get('/v1/sessions').expect(200);
    expect(all.body.total).toBe(4);
  });

  it.each(['', '../x', '.hidden', 'a b', 'x'.repeat(129)])('answers 400 for the prefix %j', async (prefix) => {
    await request(t.server).get('/v1/sessions').query({ session_id_prefix: prefix }).expect(400);
  });
});
