import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { DuplicateExampleAgent, MathAgent } from './fixtures/test-agents.js';

describe('Adding an agent (SPEC §3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ providers: [MathAgent], env: { TASK_TIMEOUT_MS: '200' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is discovered and listed with its capabilities', async () => {
    const res = await request(t.server).get('/v1/agents').expect(200);
    expect(res.body.total).toBe(2);
    const math = res.body.agents.find((a: { agent_id: string }) => a.agent_id === 'agent_math');
    expect(math).toMatchObject({ name: 'Math Agent', version: '2.1.0', status: 'available' });
    expect(math.capabilities.map((c: { name: string }) => c.name)).toEqual(['math.compute', 'math.pi', 'math.fail', 'math.slow']);
    expect(math.capabilities[0].parameters).toEqual({ a: 'number', b: 'number', op: 'string' });
    expect(math.capabilities[0].input_schema.properties.op).toEqual({ type: 'string', enum: ['add', 'mul'] });
    expect(math.capabilities[1].input_schema).toEqual({});
  });

  it('is routable, gets its context, and non-object results are wrapped', async () => {
    const res = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'agents_route', capability: 'math.compute', parameters: { a: 6, b: 7, op: 'mul' }, context: { from: 'test' } })
      .expect(200);
    expect(res.body).toMatchObject({
      success: true,
      agent_id: 'agent_math',
      data: { value: 42, task_id: res.body.contract_id, seen_context: { from: 'test' } },
    });
    const pi = await request(t.server).post('/v1/orchestrate').send({ session_id: 'agents_route', capability: 'math.pi' }).expect(200);
    expect(pi.body.data).toEqual({ result: 3.14 });
  });

  it('validates parameters against its DTO: 400 with the field errors, no contract', async () => {
    const res = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'agents_invalid', capability: 'math.compute', parameters: { a: 'six', op: 'pow' } })
      .expect(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.stringContaining('parameters.a'),
        expect.stringContaining('parameters.b'),
        expect.stringContaining('parameters.op'),
      ]),
    );
    await request(t.server).get('/v1/sessions/agents_invalid').expect(404);
  });

  it('a handler that throws is a failed task; the agent stays in service', async () => {
    const res = await request(t.server).post('/v1/orchestrate').send({ session_id: 'agents_fail', capability: 'math.fail' }).expect(200);
    expect(res.body).toMatchObject({ success: false, data: null, error: 'division by zero', agent_id: 'agent_math' });
    const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'agents_fail' }).expect(200);
    expect(
      contracts.body.contracts.map((c: { contract_type: string; status: string; error: string }) => [c.contract_type, c.status, c.error]),
    ).toEqual([
      ['REQUEST', 'failed', 'division by zero'],
      ['RESPONSE', 'failed', 'division by zero'],
    ]);
    const agents = await request(t.server).get('/v1/agents').expect(200);
    const math = agents.body.agents.find((a: { agent_id: string }) => a.agent_id === 'agent_math');
    expect(math).toMatchObject({ status: 'available', tasks_failed: 1 });
    await request(t.server).post('/v1/orchestrate').send({ session_id: 'agents_fail', capability: 'math.pi' }).expect(200);
  });

  it('a task past TASK_TIMEOUT_MS is aborted and failed', async () => {
    const res = await request(t.server).post('/v1/orchestrate').send({ session_id: 'agents_slow', capability: 'math.slow' }).expect(200);
    expect(res.body).toMatchObject({ success: false, error: 'Task timed out after 200 ms' });
    const req = await request(t.server).get(`/v1/contracts/${res.body.contract_id}`).expect(200);
    expect(req.body).toMatchObject({ status: 'failed', error: 'Task timed out after 200 ms' });
  });

  it('a duplicate agent id stops start-up with a message naming both classes', async () => {
    await expect(createTestApp({ providers: [DuplicateExampleAgent] })).rejects.toThrow(
      /^Duplicate agent id 'agent_example_001': declared by (ExampleAgent and by DuplicateExampleAgent|DuplicateExampleAgent and by ExampleAgent)\./,
    );
  });
});
