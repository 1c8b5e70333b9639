import fc from 'fast-check';
import request from 'supertest';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** Property-based: whatever a caller sends, the answer is never a 5xx, and the store stays readable. */
describe('Hostile input (SPEC §4: never a 500)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'hostile_seed', capability: 'echo', parameters: { text: 'x' } })
      .expect(200);
  });
  afterAll(async () => {
    await t.close();
  });

  const notServerError = (res: request.Response) => {
    if (res.status >= 500) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    if (res.status >= 400) expect(res.body).toMatchObject({ statusCode: res.status, error: expect.any(String) });
  };

  const sessionish = fc.oneof(
    fc.string(),
    fc.constantFrom('hostile_seed', '..', '.', '/', 'a/b', '%2e%2e', 'a'.repeat(200), ''),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/),
  );
  const bodyish = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        session_id: fc.oneof(sessionish, fc.jsonValue()),
        capability: fc.oneof(fc.constantFrom('echo', 'uppercase', ''), fc.string(), fc.jsonValue()),
        parameters: fc.jsonValue(),
        context: fc.jsonValue(),
        intent: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  );

  it('POST /v1/orchestrate and /v1/compress with random JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/orchestrate', '/v1/tasks', '/v1/compress'), bodyish, async (path, body) => {
        notServerError(await request(t.server).post(path).set('content-type', 'application/json').send(JSON.stringify(body)));
      }),
      { numRuns: 150 },
    );
  });

  it('bodies nested thousands of levels deep are a 400 on every POST route', async () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const routes = ['/v1/orchestrate', '/v1/tasks', '/v1/compress', '/v1/agents', '/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/delegate'];
    for (const path of routes) {
      const body = `{"session_id":"hostile_deep","capability":"echo","parameters":${deep(5000)}}`;
      const res = await request(t.server).post(path).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/nested too deeply/);
    }
    // 64 levels are fine.
    await request(t.server)
      .post('/v1/orchestrate')
      .set('content-type', 'application/json')
      .send(`{"session_id":"hostile_deep","capability":"echo","parameters":{"text":"x","n":${deep(62)}}}`)
      .expect(200);
  });

  it('POST with random bytes, content types and sizes (a body that is not JSON: 415)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/orchestrate', '/v1/compress', '/v1/contracts', '/v1/health'),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'application/octet-stream',
        ),
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a).toString('latin1')),
          fc.nat({ max: 1_300_000 }).map((n) => '{"a":"' + 'x'.repeat(n) + '"}'),
        ),
        async (path, type, payload) => {
          const res = await request(t.server).post(path).set('content-type', type).send(payload);
          notServerError(res);
          // A body that is not JSON is refused before it is read, whatever the route.
          if (!type.startsWith('application/json') && payload !== '') expect(res.status).toBe(415);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('GET routes with random path segments and query strings', async () => {
    const query = fc.dictionary(
      fc.constantFrom('session_id', 'from_agent', 'to_agent', 'contract_type', 'status', 'capability', 'limit', 'cursor', 'x'),
      fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('REQUEST', 'failed', '-1', '1e9', 'NaN', '[]')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/v1/contracts',
          '/v1/contracts/',
          '/v1/sessions',
          '/v1/sessions/',
          '/v1/tasks/',
          '/v1/agents',
          '/v1/status',
          '/v1/',
        ),
        fc.string(),
        query,
        async (base, segment, q) => {
          const path = base.endsWith('/') ? base + encodeURIComponent(segment) : base;
          notServerError(await request(t.server).get(path).query(q));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('raw malformed URLs and encodings', async () => {
    for (const path of [
      '/v1/contracts/%',
      '/v1/sessions/%E0%A4%A',
      '/v1/contracts?limit=%ZZ',
      '/v1/sessions/..%2F..%2Fetc',
      '/v1/contracts?session_id[]=a&session_id[]=b',
      '/v1/contracts?limit=1&limit=2',
    ]) {
      notServerError(await request(t.server).get(path));
    }
  });

  it('the store is still readable and writable afterwards', async () => {
    const res = await request(t.server).get('/v1/sessions/hostile_seed').expect(200);
    expect(res.body.contract_count).toBeGreaterThanOrEqual(2);
    await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'hostile_after', capability: 'uppercase', parameters: { text: 'ok' } })
      .expect(200);
    await request(t.server).get('/v1/status').expect(200);
  });
});
