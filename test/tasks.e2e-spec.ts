import { rmSync } from 'node:fs';
import request from 'supertest';
import { MathAgent } from './fixtures/test-agents.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

describe('Asynchronous tasks: POST /v1/tasks, GET /v1/tasks/:id', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ providers: [MathAgent], env: { TASK_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const submit = (body: object) => request(t.server).post('/v1/tasks').send(body);
  const finished = (taskId: string) =>
    waitFor(async () => {
      const res = await request(t.server).get(`/v1/tasks/${taskId}`).expect(200);
      return res.body.status === 'working' ? undefined : res.body;
    }, `task ${taskId} to finish`);

  it('answers 202 with the task id, then shows the result', async () => {
    const res = await submit({ session_id: 'tasks_1', capability: 'echo', parameters: { text: 'later' } }).expect(202);
    expect(res.body).toEqual({ task_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), status: 'submitted' });
    const task = await finished(res.body.task_id);
    expect(task).toEqual({
      task_id: res.body.task_id,
      session_id: 'tasks_1',
      capability: 'echo',
      agent_id: 'agent_example_001',
      status: 'completed',
      result: { message: 'Echo: later' },
      error: null,
      created_at: expect.any(String),
      completed_at: expect.any(String),
    });
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'tasks_1' }).expect(200);
    expect(contracts.body.contracts.map((c: { contract_type: string }) => c.contract_type)).toEqual(['REQUEST', 'RESPONSE']);
  });

  it('shows a running task as working, and a timed-out one as failed', async () => {
    const res = await submit({ session_id: 'tasks_2', capability: 'math.slow' }).expect(202);
    const running = await request(t.server).get(`/v1/tasks/${res.body.task_id}`).expect(200);
    expect(running.body).toMatchObject({ status: 'working', result: null, completed_at: null });
    const task = await finished(res.body.task_id);
    expect(task).toMatchObject({ status: 'failed', error: 'Task timed out after 1000 ms' });
  });

  it('a handler that throws is a failed task', async () => {
    const res = await submit({ session_id: 'tasks_3', capability: 'math.fail' }).expect(202);
    expect(await finished(res.body.task_id)).toMatchObject({ status: 'failed', error: 'division by zero' });
  });

  it('rejects what orchestrate rejects, before writing anything', async () => {
    await submit({ session_id: 'tasks_bad', capability: 'teleport' }).expect(404);
    await submit({ session_id: 'tasks_bad', capability: 'math.compute', parameters: { a: 'x' } }).expect(400);
    await submit({ session_id: '../x', capability: 'echo' }).expect(400);
    await request(t.server).get('/v1/sessions/tasks_bad').expect(404);
  });

  it('404 for an unknown task or a RESPONSE id', async () => {
    await request(t.server).get('/v1/tasks/01JDQ3V6T4W5X6Y7Z8A9B0C1D2').expect(404);
    const res = await submit({ session_id: 'tasks_4', capability: 'echo' }).expect(202);
    await finished(res.body.task_id);
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'tasks_4', contract_type: 'RESPONSE' }).expect(200);
    const missing = await request(t.server).get(`/v1/tasks/${contracts.body.contracts[0].contract_id}`).expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404, message: expect.stringContaining('not found') });
  });

  it('cancel aborts a running task; cancelling again answers the same; a finished task is a 409', async () => {
    const res = await submit({ session_id: 'tasks_cancel', capability: 'math.slow' }).expect(202);
    const cancelled = await request(t.server).post(`/v1/tasks/${res.body.task_id}/cancel`).expect(200);
    expect(cancelled.body).toMatchObject({
      task_id: res.body.task_id,
      status: 'cancelled',
      error: 'Task cancelled',
      completed_at: expect.any(String),
    });
    const again = await request(t.server).post(`/v1/tasks/${res.body.task_id}/cancel`).expect(200);
    expect(again.body).toEqual(cancelled.body);
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'tasks_cancel' }).expect(200);
    expect(contracts.body.contracts.map((c: { contract_type: string; status: string }) => [c.contract_type, c.status])).toEqual([
      ['REQUEST', 'cancelled'],
      ['RESPONSE', 'cancelled'],
    ]);

    const done = await submit({ session_id: 'tasks_cancel', capability: 'echo' }).expect(202);
    await finished(done.body.task_id);
    const conflict = await request(t.server).post(`/v1/tasks/${done.body.task_id}/cancel`).expect(409);
    expect(conflict.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      message: expect.stringContaining('already finished (completed)'),
    });
    await request(t.server).post('/v1/tasks/01JDQ3V6T4W5X6Y7Z8A9B0C1D2/cancel').expect(404);
  });

  it('closing the app lets a submitted task finish and record its outcome', async () => {
    const own = await createTestApp({ providers: [MathAgent], env: { TASK_TIMEOUT_MS: '300' } });
    const res = await request(own.server).post('/v1/tasks').send({ session_id: 'tasks_close', capability: 'math.slow' }).expect(202);
    await own.close({ keepData: true });
    const reopened = await createTestApp({ providers: [MathAgent], env: { DATA_DIR: own.dataDir } });
    try {
      const task = await request(reopened.server).get(`/v1/tasks/${res.body.task_id}`).expect(200);
      expect(task.body).toMatchObject({ status: 'failed', error: 'Task timed out after 300 ms' });
    } finally {
      await reopened.close();
      rmSync(own.dataDir, { recursive: true, force: true });
    }
  });
});
