import request from 'supertest';
import { MathAgent } from './fixtures/test-agents.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

interface ContractBody {
  contract_id: string;
  session_id: string;
  contract_type: string;
  status: string;
  capability: string;
  to_agent: string;
  from_agent: string;
}

describe('Contracts and sessions (SPEC §4, §5)', () => {
  let t: TestApp;
  const run = (session_id: string, capability: string, parameters: object = {}) =>
    request(t.server).post('/v1/orchestrate').send({ session_id, capability, parameters }).expect(200);

  beforeAll(async () => {
    t = await createTestApp({ providers: [MathAgent] });
    // Three sessions, written in this order: walk_a (10 tasks), walk_b (5 tasks, 2 failing), walk_c (1 task).
    for (let i = 0; i < 10; i++) await run('walk_a', i % 2 ? 'uppercase' : 'echo', { text: `a${i}` });
    for (let i = 0; i < 5; i++) await run('walk_b', i < 2 ? 'math.fail' : 'echo', { text: `b${i}` });
    await run('walk_c', 'math.pi');
  });
  afterAll(async () => {
    await t.close();
  });

  async function walk(path: string, query: Record<string, string | number>, key: string) {
    const seen: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    let pages = 0;
    let total = -1;
    do {
      const res: request.Response = await request(t.server)
        .get(path)
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body[key]);
      total = res.body.total;
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    return { seen, pages, total };
  }

  it('pagination walks the whole list exactly once, oldest first', async () => {
    const all = await request(t.server).get('/v1/contracts').query({ limit: 1000 }).expect(200);
    expect(all.body).toMatchObject({ session_id: null, total: 32, next_cursor: null });
    const { seen, pages, total } = await walk('/v1/contracts', { limit: 7 }, 'contracts');
    expect(total).toBe(32);
    expect(pages).toBe(5);
    expect(seen.map((c) => c.contract_id)).toEqual(all.body.contracts.map((c: ContractBody) => c.contract_id));
    const created = seen.map((c) => c.created_at as string);
    expect([...created].sort()).toEqual(created);
  });

  it('filters combine', async () => {
    const failedRequests = await request(t.server)
      .get('/v1/contracts')
      .query({ session_id: 'walk_b', contract_type: 'REQUEST', status: 'failed' })
      .expect(200);
    expect(failedRequests.body.total).toBe(2);
    expect(
      failedRequests.body.contracts.every(
        (c: ContractBody) => c.contract_type === 'REQUEST' && c.status === 'failed' && c.capability === 'math.fail',
      ),
    ).toBe(true);

    const toMath = await request(t.server).get('/v1/contracts').query({ to_agent: 'agent_math' }).expect(200);
    expect(toMath.body.total).toBe(3);
    const fromMath = await request(t.server).get('/v1/contracts').query({ from_agent: 'agent_math', capability: 'math.pi' }).expect(200);
    expect(fromMath.body.total).toBe(1);
    expect(fromMath.body.contracts[0]).toMatchObject({ contract_type: 'RESPONSE', session_id: 'walk_c' });

    const upperInA = await walk(
      '/v1/contracts',
      { session_id: 'walk_a', capability: 'uppercase', contract_type: 'RESPONSE', limit: 2 },
      'contracts',
    );
    expect(upperInA.total).toBe(5);
    expect(upperInA.seen).toHaveLength(5);
    expect(new Set(upperInA.seen.map((c) => c.contract_id)).size).toBe(5);

    const none = await request(t.server).get('/v1/contracts').query({ session_id: 'walk_c', capability: 'echo' }).expect(200);
    expect(none.body).toEqual({ session_id: 'walk_c', contracts: [], total: 0, next_cursor: null });
  });

  it('sessions are listed newest first and paged', async () => {
    const res = await request(t.server).get('/v1/sessions').expect(200);
    expect(res.body.total).toBe(3);
    expect(res.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual(['walk_c', 'walk_b', 'walk_a']);
    expect(res.body.sessions[2]).toEqual({
      session_id: 'walk_a',
      contract_count: 20,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const { seen, pages } = await walk('/v1/sessions', { limit: 1 }, 'sessions');
    expect(pages).toBe(3);
    expect(seen.map((s) => s.session_id)).toEqual(['walk_c', 'walk_b', 'walk_a']);
  });

  it('a session shows its conversation oldest first, paged', async () => {
    const res = await request(t.server).get('/v1/sessions/walk_b').query({ limit: 4 }).expect(200);
    expect(res.body).toMatchObject({ session_id: 'walk_b', contract_count: 10 });
    expect(res.body.conversation).toHaveLength(4);
    expect(res.body.conversation[0]).toMatchObject({ contract_type: 'REQUEST', capability: 'math.fail' });
    expect(res.body.conversation[1]).toMatchObject({ contract_type: 'RESPONSE', parent_contract_id: res.body.conversation[0].contract_id });
    const next = await request(t.server).get('/v1/sessions/walk_b').query({ limit: 100, cursor: res.body.next_cursor }).expect(200);
    expect(next.body.conversation).toHaveLength(6);
    expect(next.body.next_cursor).toBeNull();
  });

  it('status counts the store', async () => {
    const res = await request(t.server).get('/v1/status').expect(200);
    expect(res.body.contracts).toEqual({ total_sessions: 3, total_contracts: 32, by_status: { completed: 28, failed: 4 } });
    const math = res.body.agents.registered.find((a: { agent_id: string }) => a.agent_id === 'agent_math');
    expect(math).toMatchObject({ tasks_completed: 1, tasks_failed: 2 });
  });

  it('compress builds a local memory block when MEMAGENT_URL is unset', async () => {
    const res = await request(t.server).post('/v1/compress').send({ session_id: 'walk_b', intent: 'Testing' }).expect(200);
    expect(res.body).toMatchObject({ status: 'ok', session_id: 'walk_b', compressed: true });
    const block = res.body.memory_block;
    expect(block).toMatchObject({
      source: 'local',
      events_processed: 10,
      capabilities: { 'math.fail': 2, echo: 3 },
      agents: expect.arrayContaining(['agent_math', 'agent_example_001']),
      failures: [
        expect.objectContaining({ capability: 'math.fail', error: 'division by zero' }),
        expect.objectContaining({ capability: 'math.fail' }),
      ],
    });
    for (const field of ['summary', 'recent_results', 'tokens_in', 'tokens_out', 'compression_ratio', 'compressed_at'])
      expect(block).toHaveProperty(field);
    const again = await request(t.server).post('/v1/compress').send({ session_id: 'walk_b', intent: 'Testing' }).expect(200);
    expect({ ...again.body.memory_block, compressed_at: null }).toEqual({ ...block, compressed_at: null });
  });

  it('compress of an unknown session → 404, bad body → 400', async () => {
    const res = await request(t.server).post('/v1/compress').send({ session_id: 'nobody_here' }).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await request(t.server).post('/v1/compress').send({ session_id: 'x/../y' }).expect(400);
    await request(t.server).post('/v1/compress').send({}).expect(400);
  });
});
