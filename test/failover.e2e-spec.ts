import request from 'supertest';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

interface Attempt {
  agent_id: string;
  started_at: string;
  duration_ms: number;
  error: string | null;
}

describe('Remote agents: failover, attempts, circuit breaker, limits', () => {
  let t: TestApp;
  const agents: FakeAgent[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { TASK_MAX_ATTEMPTS: '3', AGENT_COOLDOWN_MS: '60000', TASK_TIMEOUT_MS: '10000' } });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  /** Starts fake agents providing `capability` and registers them, in order. */
  async function team(capability: string, ids: string[], overrides: Record<string, unknown> = {}): Promise<FakeAgent[]> {
    const started: FakeAgent[] = [];
    for (const id of ids) {
      const agent = await startFakeAgent({ capabilities: [capability] });
      agents.push(agent);
      started.push(agent);
      await request(t.server).post('/v1/agents').send(agent.registration(id, overrides)).expect(201);
    }
    return started;
  }
  const orchestrate = (session_id: string, capability: string, parameters: object = { n: 1 }) =>
    request(t.server).post('/v1/orchestrate').send({ session_id, capability, parameters });
  const requestOf = async (contractId: string) => (await request(t.server).get(`/v1/contracts/${contractId}`).expect(200)).body;
  const agentView = async (id: string) =>
    (await request(t.server).get('/v1/agents').expect(200)).body.agents.find((a: { agent_id: string }) => a.agent_id === id);

  it('a 500 from the first agent fails over to the next; every attempt is in metadata.attempts', async () => {
    const [first, second] = await team('fo.basic', ['fo_basic_a', 'fo_basic_b']);
    first.behave({ kind: 'status', status: 500 });
    const res = await orchestrate('fo_1', 'fo.basic').expect(200);
    expect(res.body).toMatchObject({ success: true, agent_id: 'fo_basic_b', data: { echo: { n: 1 }, capability: 'fo.basic' } });
    const req = await requestOf(res.body.contract_id);
    expect(req).toMatchObject({ status: 'completed', to_agent: 'fo_basic_b' });
    const attempts = req.metadata.attempts as Attempt[];
    expect(attempts).toEqual([
      {
        agent_id: 'fo_basic_a',
        started_at: expect.any(String),
        duration_ms: expect.any(Number),
        error: expect.stringMatching(/fo_basic_a.*500/),
      },
      { agent_id: 'fo_basic_b', started_at: expect.any(String), duration_ms: expect.any(Number), error: null },
    ]);
    // Both agents got the same task id.
    expect(first.executions[0].body.task_id).toBe(res.body.contract_id);
    expect(second.executions[0].body.task_id).toBe(res.body.contract_id);
    const response = (await request(t.server).get('/v1/contracts').query({ session_id: 'fo_1', contract_type: 'RESPONSE' }).expect(200))
      .body.contracts[0];
    expect(response).toMatchObject({ from_agent: 'fo_basic_b', status: 'completed' });
  });

  it('an agent that dies mid-request, or answers garbage, is failed over too', async () => {
    const [dying, garbage, healthy] = await team('fo.mid', ['fo_mid_a', 'fo_mid_b', 'fo_mid_c']);
    dying.behave({ kind: 'slow', delayMs: 100, next: { kind: 'die' } });
    garbage.behave({ kind: 'garbage' });
    const res = await orchestrate('fo_2', 'fo.mid').expect(200);
    expect(res.body).toMatchObject({ success: true, agent_id: 'fo_mid_c' });
    const attempts = (await requestOf(res.body.contract_id)).metadata.attempts as Attempt[];
    expect(attempts.map((a) => [a.agent_id, a.error === null])).toEqual([
      ['fo_mid_a', false],
      ['fo_mid_b', false],
      ['fo_mid_c', true],
    ]);
    expect(attempts[1].error).toMatch(/not \{success, data\?, error\?\}|not JSON|<html/i);
    expect(healthy.executions).toHaveLength(1);
  });

  it('stops after TASK_MAX_ATTEMPTS: a failed task with the last error, never a 5xx', async () => {
    const [a, b, c, d] = await team('fo.all', ['fo_all_a', 'fo_all_b', 'fo_all_c', 'fo_all_d']);
    a.behave({ kind: 'status', status: 502 });
    b.behave({ kind: 'die' });
    c.behave({ kind: 'wrong-shape' });
    const res = await orchestrate('fo_3', 'fo.all').expect(200);
    expect(res.body).toMatchObject({ success: false, data: null, error: expect.stringMatching(/fo_all_c.*not \{success/) });
    const req = await requestOf(res.body.contract_id);
    expect(req.status).toBe('failed');
    expect((req.metadata.attempts as Attempt[]).map((x) => x.agent_id)).toEqual(['fo_all_a', 'fo_all_b', 'fo_all_c']);
    expect(d.executions).toHaveLength(0);
  });

  it('never tries an agent twice: with every capable agent failed, the task ends with the last failure', async () => {
    const [a, b] = await team('fo.twice', ['fo_twice_a', 'fo_twice_b']);
    a.behave({ kind: 'status', status: 500 });
    b.behave({ kind: 'status', status: 503 });
    const res = await orchestrate('fo_3b', 'fo.twice').expect(200);
    expect(res.body).toMatchObject({ success: false, error: expect.stringMatching(/fo_twice_b.*503/) });
    expect(((await requestOf(res.body.contract_id)).metadata.attempts as Attempt[]).map((x) => x.agent_id)).toEqual([
      'fo_twice_a',
      'fo_twice_b',
    ]);
    expect(a.executions).toHaveLength(1);
    expect(b.executions).toHaveLength(1);
  });

  it('success:false is an answer: not retried on another agent', async () => {
    const [a, b] = await team('fo.answer', ['fo_answer_a', 'fo_answer_b']);
    a.behave({ kind: 'fail', error: 'no such document' });
    const res = await orchestrate('fo_4', 'fo.answer').expect(200);
    expect(res.body).toMatchObject({ success: false, error: 'no such document', agent_id: 'fo_answer_a' });
    expect(b.executions).toHaveLength(0);
    expect(((await requestOf(res.body.contract_id)).metadata.attempts as Attempt[]).length).toBe(1);
  });

  it('a remote agent never runs more than its max_concurrency; the others wait for it', async () => {
    const [slow] = await team('fo.limit', ['fo_limit_a'], { max_concurrency: 1 });
    slow.behave({ kind: 'slow', delayMs: 150 });
    let maxInFlight = 0;
    let running = true;
    const watch = (async () => {
      while (running) {
        maxInFlight = Math.max(maxInFlight, (await agentView('fo_limit_a')).in_flight);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const results = await Promise.all([1, 2, 3].map((n) => orchestrate('fo_5', 'fo.limit', { n })));
    running = false;
    await watch;
    expect(results.map((r) => r.body.success)).toEqual([true, true, true]);
    expect(maxInFlight).toBe(1);
    // The agent saw its calls one after another: each started after the previous answer.
    const starts = slow.executions.map((e) => e.body.parameters.n as number);
    expect(starts.sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it('cancelling a submitted task aborts the HTTP call to the remote agent', async () => {
    const [slow] = await team('fo.cancel', ['fo_cancel_a']);
    slow.behave({ kind: 'slow', delayMs: 30_000 });
    const submitted = await request(t.server).post('/v1/tasks').send({ session_id: 'fo_6', capability: 'fo.cancel' }).expect(202);
    await waitFor(() => slow.executions.length === 1, 'the agent to be called');
    await request(t.server).post(`/v1/tasks/${submitted.body.task_id}/cancel`).expect(200);
    await waitFor(() => slow.executions[0].aborted, 'the HTTP call to be aborted');
    expect((await request(t.server).get(`/v1/tasks/${submitted.body.task_id}`).expect(200)).body).toMatchObject({ status: 'cancelled' });
  });
});

describe('Remote agents: circuit breaker (AGENT_COOLDOWN_MS)', () => {
  let t: TestApp;
  let agent: FakeAgent;

  beforeAll(async () => {
    t = await createTestApp({ env: { TASK_MAX_ATTEMPTS: '1', AGENT_COOLDOWN_MS: '400' } });
    agent = await startFakeAgent({ capabilities: ['flaky.work'] });
    await request(t.server).post('/v1/agents').send(agent.registration('flaky_agent')).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  const orchestrate = () => request(t.server).post('/v1/orchestrate').send({ session_id: 'breaker', capability: 'flaky.work' });
  const status = async () =>
    (await request(t.server).get('/v1/agents').expect(200)).body.agents.find((a: { agent_id: string }) => a.agent_id === 'flaky_agent')
      .status;

  it('opens after 5 transport failures in a row, lets one trial through after the cooldown, and closes on success', async () => {
    agent.behave({ kind: 'status', status: 503 });
    for (let i = 0; i < 5; i++) {
      const res = await orchestrate().expect(200);
      expect(res.body.success).toBe(false);
    }
    expect(await status()).toBe('error');
    expect(agent.executions).toHaveLength(5);

    // Open: not routed to; the caller is told to come back later.
    const refused = await orchestrate().expect(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(agent.executions).toHaveLength(5);

    // A failed trial opens it again.
    await waitFor(async () => (await orchestrate()).status === 200, 'the trial after the cooldown');
    expect(agent.executions).toHaveLength(6);
    expect(await status()).toBe('error');

    // Only one trial at a time: a caller arriving while it runs is refused, and only the trial reaches the agent.
    agent.behave({ kind: 'slow', delayMs: 300, next: { kind: 'status', status: 503 } });
    const pair = await waitFor(async () => {
      const both = await Promise.all([orchestrate(), orchestrate()]);
      return both.some((res) => res.status === 200) ? both : undefined;
    }, 'a trial after the cooldown');
    expect(pair.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 503]);
    expect(agent.executions).toHaveLength(7);
    expect(await status()).toBe('error');

    // A successful trial closes it.
    agent.behave({ kind: 'answer' });
    const ok = await waitFor(async () => {
      const res = await orchestrate();
      return res.status === 200 ? res : undefined;
    }, 'the next trial');
    expect(ok.body.success).toBe(true);
    expect(await status()).toBe('available');
    await orchestrate().expect(200);
    expect(agent.executions).toHaveLength(9);
  });
});
