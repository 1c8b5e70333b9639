import { rmSync } from 'node:fs';
import fc from 'fast-check';
import request from 'supertest';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { closedPortUrl, startServer, type RealServer } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

interface AgentMetadata {
  agent_id: string;
  status: string;
  kind: string;
  endpoint: string | null;
  last_heartbeat: string | null;
  registered_at: string;
  max_concurrency: number | null;
  capabilities: Array<{ name: string; parameters: Record<string, string>; input_schema: Record<string, unknown> }>;
  [key: string]: unknown;
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const TYPED_SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string', minLength: 1 }, times: { type: 'integer', minimum: 1 } },
  required: ['text'],
  additionalProperties: false,
};

async function listed(t: TestApp, agentId: string): Promise<AgentMetadata | undefined> {
  const res = await request(t.server).get('/v1/agents').expect(200);
  return (res.body.agents as AgentMetadata[]).find((a) => a.agent_id === agentId);
}

const statusOf = async (t: TestApp, agentId: string) => (await listed(t, agentId))?.status;

const orchestrate = (t: TestApp, body: object, traceparent?: string) => {
  const req = request(t.server).post('/v1/orchestrate');
  if (traceparent) req.set('traceparent', traceparent);
  return req.send(body);
};

describe('Remote HTTP agents: registration, the /execute protocol, heartbeats, DELETE', () => {
  let t: TestApp;
  let agent: FakeAgent;

  beforeAll(async () => {
    agent = await startFakeAgent({ capabilities: ['remote.echo', 'remote.typed'] });
    t = await createTestApp({ env: { TASK_TIMEOUT_MS: '1000', AGENT_COOLDOWN_MS: '0' } });
    const body = agent.registration('agent_remote', {
      endpoint: `${agent.url}/`,
      version: '2.0.0',
      max_concurrency: 4,
      capabilities: [
        { name: 'remote.echo', description: 'Echo over HTTP' },
        { name: 'remote.typed', description: 'Typed input', input_schema: TYPED_SCHEMA },
      ],
    });
    await request(t.server).post('/v1/agents').send(body).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await agent.close();
  });
  afterEach(() => agent.reset());

  describe('POST /v1/agents', () => {
    it('registers a remote agent (201) that /v1/agents lists with its kind, endpoint and limits', async () => {
      const remote = await listed(t, 'agent_remote');
      expect(remote).toMatchObject({
        agent_id: 'agent_remote',
        name: 'Fake agent_remote',
        description: '',
        version: '2.0.0',
        kind: 'http',
        endpoint: agent.url,
        status: 'available',
        max_concurrency: 4,
        last_heartbeat: null,
        in_flight: 0,
      });
      expect(remote!.capabilities).toEqual([
        { name: 'remote.echo', description: 'Echo over HTTP', parameters: {}, input_schema: {} },
        { name: 'remote.typed', description: 'Typed input', parameters: { text: 'string', times: 'integer' }, input_schema: TYPED_SCHEMA },
      ]);
      expect(agent.requests.some((r) => r.method === 'GET' && r.url === '/health')).toBe(true);
      const local = await listed(t, 'agent_example_001');
      expect(local).toMatchObject({ kind: 'local', endpoint: null, max_concurrency: null });
    });

    it('registering the same id again updates it (200): one entry, new definition, registered_at kept', async () => {
      const other = await startFakeAgent({ capabilities: ['remote.update'] });
      try {
        const first = await request(t.server).post('/v1/agents').send(other.registration('agent_update')).expect(201);
        expect(first.body).toMatchObject({
          agent_id: 'agent_update',
          kind: 'http',
          capabilities: [expect.objectContaining({ name: 'remote.update' })],
        });
        const before = (await request(t.server).get('/v1/agents').expect(200)).body.total;

        const second = await request(t.server)
          .post('/v1/agents')
          .send(
            other.registration('agent_update', {
              name: 'Renamed',
              capabilities: [{ name: 'remote.update2', parameters: { q: 'string' } }],
            }),
          )
          .expect(200);
        expect(second.body).toMatchObject({ agent_id: 'agent_update', name: 'Renamed', registered_at: first.body.registered_at });
        expect(second.body.capabilities).toEqual([
          { name: 'remote.update2', description: '', parameters: { q: 'string' }, input_schema: {} },
        ]);
        expect((await request(t.server).get('/v1/agents').expect(200)).body.total).toBe(before);

        await orchestrate(t, { session_id: 'remote_update', capability: 'remote.update' }).expect(404);
        const res = await orchestrate(t, { session_id: 'remote_update', capability: 'remote.update2', parameters: { q: 'x' } }).expect(200);
        expect(res.body).toMatchObject({
          success: true,
          agent_id: 'agent_update',
          data: { echo: { q: 'x' }, capability: 'remote.update2' },
        });
      } finally {
        await request(t.server).delete('/v1/agents/agent_update');
        await other.close();
      }
    });

    it('422 when the endpoint fails its health check (refused, non-2xx), and nothing is registered', async () => {
      const refused = await request(t.server)
        .post('/v1/agents')
        .send(agent.registration('agent_refused', { endpoint: await closedPortUrl() }))
        .expect(422);
      expect(refused.body).toMatchObject({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: expect.stringMatching(/health check.*connection refused/),
      });

      agent.healthy = false;
      const unhealthy = await request(t.server).post('/v1/agents').send(agent.registration('agent_unhealthy')).expect(422);
      expect(unhealthy.body.message).toContain(`GET ${agent.url}/health answered 503`);

      expect(await listed(t, 'agent_refused')).toBeUndefined();
      expect(await listed(t, 'agent_unhealthy')).toBeUndefined();
    });

    it('422 when the health check times out', async () => {
      const silent: RealServer = await startServer(() => undefined);
      try {
        const res = await request(t.server)
          .post('/v1/agents')
          .send(agent.registration('agent_silent', { endpoint: silent.url }))
          .expect(422);
        expect(res.body.message).toContain('timed out after 5000 ms');
      } finally {
        await silent.close();
      }
    });

    /** A schema nested `levels` deep, as JSON text (JSON.stringify cannot write one thousands of levels deep). */
    const DEEP = 'deep';
    const deepSchemaJson = (levels: number) =>
      '{"type":"object","properties":{"a":'.repeat(levels) + '{"type":"string"}' + '}}'.repeat(levels);

    it.each<[string, unknown]>([
      ['an empty body', { raw: {} }],
      ['an array body', { raw: [1, 2] }],
      ['a string body', { raw: 'agent' }],
      ['a missing agent_id', { agent_id: undefined }],
      ['an agent_id with a slash', { agent_id: '../etc' }],
      ['an empty agent_id', { agent_id: '' }],
      ['a numeric agent_id', { agent_id: 42 }],
      ['a missing name', { name: undefined }],
      ['an empty name', { name: '' }],
      ['an ftp endpoint', { endpoint: 'ftp://127.0.0.1/' }],
      ['an endpoint that is not a URL', { endpoint: 'not a url' }],
      ['an endpoint with credentials', { endpoint: 'http://user:secret@127.0.0.1:1' }],
      ['an endpoint with a query', { endpoint: 'http://127.0.0.1:1/?x=1' }],
      ['an endpoint object', { endpoint: { href: 'http://127.0.0.1' } }],
      ['no capabilities', { capabilities: [] }],
      ['capabilities not an array', { capabilities: { name: 'x' } }],
      ['a null capability', { capabilities: [null] }],
      ['a number as capability', { capabilities: [5] }],
      ['an invalid capability name', { capabilities: [{ name: 'Bad Name' }] }],
      ['a duplicate capability name', { capabilities: [{ name: 'dup' }, { name: 'dup' }] }],
      ['parameters that are not type names', { capabilities: [{ name: 'x', parameters: { a: 1 } }] }],
      ['an input_schema string', { capabilities: [{ name: 'x', input_schema: 'object' }] }],
      ['an input_schema array', { capabilities: [{ name: 'x', input_schema: [] }] }],
      ['max_concurrency 0', { max_concurrency: 0 }],
      ['max_concurrency 1.5', { max_concurrency: 1.5 }],
      ['max_concurrency as a string', { max_concurrency: '2' }],
      ['too many capabilities', { capabilities: Array.from({ length: 300 }, (_, i) => ({ name: `c${i}` })) }],
      [
        '__proto__ and constructor keys',
        {
          raw: JSON.parse('{"__proto__":{"agent_id":"x"},"constructor":{"prototype":{"y":1}},"capabilities":[{"__proto__":{"name":"x"}}]}'),
        },
      ],
    ])('400 for %s', async (_, overrides) => {
      const body =
        'raw' in (overrides as object)
          ? (overrides as { raw: unknown }).raw
          : { ...agent.registration('agent_bad'), ...(overrides as object) };
      const res = await request(t.server).post('/v1/agents').set('content-type', 'application/json').send(JSON.stringify(body)).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
      expect(await listed(t, 'agent_bad')).toBeUndefined();
    });

    it.each<[string, unknown, RegExp]>([
      ['an unknown type', { type: 'nope' }, /schema is invalid/],
      ['a remote $ref', { $ref: 'http://127.0.0.1:1/schema.json' }, /can't resolve reference/],
      ['a bad pattern', { type: 'string', pattern: '(' }, /Invalid regular expression/],
      ['an $async schema', { $async: true, type: 'object' }, /\$async/],
    ])('400 for an input_schema with %s, naming the capability', async (_, schema, reason) => {
      const body = JSON.stringify(
        agent.registration('agent_bad_schema', { capabilities: [{ name: 'remote.schema', input_schema: schema }] }),
      );
      const res = await request(t.server).post('/v1/agents').set('content-type', 'application/json').send(body).expect(400);
      expect(res.body.message).toMatch(/input_schema of capability 'remote\.schema' of agent 'agent_bad_schema'/);
      expect(res.body.message).toMatch(reason);
      expect(await listed(t, 'agent_bad_schema')).toBeUndefined();
    });

    it('a deeply nested input_schema: 20 levels register, a body nested past 64 levels is a 400', async () => {
      const body = (levels: number) =>
        JSON.stringify(agent.registration('agent_deep', { capabilities: [{ name: 'remote.deep', input_schema: DEEP }] })).replace(
          '"deep"',
          deepSchemaJson(levels),
        );
      const send = (levels: number) => request(t.server).post('/v1/agents').set('content-type', 'application/json').send(body(levels));
      await send(20).expect(201);
      await request(t.server).delete('/v1/agents/agent_deep').expect(204);
      for (const levels of [40, 5000]) {
        const res = await send(levels).expect(400);
        expect(res.body.message).toBe('Request body is nested too deeply: at most 64 levels of objects and arrays');
      }
      expect(await listed(t, 'agent_deep')).toBeUndefined();
    });

    it('409 for the id of an in-process agent (register, heartbeat, DELETE)', async () => {
      const res = await request(t.server).post('/v1/agents').send(agent.registration('agent_example_001')).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', message: expect.stringContaining('in-process') });
      await request(t.server).post('/v1/agents/agent_example_001/heartbeat').expect(409);
      await request(t.server).delete('/v1/agents/agent_example_001').expect(409);
      expect(await listed(t, 'agent_example_001')).toMatchObject({ kind: 'local' });
      await orchestrate(t, { session_id: 'remote_local', capability: 'echo', parameters: { text: 'still here' } }).expect(200);
    });
  });

  describe('running a task on a remote agent', () => {
    it('sends {task_id, session_id, capability, parameters, context} with the traceparent header, and records the data', async () => {
      const before = agent.executions.length;
      const res = await orchestrate(
        t,
        { session_id: 'remote_run', capability: 'remote.echo', parameters: { text: 'hi', n: [1, 2] }, context: { user: 'u1' } },
        TRACEPARENT,
      ).expect(200);
      expect(res.body).toMatchObject({
        success: true,
        error: null,
        agent_id: 'agent_remote',
        data: { echo: { text: 'hi', n: [1, 2] }, capability: 'remote.echo' },
      });

      expect(agent.executions.length).toBe(before + 1);
      const call = agent.executions[before]!;
      expect(call.body).toEqual({
        task_id: res.body.contract_id,
        session_id: 'remote_run',
        capability: 'remote.echo',
        parameters: { text: 'hi', n: [1, 2] },
        context: { user: 'u1' },
      });
      expect(call.headers.traceparent).toBe(TRACEPARENT);
      expect(call.headers['content-type']).toMatch(/^application\/json/);

      const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'remote_run' }).expect(200);
      expect(contracts.body.contracts.map((c: Record<string, unknown>) => [c.contract_type, c.status, c.to_agent, c.from_agent])).toEqual([
        ['REQUEST', 'completed', 'agent_remote', 'orchestrator'],
        ['RESPONSE', 'completed', 'orchestrator', 'agent_remote'],
      ]);
      expect(contracts.body.contracts[0].result).toEqual(res.body.data);
      expect(contracts.body.contracts[1].payload).toEqual({ success: true, data: res.body.data, error: null });
      expect(contracts.body.contracts[0].metadata.traceparent).toBe(TRACEPARENT);
    });

    it('a reply without data is {}; the handler decides the reply', async () => {
      agent.behave({ kind: 'answer', handler: () => ({ success: true }) }, 'remote.echo');
      const res = await orchestrate(t, { session_id: 'remote_nodata', capability: 'remote.echo' }).expect(200);
      expect(res.body).toMatchObject({ success: true, data: {} });
    });

    it('validates parameters against input_schema: 400 with the field errors, the agent is not called, nothing written', async () => {
      const before = agent.executions.length;
      const res = await orchestrate(t, {
        session_id: 'remote_invalid',
        capability: 'remote.typed',
        parameters: { times: 0, extra: true },
      }).expect(400);
      expect(res.body.message).toEqual(
        expect.arrayContaining(['parameters.text is required', 'parameters.extra is not allowed', 'parameters.times must be >= 1']),
      );
      expect(agent.executions.length).toBe(before);
      await request(t.server).get('/v1/sessions/remote_invalid').expect(404);

      const ok = await orchestrate(t, {
        session_id: 'remote_valid',
        capability: 'remote.typed',
        parameters: { text: 'x', times: 2 },
      }).expect(200);
      expect(ok.body).toMatchObject({ success: true, data: { echo: { text: 'x', times: 2 } } });
    });

    it("success:false is a failed task (HTTP 200) with the agent's error", async () => {
      agent.behave({ kind: 'fail', error: 'quota exceeded' });
      const res = await orchestrate(t, { session_id: 'remote_fail', capability: 'remote.echo' }).expect(200);
      expect(res.body).toMatchObject({ success: false, data: null, error: 'quota exceeded', agent_id: 'agent_remote' });
      const contracts = await request(t.server).get('/v1/contracts').query({ session_id: 'remote_fail' }).expect(200);
      expect(contracts.body.contracts.map((c: Record<string, unknown>) => [c.status, c.error])).toEqual([
        ['failed', 'quota exceeded'],
        ['failed', 'quota exceeded'],
      ]);

      agent.behave({ kind: 'answer', handler: () => ({ success: false }) });
      const bare = await orchestrate(t, { session_id: 'remote_fail', capability: 'remote.echo' }).expect(200);
      expect(bare.body).toMatchObject({ success: false, error: 'agent reported failure' });
    });

    it.each<[string, Parameters<FakeAgent['behave']>[0], RegExp]>([
      [
        'a 500',
        { kind: 'status', status: 500, body: '{"detail":"database is down"}' },
        /^agent agent_remote answered 500 from POST http:\/\/127\.0\.0\.1:\d+\/execute: database is down$/,
      ],
      [
        'a 404 with HTML',
        { kind: 'status', status: 404, body: '<html><body>Not Found</body></html>' },
        /answered 404 from POST .*\/execute: <html>/,
      ],
      ['an HTML page', { kind: 'garbage' }, /^agent agent_remote sent a reply that is not \{success, data\?, error\?\}: <!DOCTYPE html>/],
      ['an empty body', { kind: 'garbage', body: '' }, /not \{success, data\?, error\?\}: \(empty body\)$/],
      ['JSON of the wrong shape', { kind: 'wrong-shape', body: { ok: true } }, /not \{success, data\?, error\?\}: \{"ok":true\}$/],
      ['data that is not an object', { kind: 'wrong-shape', body: { success: true, data: [1] } }, /not \{success, data\?, error\?\}/],
      ['success that is not a boolean', { kind: 'wrong-shape', body: { success: 'yes' } }, /not \{success, data\?, error\?\}/],
      ['a socket closed mid-request', { kind: 'die' }, /^agent agent_remote could not be reached at POST .*\/execute: .*socket hang up/],
    ])('%s from /execute is a failed task with a clear error, never a 5xx', async (_, behaviour, error) => {
      agent.behave(behaviour);
      const res = await orchestrate(t, { session_id: 'remote_transport', capability: 'remote.echo' }).expect(200);
      expect(res.body).toMatchObject({ success: false, data: null, agent_id: 'agent_remote' });
      expect(res.body.error).toMatch(error);
      const stored = await request(t.server).get(`/v1/contracts/${res.body.contract_id}`).expect(200);
      expect(stored.body).toMatchObject({ status: 'failed', error: res.body.error });
    });

    it('a long garbage reply is quoted to its first 100 characters', async () => {
      agent.behave({ kind: 'garbage', body: 'x'.repeat(5000) });
      const res = await orchestrate(t, { session_id: 'remote_long', capability: 'remote.echo' }).expect(200);
      expect(res.body.error).toBe(`agent agent_remote sent a reply that is not {success, data?, error?}: ${'x'.repeat(100)}…`);
    });

    it('an agent that stopped listening is a failed task (connection refused)', async () => {
      const gone = await startFakeAgent({ capabilities: ['remote.gone'] });
      await request(t.server).post('/v1/agents').send(gone.registration('agent_gone')).expect(201);
      await gone.close();
      try {
        const res = await orchestrate(t, { session_id: 'remote_gone', capability: 'remote.gone' }).expect(200);
        expect(res.body).toMatchObject({ success: false, agent_id: 'agent_gone' });
        expect(res.body.error).toMatch(
          /^agent agent_gone could not be reached at POST http:\/\/127\.0\.0\.1:\d+\/execute: connection refused/,
        );
      } finally {
        await request(t.server).delete('/v1/agents/agent_gone').expect(204);
      }
    });

    it('a task past TASK_TIMEOUT_MS fails and the HTTP call to the agent is aborted', async () => {
      agent.behave({ kind: 'slow', delayMs: 30_000 });
      const before = agent.executions.length;
      const res = await orchestrate(t, { session_id: 'remote_slow', capability: 'remote.echo' }).expect(200);
      expect(res.body).toMatchObject({ success: false, error: 'Task timed out after 1000 ms' });
      const call = agent.executions[before]!;
      await waitFor(() => call.aborted, 'the agent to see the call aborted');
    });

    it('a cancelled task aborts the HTTP call', async () => {
      agent.behave({ kind: 'slow', delayMs: 30_000 }, 'remote.echo');
      const before = agent.executions.length;
      const submitted = await request(t.server)
        .post('/v1/tasks')
        .send({ session_id: 'remote_cancel', capability: 'remote.echo' })
        .expect(202);
      await waitFor(() => agent.executions.length > before, 'the call to reach the agent');
      await request(t.server).post(`/v1/tasks/${submitted.body.task_id}/cancel`).expect(200);
      await waitFor(() => agent.executions[before]!.aborted, 'the agent to see the call aborted');
    });
  });

  describe('heartbeats and DELETE', () => {
    it('POST /v1/agents/:id/heartbeat → 200 {agent_id, last_heartbeat}, shown in /v1/agents; 404 unknown', async () => {
      const res = await request(t.server).post('/v1/agents/agent_remote/heartbeat').expect(200);
      expect(res.body).toEqual({
        agent_id: 'agent_remote',
        last_heartbeat: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(await listed(t, 'agent_remote')).toMatchObject({ last_heartbeat: res.body.last_heartbeat, status: 'available' });
      const missing = await request(t.server).post('/v1/agents/agent_nobody/heartbeat').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, message: "Agent 'agent_nobody' not found" });
    });

    it('DELETE /v1/agents/:id → 204, then the agent and its capabilities are gone; 404 unknown', async () => {
      const doomed = await startFakeAgent({ capabilities: ['remote.doomed'] });
      try {
        await request(t.server).post('/v1/agents').send(doomed.registration('agent_doomed')).expect(201);
        await orchestrate(t, { session_id: 'remote_doomed', capability: 'remote.doomed' }).expect(200);
        await request(t.server).delete('/v1/agents/agent_doomed').expect(204);
        expect(await listed(t, 'agent_doomed')).toBeUndefined();
        await orchestrate(t, { session_id: 'remote_doomed', capability: 'remote.doomed' }).expect(404);
        await request(t.server).delete('/v1/agents/agent_doomed').expect(404);
        await request(t.server).post('/v1/agents/agent_doomed/heartbeat').expect(404);
      } finally {
        await doomed.close();
      }
    });

    it('the OpenAPI document describes the new routes', async () => {
      const res = await request(t.server).get('/docs-json').expect(200);
      expect(Object.keys(res.body.paths['/v1/agents'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(res.body.paths['/v1/agents/{agent_id}/heartbeat'])).toEqual(['post']);
      expect(Object.keys(res.body.paths['/v1/agents/{agent_id}'])).toEqual(['delete']);
      expect(Object.keys(res.body.paths['/v1/agents'].post.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '409', '422']));
    });
  });
});

describe('Remote agents: liveness (AGENT_TTL_MS)', () => {
  let t: TestApp;
  let agent: FakeAgent;

  beforeAll(async () => {
    agent = await startFakeAgent({ capabilities: ['remote.live'] });
    t = await createTestApp({ env: { AGENT_TTL_MS: '300' } });
    await request(t.server).post('/v1/agents').send(agent.registration('agent_live')).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  const run = () => orchestrate(t, { session_id: 'remote_live', capability: 'remote.live' });

  it('stays available while its health probes pass', async () => {
    const probes = agent.healthChecks;
    await waitFor(() => agent.healthChecks >= probes + 3, 'a few liveness probes');
    expect(await statusOf(t, 'agent_live')).toBe('available');
    await run().expect(200);
  });

  it('goes offline without heartbeats or passing probes (503), and a heartbeat brings it back', async () => {
    agent.healthy = false;
    await waitFor(async () => (await statusOf(t, 'agent_live')) === 'offline', 'the agent to go offline');
    const refused = await run().expect(503);
    expect(refused.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('remote.live') });

    // The agent stays unhealthy, so it goes offline again after a TTL: retry the pair until it fits in one.
    await waitFor(async () => {
      const beat = await request(t.server).post('/v1/agents/agent_live/heartbeat').expect(200);
      const res = await run();
      return res.status === 200 && res.body.success === true && beat.body.agent_id === 'agent_live';
    }, 'a heartbeat to bring the agent back');
  });

  it('a passing health probe brings an offline agent back', async () => {
    await waitFor(async () => (await statusOf(t, 'agent_live')) === 'offline', 'the agent to go offline');
    agent.healthy = true;
    await waitFor(async () => (await statusOf(t, 'agent_live')) === 'available', 'a probe to bring the agent back');
    await run().expect(200);
  });
});

describe('Remote agents: stored across restarts', () => {
  let agent: FakeAgent;
  beforeAll(async () => {
    agent = await startFakeAgent({ capabilities: ['remote.kept'] });
  });
  afterAll(async () => {
    await agent.close();
  });

  it('registrations and last_heartbeat survive a restart; deregistered agents do not come back', async () => {
    const first = await createTestApp();
    let kept: AgentMetadata;
    try {
      await request(first.server)
        .post('/v1/agents')
        .send(
          agent.registration('agent_kept', {
            max_concurrency: 2,
            description: 'kept',
            capabilities: [{ name: 'remote.kept', input_schema: TYPED_SCHEMA }],
          }),
        )
        .expect(201);
      await request(first.server).post('/v1/agents').send(agent.registration('agent_dropped')).expect(201);
      await request(first.server).delete('/v1/agents/agent_dropped').expect(204);
      await request(first.server).post('/v1/agents/agent_kept/heartbeat').expect(200);
      kept = (await listed(first, 'agent_kept'))!;
      expect(kept.last_heartbeat).not.toBeNull();
    } finally {
      await first.close({ keepData: true });
    }

    const second = await createTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      const restored = await listed(second, 'agent_kept');
      const { status: _s, in_flight: _i, tasks_completed: _c, tasks_failed: _f, ...definition } = kept;
      expect(restored).toMatchObject({ ...definition, status: 'available', tasks_completed: 0 });
      expect(await listed(second, 'agent_dropped')).toBeUndefined();

      await orchestrate(second, { session_id: 'remote_restart', capability: 'remote.kept', parameters: {} }).expect(400);
      const res = await orchestrate(second, {
        session_id: 'remote_restart',
        capability: 'remote.kept',
        parameters: { text: 'again' },
      }).expect(200);
      expect(res.body).toMatchObject({ success: true, agent_id: 'agent_kept' });

      const beat = await request(second.server).post('/v1/agents/agent_kept/heartbeat').expect(200);
      expect(beat.body.last_heartbeat > kept.last_heartbeat!).toBe(true);
    } finally {
      await second.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('Remote agents: hostile registrations (never a 5xx)', () => {
  let t: TestApp;
  let agent: FakeAgent;
  beforeAll(async () => {
    agent = await startFakeAgent();
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  it('POST /v1/agents, heartbeat and DELETE with random input', async () => {
    const capability = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          name: fc.oneof(fc.constantFrom('fuzz.a', 'fuzz.b', 'Bad'), fc.string()),
          description: fc.jsonValue(),
          parameters: fc.jsonValue(),
          input_schema: fc.oneof(fc.jsonValue(), fc.constantFrom({ type: 'object' }, { type: 'nope' }, { $ref: '#/x' })),
        },
        { requiredKeys: [] },
      ),
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          agent_id: fc.oneof(fc.constantFrom('fuzz_agent', 'agent_example_001', '../x', ''), fc.string(), fc.jsonValue()),
          name: fc.oneof(fc.constant('Fuzz'), fc.jsonValue()),
          endpoint: fc.oneof(
            fc.constantFrom(agent.url, `${agent.url}/`, 'http://', 'javascript:alert(1)', 'http://[::1'),
            fc.string(),
            fc.jsonValue(),
          ),
          capabilities: fc.oneof(fc.array(capability, { maxLength: 4 }), fc.jsonValue()),
          max_concurrency: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
          version: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.string(), async (payload, id) => {
        for (const res of [
          await request(t.server).post('/v1/agents').set('content-type', 'application/json').send(JSON.stringify(payload)),
          await request(t.server).post(`/v1/agents/${encodeURIComponent(id)}/heartbeat`),
          await request(t.server).delete(`/v1/agents/${encodeURIComponent(id)}`),
        ]) {
          if (res.status >= 500) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
          expect(res.status === 204 || res.body.statusCode === undefined || res.body.statusCode === res.status).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    await request(t.server).get('/v1/agents').expect(200);
    await orchestrate(t, { session_id: 'remote_hostile', capability: 'echo', parameters: { text: 'ok' } }).expect(200);
  });
});
