import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { startFakeAgent, type FakeAgent } from './fixtures/fake-remote-agent.js';
import { ROOT, startServerProcess, type ServerProcess } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';
import { testStoreEnv } from './utils/test-database.js';

const run = promisify(execFile);

/** A key of the shape this service issues, made up. */
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
const madeUpKey = () => `ao_${Array.from({ length: 43 }, () => BASE64URL[Math.floor(Math.random() * BASE64URL.length)]).join('')}`;

/** JSON as the API defines it: application/json or application/*+json, with any parameters. */
const NAMES_JSON = /^\s*application\/([^;/\s]*\+)?json\s*(;|$)/i;

async function listen(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A raw POST (supertest would add a Content-Type of its own): `contentType` undefined sends none. */
function rawPost(port: number, path: string, contentType: string | undefined, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Request bodies: JSON only (415 for anything else)', () => {
  let t: TestApp;
  let port: number;
  let agent: FakeAgent;
  beforeAll(async () => {
    agent = await startFakeAgent({ capabilities: ['remote.form'] });
    t = await createTestApp();
    port = await listen(t.server);
  });
  afterAll(async () => {
    await t.close();
    await agent.close();
  });

  const contractCount = async () => (await request(t.server).get('/v1/contracts').expect(200)).body.total as number;
  const agentIds = async () =>
    ((await request(t.server).get('/v1/agents').expect(200)).body.agents as Array<{ agent_id: string }>).map((a) => a.agent_id);

  it('the form attack of the issue: a urlencoded orchestrate runs nothing, a urlencoded registration probes no endpoint', async () => {
    const before = await contractCount();
    const orchestrate = await request(t.server)
      .post('/v1/orchestrate')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('session_id=s1&capability=echo&parameters[text]=hi');
    expect(orchestrate.status).toBe(415);
    expect(orchestrate.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: expect.stringContaining('application/json'),
    });
    await request(t.server).get('/v1/sessions/s1').expect(404);

    const register = await request(t.server)
      .post('/v1/agents')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send(`agent_id=agent_form&name=Form&endpoint=${encodeURIComponent(agent.url)}&capabilities[0][name]=remote.form`);
    expect(register.status).toBe(415);
    expect(agent.requests).toEqual([]);
    expect(await agentIds()).not.toContain('agent_form');
    expect(await contractCount()).toBe(before);
  });

  it('property: any content type that is not JSON, on POST /v1/orchestrate and POST /v1/agents: 415, nothing written, no probe sent', async () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,14}$/);
    const contentType = fc
      .oneof(
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
          'multipart/form-data; boundary=----x',
          'text/plain',
          'text/plain;charset=UTF-8',
          'text/json',
          'application/jsonp',
          'application/json-seq',
          'application/json+x',
          'application/octet-stream',
          'application/xml',
          'json',
          '',
        ),
        fc
          .tuple(token, token, fc.option(fc.constantFrom('; charset=utf-8', ';q=1', '; boundary=b'), { nil: '' }))
          .map(([type, sub, params]) => `${type}/${sub}${params}`),
      )
      .filter((type) => !NAMES_JSON.test(type));
    const before = await contractCount();
    const agentsBefore = await agentIds();
    await fc.assert(
      fc.asyncProperty(fc.option(contentType, { nil: undefined }), fc.boolean(), fc.nat(), async (type, toAgents, n) => {
        const body = toAgents
          ? JSON.stringify(agent.registration(`agent_prop_${n}`))
          : JSON.stringify({ session_id: `prop_${n}`, capability: 'echo', parameters: { text: 'hi' } });
        const res = await rawPost(port, toAgents ? '/v1/agents' : '/v1/orchestrate', type, body);
        expect(res.status).toBe(415);
        expect(JSON.parse(res.body)).toEqual({ statusCode: 415, error: 'Unsupported Media Type', message: expect.any(String) });
      }),
      { numRuns: 120 },
    );
    expect(agent.requests).toEqual([]);
    expect(await agentIds()).toEqual(agentsBefore);
    expect(await contractCount()).toBe(before);
  });

  it('JSON is accepted as application/json with parameters and as application/*+json', async () => {
    for (const [i, type] of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset=UTF-8',
      'application/merge-patch+json',
      'application/vnd.api+json; charset=utf-8',
    ].entries()) {
      const res = await rawPost(
        port,
        '/v1/orchestrate',
        type,
        JSON.stringify({ session_id: `json_${i}`, capability: 'echo', parameters: { text: 'hi' } }),
      );
      expect(res.status).toBe(200);
    }
  });

  it('a write without a body needs no content type (cancel, heartbeat)', async () => {
    const cancel = await rawPost(port, '/v1/tasks/nope/cancel', undefined, '');
    expect(cancel.status).toBe(404);
    const heartbeat = await rawPost(port, '/v1/agents/agent_nobody/heartbeat', undefined, '');
    expect(heartbeat.status).toBe(404);
    // Without a Content-Length at all, too.
    const res = await request(t.server).post('/v1/tasks/nope/cancel');
    expect(res.status).toBe(404);
  });
});

describe('Rate limit before the body is read, per address for keys that are not live', () => {
  let t: TestApp;
  let live: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '4' } });
    live = (await t.app.get(ApiKeysService).create('ci', ['admin'])).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('a client rotating random keys is refused at its address budget; a body past the limit is refused 429 without being parsed', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await request(t.server).get('/v1/agents').set('X-API-Key', madeUpKey());
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < 3; i++) {
      const res = await request(t.server)
        .get('/v1/agents')
        .set(i % 2 ? 'X-API-Key' : 'Authorization', i % 2 ? madeUpKey() : `Bearer ${madeUpKey()}`);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // 900 KB that is not valid JSON: parsed, it would be a 400.
    const big = `{"session_id":"big","capability":"echo","parameters":{"text":"${'x'.repeat(900 * 1024)}"`;
    const refused = await request(t.server)
      .post('/v1/orchestrate')
      .set('content-type', 'application/json')
      .set('X-API-Key', madeUpKey())
      .send(big);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // The live key has its own budget.
    await request(t.server).get('/v1/agents').set('X-API-Key', live).expect(200);
  });
});

/**
 * A client that is not on loopback, for real: a network namespace joined to this host by a veth
 * pair, in the benchmarking range 198.18.0.0/15. Needs root (CAP_NET_ADMIN); without it the tests
 * say so and pass without checking.
 */
describe('Protected mode: without keys, only loopback clients (a client in a network namespace)', () => {
  const suffix = String(process.pid % 100_000);
  const ns = `ao-e2e-${suffix}`;
  const hostIf = `aoh${suffix}`;
  const nsIf = `aon${suffix}`;
  // A /30 of its own per process, so that concurrent runs do not collide.
  const third = (process.pid >> 6) & 255;
  const fourth = (process.pid & 63) * 4;
  const hostIp = `198.18.${third}.${fourth + 1}`;
  const nsIp = `198.18.${third}.${fourth + 2}`;
  let unavailable: string | undefined;
  const dataDirs: string[] = [];
  const servers: ServerProcess[] = [];

  const skipped = () => {
    if (unavailable === undefined) return false;
    console.warn(`SKIPPED (protected mode from another address): cannot create a network namespace: ${unavailable}`);
    return true;
  };

  /** GET from inside the namespace with curl; resolves with status and body. */
  async function getFromNamespace(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const args = ['netns', 'exec', ns, 'curl', '-s', '--max-time', '20', '-o', '-', '-w', '\n%{http_code}'];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    args.push(`http://${hostIp}:${port}${path}`);
    const { stdout } = await run('ip', args);
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  }

  async function start(env: Record<string, string> = {}): Promise<{ server: ServerProcess; port: number; dataDir: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-protected-'));
    dataDirs.push(dataDir);
    const server = await startServerProcess({ DATA_DIR: dataDir, HOST: '0.0.0.0', ...env });
    servers.push(server);
    return { server, port: Number(new URL(server.url).port), dataDir };
  }

  beforeAll(async () => {
    try {
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
      await run('ip', ['link', 'set', nsIf, 'netns', ns]);
      await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
      await run('ip', ['link', 'set', hostIf, 'up']);
      await run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
      await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up']);
      await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      unavailable = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  it('no key: 401 naming both ways out, whatever X-Forwarded-For says; loopback clients are served; health checks and /v1 stay open', async () => {
    if (skipped()) return;
    const { server, port } = await start();
    expect(server.output()).toContain('only clients on this host (loopback) are served');

    const spoofs: Record<string, string>[] = [
      {},
      { 'X-Forwarded-For': '127.0.0.1' },
      { 'X-Real-IP': '127.0.0.1', Forwarded: 'for=127.0.0.1' },
    ];
    for (const headers of spoofs) {
      const refused = await getFromNamespace(port, '/v1/agents', headers);
      expect(refused.status).toBe(401);
      const body = JSON.parse(refused.body) as { statusCode: number; error: string; message: string };
      expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(body.message).toContain('npm run keys -- create');
      expect(body.message).toContain('OPEN_ACCESS=any');
      expect(body.message).toContain(nsIp);
    }
    for (const path of ['/v1/health', '/v1/health/live', '/v1/health/ready', '/v1']) {
      expect((await getFromNamespace(port, path)).status).toBe(200);
    }
    const local = await fetch(`${server.url}/v1/agents`);
    expect(local.status).toBe(200);
  });

  it('OPEN_ACCESS=any: every client is served, and start-up warns about it', async () => {
    if (skipped()) return;
    const { server, port } = await start({ OPEN_ACCESS: 'any' });
    expect(server.output()).toContain('OPEN_ACCESS=any and no API key exists: the API is open to anyone');
    expect((await getFromNamespace(port, '/v1/agents')).status).toBe(200);
  });

  it('once a key is created (npm run keys), a client elsewhere is served with it and refused without it', async () => {
    if (skipped()) return;
    const { port, dataDir } = await start();
    const { stdout } = await run(process.execPath, [`${ROOT}dist/cli/keys.js`, 'create', '--name', 'remote', '--scopes', 'read'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...(await testStoreEnv(dataDir)) },
    });
    const key = /^(ao_[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    expect(key).toBeDefined();
    await waitFor(
      async () => (await getFromNamespace(port, '/v1/agents', { 'X-API-Key': key! })).status === 200,
      'the key to be accepted from the namespace',
      { timeoutMs: 10_000 },
    );
    const without = await getFromNamespace(port, '/v1/agents');
    expect(without.status).toBe(401);
    expect((JSON.parse(without.body) as { message: string }).message).toContain('An API key is required');
  });
});
