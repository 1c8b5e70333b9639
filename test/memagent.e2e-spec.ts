import type { Server } from 'node:http';
import request from 'supertest';
import { MathAgent } from './fixtures/test-agents.js';
import { closedPortUrl, json, startServer, type RealServer, type RecordedRequest } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/** POST /v1/compress through a real MemAgent HTTP server, and its reachability in /v1/status (SPEC §4, §6). */

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const COMPRESS_PATH = /^\/v1\/session\/([^/?#]+)\/compress$/;
const DEFAULT_INTENT = 'Multi-agent task execution';

/** What the fake MemAgent answers to a well-formed compress call: any JSON object. */
const MEMORY_BLOCK = {
  summary: 'Four tasks: two text transforms, one failure, one multiplication.',
  key_points: ['echo', 'uppercase', { failed: 'math.fail' }],
  entities: { agents: ['agent_example_001', 'agent_math'], empty: {} },
  tokens: { in: 420, out: 42 },
  compression_ratio: 0.1,
  nothing: null,
  unicode: 'café ✓',
};

interface Contract {
  contract_id: string;
  contract_type: 'REQUEST' | 'RESPONSE';
  capability: string;
  created_at: string;
}

/** Why a compress call does not match SPEC §6, or null. The fake answers 422 with it. */
function compressProblem(pathSessionId: string, body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'intent,messages,session_id') return `body keys are ${keys}`;
  if (b.session_id !== pathSessionId) return `session_id ${String(b.session_id)} is not the one of the path (${pathSessionId})`;
  if (typeof b.intent !== 'string' || b.intent === '') return 'intent is not a non-empty string';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages is not a non-empty list';
  for (const m of b.messages as Array<Record<string, unknown>>) {
    if (m === null || typeof m !== 'object') return 'a message is not an object';
    if (Object.keys(m).sort().join(',') !== 'content,metadata,role,timestamp') return `message keys are ${Object.keys(m).join(',')}`;
    if (m.role !== 'user' && m.role !== 'assistant') return `role ${String(m.role)}`;
    if (typeof m.content !== 'string') return 'content is not a string';
    if (typeof m.timestamp !== 'string' || !ISO_Z.test(m.timestamp)) return `timestamp ${String(m.timestamp)}`;
    if (m.metadata === null || typeof m.metadata !== 'object' || Array.isArray(m.metadata)) return 'metadata is not an object';
  }
  return null;
}

type Behavior = 'ok' | 'error500';

/** A MemAgent: health 200; compress checks the call (422 if malformed), then answers per `behavior()`. */
function startMemAgent(behavior: () => Behavior): Promise<RealServer> {
  return startServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
    const match = COMPRESS_PATH.exec(req.url);
    if (req.method !== 'POST' || !match) return json(res, 404, { detail: `no route ${req.method} ${req.url}` });
    const problem = compressProblem(decodeURIComponent(match[1]), req.json);
    if (problem) return json(res, 422, { detail: problem });
    if (behavior() === 'error500') return json(res, 500, { detail: 'model overloaded' });
    return json(res, 200, MEMORY_BLOCK);
  });
}

const compressCalls = (server: RealServer): RecordedRequest[] => server.requests.filter((r) => r.method === 'POST');

async function seed(server: Server, sessionId: string): Promise<void> {
  const run = (capability: string, parameters: object = {}) =>
    request(server).post('/v1/orchestrate').send({ session_id: sessionId, capability, parameters }).expect(200);
  await run('echo', { text: 'hello' });
  await run('uppercase', { text: 'quiet' });
  await run('math.fail');
  await run('math.compute', { a: 6, b: 7, op: 'mul' });
}

function expectError(res: request.Response, status: number, error: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ statusCode: status, error, message: expect.any(String) });
}

describe('MemAgent integration (SPEC §6)', () => {
  let behavior: Behavior = 'ok';
  let memagent: RealServer;
  let t: TestApp;
  const extra: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    memagent = await startMemAgent(() => behavior);
    t = await createTestApp({ env: { MEMAGENT_URL: memagent.url, PROBE_CACHE_MS: '0' }, providers: [MathAgent] });
    await seed(t.server, 'mem_s1');
  });
  afterEach(async () => {
    behavior = 'ok';
    while (extra.length > 0) await extra.pop()!();
  });
  afterAll(async () => {
    await t?.close();
    await memagent?.close();
  });

  async function otherApp(env: Record<string, string>): Promise<TestApp> {
    const other = await createTestApp({ env: { PROBE_CACHE_MS: '0', ...env }, providers: [MathAgent] });
    extra.push(() => other.close());
    await seed(other.server, 'mem_other');
    return other;
  }

  it('sends the conversation in order and returns MemAgent’s JSON as memory_block', async () => {
    const before = compressCalls(memagent).length;
    const res = await request(t.server).post('/v1/compress').send({ session_id: 'mem_s1' }).expect(200);
    expect(res.body).toEqual({ status: 'ok', session_id: 'mem_s1', compressed: true, memory_block: MEMORY_BLOCK });

    const calls = compressCalls(memagent).slice(before);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call.url).toBe('/v1/session/mem_s1/compress');
    expect(call.headers['content-type']).toMatch(/^application\/json/);

    const session = await request(t.server).get('/v1/sessions/mem_s1').query({ limit: 1000 }).expect(200);
    const conversation = session.body.conversation as Contract[];
    expect(conversation).toHaveLength(8);
    expect(call.json).toEqual({
      intent: DEFAULT_INTENT,
      session_id: 'mem_s1',
      messages: conversation.map((c) => ({
        role: c.contract_type === 'REQUEST' ? 'user' : 'assistant',
        content: expect.any(String),
        timestamp: c.created_at,
        metadata: expect.objectContaining({ contract_id: c.contract_id }),
      })),
    });
    const contents = (call.json as { messages: Array<{ content: string }> }).messages.map((m) => m.content);
    expect(contents[0]).toContain('echo');
    expect(contents[1]).toContain('Echo: hello');
    expect(contents[2]).toContain('uppercase');
    expect(contents[3]).toContain('QUIET');
    expect(contents[4]).toContain('math.fail');
    expect(contents[5]).toContain('division by zero');
    expect(contents[6]).toContain('math.compute');
    expect(contents[7]).toContain('42');
  });

  it('passes the caller’s intent', async () => {
    const before = compressCalls(memagent).length;
    await request(t.server).post('/v1/compress').send({ session_id: 'mem_s1', intent: 'Summarise for the audit' }).expect(200);
    const calls = compressCalls(memagent).slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0].json).toMatchObject({ intent: 'Summarise for the audit', session_id: 'mem_s1' });
  });

  it('an upstream 500 → 502 carrying the upstream status and detail', async () => {
    behavior = 'error500';
    const before = compressCalls(memagent).length;
    const res = await request(t.server).post('/v1/compress').send({ session_id: 'mem_s1' });
    expectError(res, 502, 'Bad Gateway');
    expect(res.body.message).toContain('500');
    expect(res.body.message).toContain('model overloaded');
    expect(compressCalls(memagent).length).toBe(before + 1);
  });

  it('an unknown session → 404, MemAgent not called', async () => {
    const before = memagent.requests.filter((r) => r.url !== '/v1/health').length;
    const res = await request(t.server).post('/v1/compress').send({ session_id: 'mem_nobody' });
    expectError(res, 404, 'Not Found');
    expect(memagent.requests.filter((r) => r.url !== '/v1/health').length).toBe(before);
  });

  it('/v1/status: MemAgent reachable', async () => {
    const res = await request(t.server).get('/v1/status').expect(200);
    expect(res.body.integrations).toMatchObject({ memagent: true, trace: false, all_healthy: true });
    expect(res.body.integrations.details.memagent).toMatchObject({ configured: true, url: memagent.url, reachable: true });
    expect(res.body.integrations.details.trace).toMatchObject({ configured: false, reachable: false });
    expect(memagent.requests.some((r) => r.method === 'GET' && r.url === '/v1/health')).toBe(true);
  });

  it('unreachable MemAgent → 503 on compress, and reported unreachable', async () => {
    const url = await closedPortUrl();
    const other = await otherApp({ MEMAGENT_URL: url });
    expectError(await request(other.server).post('/v1/compress').send({ session_id: 'mem_other' }), 503, 'Service Unavailable');

    const status = await request(other.server).get('/v1/status').expect(200);
    expect(status.body.integrations).toMatchObject({ memagent: false, trace: false, all_healthy: false });
    expect(status.body.integrations.details.memagent).toMatchObject({ configured: true, url, reachable: false });
  });

  it('a MemAgent that never answers → 503 after MEMAGENT_TIMEOUT_MS; /v1/status still answers', async () => {
    const silent = await startServer(() => undefined); // accepts every request, answers none
    extra.push(() => silent.close());
    const other = await otherApp({ MEMAGENT_URL: silent.url, MEMAGENT_TIMEOUT_MS: '300', PROBE_TIMEOUT_MS: '200' });

    expectError(await request(other.server).post('/v1/compress').send({ session_id: 'mem_other' }), 503, 'Service Unavailable');
    expect(silent.requests.some((r) => r.method === 'POST' && r.url === '/v1/session/mem_other/compress')).toBe(true);

    const status = await request(other.server).get('/v1/status').expect(200);
    expect(status.body.integrations).toMatchObject({ memagent: false, all_healthy: false });
    expect(status.body.integrations.details.memagent).toMatchObject({ configured: true, url: silent.url, reachable: false });
    expect(silent.requests.some((r) => r.method === 'GET' && r.url === '/v1/health')).toBe(true);
  });

  it('all_healthy counts every configured integration', async () => {
    const traceUrl = await closedPortUrl();
    const other = await otherApp({ MEMAGENT_URL: memagent.url, TRACE_URL: traceUrl });
    const status = await request(other.server).get('/v1/status').expect(200);
    expect(status.body.integrations).toMatchObject({ memagent: true, trace: false, all_healthy: false });
    expect(status.body.integrations.details.memagent).toMatchObject({ configured: true, url: memagent.url, reachable: true });
    expect(status.body.integrations.details.trace).toMatchObject({ configured: true, url: traceUrl, reachable: false });
  });
});
