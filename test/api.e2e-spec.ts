import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AgentRegistry } from '../src/agents/agent.registry.js';
import { ValidatesFast } from '../src/common/validation/fast-path-validation.pipe.js';
import { OrchestrateRequestDto, orchestrateRequestFastPath } from '../src/orchestrator/dto/orchestrate-request.dto.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Streams a body with `Transfer-Encoding: chunked` (no Content-Length) and returns the answer. */
async function postChunked(server: Server, path: string, payload: Buffer): Promise<{ status: number; body: unknown }> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
    let offset = 0;
    const writeNext = (): void => {
      if (req.destroyed) return;
      if (offset >= payload.length) return void req.end();
      const chunk = payload.subarray(offset, (offset += 64 * 1024));
      if (req.write(chunk)) setImmediate(writeNext);
      else req.once('drain', writeNext);
    };
    writeNext();
  });
}

describe('REST API (SPEC §4)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const orchestrate = (body: unknown) =>
    request(t.server)
      .post('/v1/orchestrate')
      .send(body as object);

  describe('service routes', () => {
    it('GET /v1/health', async () => {
      const res = await request(t.server).get('/v1/health').expect(200);
      expect(res.body).toEqual({ service: 'agent-orchestrator', status: 'healthy', version: '1.0.0' });
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers.etag).toBeUndefined();
    });

    it('GET /v1 lists the endpoints', async () => {
      const res = await request(t.server).get('/v1').expect(200);
      expect(res.body).toMatchObject({ service: 'agent-orchestrator', docs: '/docs' });
      expect(res.body.endpoints).toMatchObject({ health: '/v1/health', orchestrate: '/v1/orchestrate', compress: '/v1/compress' });
    });

    it('GET /v1/agents shows the example agent as the Python service did', async () => {
      const res = await request(t.server).get('/v1/agents').expect(200);
      expect(res.body.total).toBe(1);
      const [agent] = res.body.agents;
      expect(agent).toMatchObject({
        agent_id: 'agent_example_001',
        name: 'Example Agent',
        description: 'Example agent for testing orchestration',
        status: 'available',
        version: '1.0.0',
        endpoint: null,
        last_heartbeat: null,
        in_flight: 0,
      });
      expect(agent.registered_at).toMatch(ISO_Z);
      expect(agent.capabilities).toEqual([
        {
          name: 'echo',
          description: 'Echo back the input text',
          parameters: { text: 'string' },
          input_schema: expect.objectContaining({ type: 'object' }),
        },
        {
          name: 'uppercase',
          description: 'Convert text to uppercase',
          parameters: { text: 'string' },
          input_schema: expect.objectContaining({ type: 'object' }),
        },
      ]);
    });

    it('GET /v1/status with no integrations configured', async () => {
      const res = await request(t.server).get('/v1/status').expect(200);
      expect(res.body).toMatchObject({
        orchestrator: 'healthy',
        agents: { total: 1, registered: [expect.objectContaining({ agent_id: 'agent_example_001', capabilities: ['echo', 'uppercase'] })] },
        contracts: { total_sessions: expect.any(Number), total_contracts: expect.any(Number), by_status: expect.any(Object) },
        integrations: { memagent: false, trace: false, all_healthy: true },
      });
      expect(res.body.integrations.details.trace).toMatchObject({ configured: false, outbox_backlog: 0 });
      expect(res.body.integrations.details.memagent).toMatchObject({ configured: false, mode: 'local compressor' });
    });

    it('GET /docs and /docs-json document every route', async () => {
      await request(t.server).get('/docs').expect(200).expect('content-type', /html/);
      const res = await request(t.server).get('/docs-json').expect(200);
      const paths = Object.keys(res.body.paths);
      for (const path of [
        '/v1/tasks',
        '/v1/tasks/{task_id}',
        '/v1/tasks/{task_id}/cancel',
        '/v1',
        '/v1/health',
        '/v1/status',
        '/v1/agents',
        '/v1/orchestrate',
        '/v1/compress',
        '/v1/contracts',
        '/v1/contracts/{contract_id}',
        '/v1/sessions',
        '/v1/sessions/{session_id}',
      ]) {
        expect(paths).toContain(path);
      }
      const post = res.body.paths['/v1/orchestrate'].post;
      expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '413', '503']));
      const submit = res.body.paths['/v1/tasks'].post;
      expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(['202', '400', '404', '413', '503']));
      for (const op of [post, submit])
        expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'traceparent', in: 'header' })]));
      expect(res.body.components.schemas.OrchestrateRequestDto.properties.session_id.example).toBe('session_001');
      expect(res.body.components.schemas.ErrorResponseDto).toBeDefined();
    });
  });

  describe('POST /v1/orchestrate', () => {
    it('echo and uppercase answer exactly as the Python service', async () => {
      const echo = await orchestrate({
        session_id: 'api_s1',
        capability: 'echo',
        parameters: { text: 'Hello, Agent Orchestrator!' },
      }).expect(200);
      expect(echo.body).toEqual({
        success: true,
        data: { message: 'Echo: Hello, Agent Orchestrator!' },
        error: null,
        contract_id: expect.stringMatching(ULID),
        agent_id: 'agent_example_001',
        timestamp: expect.stringMatching(ISO_Z),
      });
      const noText = await orchestrate({ session_id: 'api_s1', capability: 'echo' }).expect(200);
      expect(noText.body.data).toEqual({ message: 'Echo: No text provided' });
      const upper = await orchestrate({
        session_id: 'api_s1',
        capability: 'uppercase',
        parameters: { text: 'make me loud' },
        extra_field: 1,
      }).expect(200);
      expect(upper.body.data).toEqual({ result: 'MAKE ME LOUD' });
    });

    it('records the REQUEST and RESPONSE pair', async () => {
      const res = await orchestrate({
        session_id: 'api_pair',
        capability: 'echo',
        parameters: { text: 'x' },
        context: { k: 1 },
        intent: 'pairing',
      }).expect(200);
      const list = await request(t.server).get('/v1/contracts').query({ session_id: 'api_pair' }).expect(200);
      expect(list.body).toMatchObject({ session_id: 'api_pair', total: 2, next_cursor: null });
      const [req, resp] = list.body.contracts;
      expect(req).toEqual({
        contract_id: res.body.contract_id,
        session_id: 'api_pair',
        contract_type: 'REQUEST',
        from_agent: 'orchestrator',
        to_agent: 'agent_example_001',
        capability: 'echo',
        payload: { text: 'x' },
        status: 'completed',
        created_at: expect.stringMatching(ISO_Z),
        completed_at: expect.stringMatching(ISO_Z),
        result: { message: 'Echo: x' },
        error: null,
        metadata: {
          intent: 'pairing',
          traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
          context: { k: 1 },
          attempts: [
            { agent_id: 'agent_example_001', started_at: expect.stringMatching(ISO_Z), duration_ms: expect.any(Number), error: null },
          ],
        },
        parent_contract_id: null,
      });
      expect(resp).toMatchObject({
        contract_type: 'RESPONSE',
        from_agent: 'agent_example_001',
        to_agent: 'orchestrator',
        payload: { success: true, data: { message: 'Echo: x' }, error: null },
        status: 'completed',
        result: { message: 'Echo: x' },
        parent_contract_id: res.body.contract_id,
      });
      expect(resp.contract_id).toMatch(ULID);
      const one = await request(t.server).get(`/v1/contracts/${res.body.contract_id}`).expect(200);
      expect(one.body).toEqual(req);
    });

    it('ordinary bodies take the validation fast path; nulls and polluting keys go through class-validator as before', async () => {
      // Count what the app's pipe does with OrchestrateRequestDto's fast path (re-registered around the real one).
      const outcomes: Array<'fast' | 'declined'> = [];
      ValidatesFast((value: unknown) => {
        const dto = orchestrateRequestFastPath(value);
        outcomes.push(dto === undefined ? 'declined' : 'fast');
        return dto;
      })(OrchestrateRequestDto);
      try {
        const fast = await orchestrate({
          session_id: 'api_slow',
          capability: 'echo',
          parameters: { text: 'fast', nested: { y: 2 } },
          extra: 1,
        }).expect(200);
        const fastStored = await request(t.server).get(`/v1/contracts/${fast.body.contract_id}`).expect(200);
        expect(fastStored.body.payload).toEqual({ text: 'fast', nested: { y: 2 } });

        // A null for an optional field, and keys the validation pipe strips against prototype pollution.
        const nulls = await orchestrate({
          session_id: 'api_slow',
          capability: 'echo',
          parameters: null,
          context: null,
          intent: null,
        }).expect(200);
        expect(nulls.body.data).toEqual({ message: 'Echo: No text provided' });
        const polluted = await request(t.server)
          .post('/v1/orchestrate')
          .set('content-type', 'application/json')
          .send(
            '{"session_id":"api_slow","capability":"echo","parameters":{"text":"kept","__proto__":{"admin":true},"nested":{"constructor":{"prototype":{"x":1}},"y":2}}}',
          )
          .expect(200);
        expect(polluted.body.data).toEqual({ message: 'Echo: kept' });
        const stored = await request(t.server).get(`/v1/contracts/${polluted.body.contract_id}`).expect(200);
        expect(stored.body.payload).toEqual({ text: 'kept', nested: { y: 2 } });

        expect(outcomes).toEqual(['fast', 'declined', 'declined']);
      } finally {
        ValidatesFast(orchestrateRequestFastPath)(OrchestrateRequestDto);
      }
    });

    it('20 concurrent calls store 40 contracts', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          orchestrate({ session_id: 'api_concurrent', capability: 'echo', parameters: { text: `n${i}` } }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const list = await request(t.server).get('/v1/contracts').query({ session_id: 'api_concurrent', limit: 1000 }).expect(200);
      expect(list.body.total).toBe(40);
      expect(new Set(list.body.contracts.map((c: { contract_id: string }) => c.contract_id)).size).toBe(40);
      expect(list.body.contracts.filter((c: { status: string }) => c.status === 'in_progress')).toEqual([]);
    });
  });

  describe('error table', () => {
    const expectError = (res: request.Response, status: number) => {
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
    };

    it('malformed JSON → 400', async () => {
      const res = await request(t.server).post('/v1/orchestrate').set('content-type', 'application/json').send('{"session_id": ');
      expectError(res, 400);
      expect(res.body.message).toBe('Request body is not valid JSON');
    });

    it.each([
      ['missing session_id', { capability: 'echo' }],
      ['missing capability', { session_id: 's' }],
      ['wrong type of session_id', { session_id: 5, capability: 'echo' }],
      ['wrong type of parameters', { session_id: 's', capability: 'echo', parameters: 'text' }],
      ['array parameters', { session_id: 's', capability: 'echo', parameters: [1] }],
      ['wrong type of context', { session_id: 's', capability: 'echo', context: 3 }],
      ['session_id with a slash', { session_id: '../etc/passwd', capability: 'echo' }],
      ['session_id starting with a dot', { session_id: '.hidden', capability: 'echo' }],
      ['session_id too long', { session_id: 'a'.repeat(129), capability: 'echo' }],
      ['parameters failing the input DTO', { session_id: 's', capability: 'echo', parameters: { text: 42 } }],
    ])('%s → 400', async (_name, body) => {
      const res = await orchestrate(body);
      expectError(res, 400);
      expect(Array.isArray(res.body.message)).toBe(true);
    });

    it('a body that is not an object → 400', async () => {
      expectError(await request(t.server).post('/v1/orchestrate').set('content-type', 'application/json').send('[1,2]'), 400);
      expectError(await request(t.server).post('/v1/orchestrate').set('content-type', 'application/json').send('"text"'), 400);
    });

    it('a body that is not JSON → 415', async () => {
      expectError(await request(t.server).post('/v1/orchestrate').set('content-type', 'text/plain').send('hello'), 415);
    });

    it('invalid parameters write no contract', async () => {
      await orchestrate({ session_id: 'api_invalid_params', capability: 'echo', parameters: { text: ['no'] } }).expect(400);
      await request(t.server).get('/v1/sessions/api_invalid_params').expect(404);
    });

    it('unknown capability → 404', async () => {
      const res = await orchestrate({ session_id: 's', capability: 'teleport' });
      expectError(res, 404);
      expect(res.body.message).toBe("No agent provides capability 'teleport'");
    });

    it('no agent in service → 503', async () => {
      const registry = t.app.get(AgentRegistry);
      registry.setStatus('agent_example_001', 'offline');
      try {
        const res = await orchestrate({ session_id: 's', capability: 'echo' });
        expectError(res, 503);
        const agents = await request(t.server).get('/v1/agents').expect(200);
        expect(agents.body.agents[0].status).toBe('offline');
      } finally {
        registry.setStatus('agent_example_001', 'available');
      }
    });

    it('body over 1 MiB → 413, with and without content-length', async () => {
      const big = JSON.stringify({ session_id: 's', capability: 'echo', parameters: { text: 'x'.repeat(2 * 1024 * 1024) } });
      expectError(await request(t.server).post('/v1/orchestrate').set('content-type', 'application/json').send(big), 413);

      const chunked = await postChunked(t.server, '/v1/orchestrate', Buffer.from(big));
      expect(chunked.status).toBe(413);
      expect(chunked.body).toMatchObject({ statusCode: 413 });
    });

    it('unknown route, contract and session → 404', async () => {
      expectError(await request(t.server).get('/v1/nothing-here'), 404);
      expectError(await request(t.server).get('/v1/contracts/01JDQ3V6T4W5X6Y7Z8A9B0C1D2'), 404);
      expectError(await request(t.server).get('/v1/sessions/never_seen'), 404);
    });

    it.each([
      ['limit 0', { limit: 0 }],
      ['limit 1001', { limit: 1001 }],
      ['limit not a number', { limit: 'ten' }],
      ['bad cursor', { cursor: 'not-a-cursor' }],
      ['bad contract_type', { contract_type: 'QUESTION' }],
      ['bad status', { status: 'done' }],
      ['bad session_id filter', { session_id: 'a/b' }],
    ])('GET /v1/contracts with %s → 400', async (_name, query) => {
      expectError(await request(t.server).get('/v1/contracts').query(query), 400);
    });

    it('GET /v1/sessions/:id with a bad id or cursor → 400', async () => {
      expectError(await request(t.server).get('/v1/sessions/bad%2Fid'), 400);
      expectError(await request(t.server).get('/v1/sessions').query({ cursor: '%%%' }), 400);
    });
  });
});
