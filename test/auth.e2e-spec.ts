import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import type { Scope } from '../src/auth/auth.constants.js';
import { ROOT } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';
import { testStoreEnv } from './utils/test-database.js';

/** Issue 5 §1: API keys, scopes, AUTH_REQUIRED, the keys CLI. */

const WELL_FORMED_UNKNOWN = `ao_${'Q'.repeat(43)}`;

type Header = 'bearer' | 'x-api-key';
const HEADERS: Header[] = ['bearer', 'x-api-key'];

function withKey(req: request.Test, key: string, header: Header): request.Test {
  return header === 'bearer' ? req.set('Authorization', `Bearer ${key}`) : req.set('X-API-Key', key);
}

function expectErrorBody(res: request.Response, status: number, message?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message: expect.any(String) });
  if (message) expect(res.body.message).toMatch(message);
}

describe('No API key yet', () => {
  let t: TestApp;
  let warn: ReturnType<typeof jest.spyOn>;
  beforeAll(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn');
    t = await createTestApp();
  });
  afterAll(async () => {
    warn.mockRestore();
    await t.close();
  });

  it('start-up says that only clients on this host are served, and how to change that', () => {
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('No API key exists: only clients on this host (loopback) are served'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('OPEN_ACCESS=any'));
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('the API is open to anyone'));
  });

  it('every route is open to a loopback client, with or without a key', async () => {
    await request(t.server).get('/v1/status').expect(200);
    await request(t.server).get('/v1/agents').expect(200);
    await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'open_1', capability: 'echo', parameters: { text: 'hi' } })
      .expect(200);
    await request(t.server).get('/v1/contracts').set('X-API-Key', 'garbage').expect(200);
  });
});

describe('OPEN_ACCESS', () => {
  it('any: start-up warns that the API is open to anyone', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const t = await createTestApp({ env: { OPEN_ACCESS: 'any' } });
    try {
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('OPEN_ACCESS=any and no API key exists: the API is open to anyone'));
      await request(t.server).get('/v1/agents').expect(200);
    } finally {
      warn.mockRestore();
      await t.close();
    }
  });

  it('a bad value stops start-up naming the variable', async () => {
    await expect(createTestApp({ env: { OPEN_ACCESS: 'everyone' } })).rejects.toThrow(/OPEN_ACCESS/);
  });

  it('with AUTH_REQUIRED=true, any stops start-up naming both', async () => {
    await expect(createTestApp({ env: { OPEN_ACCESS: 'any', AUTH_REQUIRED: 'true' } })).rejects.toThrow(
      /AUTH_REQUIRED=true and OPEN_ACCESS=any/,
    );
  });
});

describe('AUTH_REQUIRED', () => {
  it('refuses every non-public route with 401 until a key exists', async () => {
    const t = await createTestApp({ env: { AUTH_REQUIRED: 'true' } });
    try {
      const res = await request(t.server).get('/v1/status');
      expectErrorBody(res, 401, /AUTH_REQUIRED .*no API key exists yet/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expectErrorBody(await request(t.server).post('/v1/orchestrate').send({ session_id: 's', capability: 'echo' }), 401);
      expectErrorBody(await request(t.server).get('/v1/agents').set('X-API-Key', WELL_FORMED_UNKNOWN), 401);
      await request(t.server).get('/v1/health').expect(200);
      await request(t.server).get('/v1').expect(200);

      const { key } = await t.app.get(ApiKeysService).create('first', ['read']);
      await request(t.server).get('/v1/status').set('Authorization', `Bearer ${key}`).expect(200);
      expectErrorBody(await request(t.server).get('/v1/status'), 401, /API key is required/);
    } finally {
      await t.close();
    }
  });

  it('AUTH_REQUIRED=false keeps the API open without keys', async () => {
    const t = await createTestApp({ env: { AUTH_REQUIRED: 'false' } });
    try {
      await request(t.server).get('/v1/status').expect(200);
    } finally {
      await t.close();
    }
  });

  it('a bad value stops start-up naming the variable', async () => {
    await expect(createTestApp({ env: { AUTH_REQUIRED: 'yes please' } })).rejects.toThrow(/AUTH_REQUIRED/);
  });
});

describe('With API keys', () => {
  let t: TestApp;
  const keys = {} as Record<'read' | 'invoke' | 'agent' | 'admin' | 'readInvoke' | 'revoked', string>;
  const scopesOf: Record<keyof typeof keys, Scope[]> = {
    read: ['read'],
    invoke: ['invoke'],
    agent: ['agent'],
    admin: ['admin'],
    readInvoke: ['read', 'invoke'],
    revoked: ['admin'],
  };
  let contractId: string;

  beforeAll(async () => {
    t = await createTestApp();
    // A contract to read, written while the API is still open.
    const res = await request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id: 'auth_seed', capability: 'echo', parameters: { text: 'x' } })
      .expect(200);
    contractId = res.body.contract_id;
    const service = t.app.get(ApiKeysService);
    for (const [name, scopes] of Object.entries(scopesOf)) keys[name as keyof typeof keys] = (await service.create(name, scopes)).key;
    const revoked = (await service.list()).find((k) => k.name === 'revoked')!;
    await service.revoke(revoked.id);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('401', () => {
    it('without a key, with the §4 error body and a WWW-Authenticate header', async () => {
      const res = await request(t.server).get('/v1/status');
      expectErrorBody(res, 401, /An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="agent-orchestrator"');
    });

    it.each(HEADERS)('for an unknown, malformed or revoked key (%s)', async (header) => {
      for (const key of [WELL_FORMED_UNKNOWN, 'not-a-key', keys.read + 'x', keys.read.slice(0, -1), keys.revoked]) {
        expectErrorBody(await withKey(request(t.server).get('/v1/status'), key, header), 401, /not valid/);
      }
    });

    it('for an empty bearer token, another scheme alone, or two different keys', async () => {
      expectErrorBody(await request(t.server).get('/v1/status').set('Authorization', 'Bearer '), 401);
      expectErrorBody(
        await request(t.server)
          .get('/v1/status')
          .set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`),
        401,
      );
      expectErrorBody(
        await request(t.server).get('/v1/status').set('Authorization', `Bearer ${keys.read}`).set('X-API-Key', keys.admin),
        401,
        /different keys/,
      );
    });

    it('an unknown route is a 404 whatever the key', async () => {
      expect((await request(t.server).get('/v1/nope')).status).toBe(404);
    });
  });

  describe('scopes', () => {
    // route, scope it needs, status with a key that carries the scope (an unknown id gives 404: past the guard)
    const routes: Array<{ name: string; scope: Scope; send: () => request.Test; ok: number[] }> = [
      { name: 'GET /v1/status', scope: 'read', send: () => request(t.server).get('/v1/status'), ok: [200] },
      { name: 'GET /v1/agents', scope: 'read', send: () => request(t.server).get('/v1/agents'), ok: [200] },
      { name: 'GET /v1/contracts', scope: 'read', send: () => request(t.server).get('/v1/contracts?session_id=auth_seed'), ok: [200] },
      { name: 'GET /v1/contracts/:id', scope: 'read', send: () => request(t.server).get(`/v1/contracts/${contractId}`), ok: [200] },
      { name: 'GET /v1/sessions', scope: 'read', send: () => request(t.server).get('/v1/sessions'), ok: [200] },
      { name: 'GET /v1/sessions/:id', scope: 'read', send: () => request(t.server).get('/v1/sessions/auth_seed'), ok: [200] },
      { name: 'GET /v1/tasks', scope: 'read', send: () => request(t.server).get('/v1/tasks?session_id=auth_seed'), ok: [200] },
      { name: 'GET /v1/tasks/:id', scope: 'read', send: () => request(t.server).get(`/v1/tasks/${contractId}`), ok: [200] },
      {
        name: 'POST /v1/orchestrate',
        scope: 'invoke',
        send: () =>
          request(t.server)
            .post('/v1/orchestrate')
            .send({ session_id: 'auth_s', capability: 'echo', parameters: { text: 'a' } }),
        ok: [200],
      },
      {
        name: 'POST /v1/tasks',
        scope: 'invoke',
        send: () =>
          request(t.server)
            .post('/v1/tasks')
            .send({ session_id: 'auth_s', capability: 'echo', parameters: { text: 'a' } }),
        ok: [202],
      },
      {
        name: 'POST /v1/tasks/:id/cancel',
        scope: 'invoke',
        send: () => request(t.server).post('/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel'),
        ok: [404],
      },
      {
        name: 'POST /v1/compress',
        scope: 'invoke',
        send: () => request(t.server).post('/v1/compress').send({ session_id: 'auth_seed' }),
        ok: [200],
      },
    ];
    const callers = Object.keys(scopesOf).filter((k) => k !== 'revoked') as Array<Exclude<keyof typeof keys, 'revoked'>>;

    for (const route of routes) {
      it(`${route.name} needs '${route.scope}' (or admin)`, async () => {
        for (const caller of callers) {
          for (const header of HEADERS) {
            const res = await withKey(route.send(), keys[caller], header);
            const allowed = scopesOf[caller].includes(route.scope) || scopesOf[caller].includes('admin');
            if (allowed) {
              if (!route.ok.includes(res.status)) throw new Error(`${caller} key via ${header}: ${res.status} ${JSON.stringify(res.body)}`);
            } else {
              expectErrorBody(
                res,
                403,
                new RegExp(`The API key '${caller}' lacks the scope this route needs: '${route.scope}' or 'admin'`),
              );
            }
          }
        }
      });
    }

    it('routes for remote agents: heartbeat and delegation need agent, registering and deleting need admin', async () => {
      const documented = (await request(t.server).get('/docs-json').expect(200)).body.paths as Record<string, Record<string, unknown>>;
      const cases: Array<{ path: string; method: string; send: () => request.Test; scope: Scope }> = [
        {
          path: '/v1/agents/{agent_id}/heartbeat',
          method: 'post',
          send: () => request(t.server).post('/v1/agents/no_such_agent/heartbeat'),
          scope: 'agent',
        },
        {
          path: '/v1/tasks/{task_id}/delegate',
          method: 'post',
          send: () =>
            request(t.server)
              .post('/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/delegate')
              .send({ capability: 'echo', parameters: { text: 'a' } }),
          scope: 'agent',
        },
        { path: '/v1/agents', method: 'post', send: () => request(t.server).post('/v1/agents').send({}), scope: 'admin' },
        {
          path: '/v1/agents/{agent_id}',
          method: 'delete',
          send: () => request(t.server).delete('/v1/agents/no_such_agent'),
          scope: 'admin',
        },
        {
          path: '/v1/tasks/{task_id}/events',
          method: 'get',
          send: () => request(t.server).get('/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/events'),
          scope: 'read',
        },
      ].filter((c) => documented[c.path]?.[c.method] !== undefined) as Array<{
        path: string;
        method: string;
        send: () => request.Test;
        scope: Scope;
      }>;
      // Every one of them is documented: none is skipped.
      expect(cases).toHaveLength(5);
      for (const { send, scope } of cases) {
        for (const caller of callers) {
          const res = await withKey(send(), keys[caller], 'x-api-key');
          if (scopesOf[caller].includes(scope) || caller === 'admin') expect([401, 403]).not.toContain(res.status);
          else expectErrorBody(res, 403);
        }
      }
    });

    it('the API index and the health check stay open', async () => {
      await request(t.server).get('/v1/health').expect(200);
      await request(t.server).get('/v1').expect(200);
      await request(t.server).get('/v1/health').set('X-API-Key', 'garbage').expect(200);
    });
  });

  it('/docs-json documents the security schemes and which routes need a key', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    expect(res.body.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      api_key: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    const security = [{ bearer: [] }, { api_key: [] }];
    for (const [path, method] of [
      ['/v1/status', 'get'],
      ['/v1/orchestrate', 'post'],
      ['/v1/contracts', 'get'],
      ['/v1/contracts/{contract_id}', 'get'],
      ['/v1/sessions', 'get'],
      ['/v1/tasks/{task_id}', 'get'],
      ['/v1/agents', 'get'],
    ]) {
      const op = res.body.paths[path][method];
      expect({ path, security: op.security }).toEqual({ path, security });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(res.body.paths['/v1/orchestrate'].post.responses['403'].description).toContain('`invoke` or `admin`');
    for (const path of ['/v1/health', '/v1']) expect(res.body.paths[path].get.security).toBeUndefined();
  });

  it('/docs-json shows a key requirement on every operation but the API index, the health checks and the A2A agent card', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    const open = /^(\/v1(\/health(\/[a-z]+)?)?|\/\.well-known\/agent-card\.json)$/;
    for (const [path, operations] of Object.entries(res.body.paths as Record<string, Record<string, { security?: unknown }>>)) {
      for (const [method, op] of Object.entries(operations)) {
        expect({ route: `${method.toUpperCase()} ${path}`, security: op.security }).toEqual({
          route: `${method.toUpperCase()} ${path}`,
          security: open.test(path) ? undefined : [{ bearer: [] }, { api_key: [] }],
        });
      }
    }
  });

  it('records when a key was last used', async () => {
    const service = t.app.get(ApiKeysService);
    const used = await waitFor(
      async () => (await service.list()).find((k) => k.name === 'read' && k.last_used_at !== null),
      'last_used_at of the read key',
    );
    expect(Date.parse(used.last_used_at!)).toBeGreaterThan(Date.parse(used.created_at) - 1);
  });

  it('hostile Authorization and X-API-Key headers: always 200, 401 or 403, never a 5xx (property-based)', async () => {
    const headerChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    const headerString = fc.string({ unit: headerChar, maxLength: 200 });
    const near = fc.constantFrom(...Object.values(keys)).chain((key) =>
      fc.oneof(
        fc.constant(key),
        fc.nat({ max: key.length - 1 }).chain((i) => headerChar.map((c) => key.slice(0, i) + c + key.slice(i + 1))),
        headerString.map((s) => key + s),
        headerString.map((s) => s + key),
        fc.constant(key.toUpperCase()),
      ),
    );
    const value = fc.oneof(headerString, near, fc.stringMatching(/^ao_[A-Za-z0-9_-]{43}$/), fc.constant(''), fc.constant('ao_'));
    const authorization = fc.oneof(
      value.map((v) => `Bearer ${v}`),
      value.map((v) => `bearer\t${v}  `),
      value.map((v) => `Basic ${v}`),
      value,
      fc.constantFrom('Bearer', 'Bearer ', 'Bearer  Bearer', 'Bearer ,', 'Token x'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(authorization, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        fc.constantFrom('/v1/status', '/v1/contracts', '/v1/orchestrate'),
        async (auth, apiKey, path) => {
          let req =
            path === '/v1/orchestrate'
              ? request(t.server).post(path).send({ session_id: 'hostile_auth', capability: 'echo' })
              : request(t.server).get(path);
          if (auth !== undefined) req = req.set('Authorization', auth);
          if (apiKey !== undefined) req = req.set('X-API-Key', apiKey);
          const res = await req;
          expect([200, 401, 403]).toContain(res.status);
          if (res.status !== 200) expectErrorBody(res, res.status);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('npm run keys (the CLI against a running server)', () => {
  const CLI = `${ROOT}dist/cli/keys.js`;
  let t: TestApp;

  async function keysCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const store = await testStoreEnv(t.dataDir);
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...store } },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        },
      );
    });
  }

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('bad usage prints the usage and exits non-zero; nothing is created', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['create'],
      ['create', '--name', 'x'],
      ['create', '--scopes', 'read'],
      ['create', '--name', 'x', '--scopes', 'read', '--bogus'],
      ['revoke'],
      ['revoke', 'a', 'b'],
      ['list', 'extra'],
    ]) {
      const res = await keysCli(args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toContain('usage: npm run keys');
    }
    const unknownScope = await keysCli(['create', '--name', 'x', '--scopes', 'read,root']);
    expect(unknownScope.code).toBe(2);
    expect(unknownScope.stderr).toContain("unknown scope 'root'");
    const badName = await keysCli(['create', '--name', ' ', '--scopes', 'read']);
    expect(badName.code).toBe(2);
    expect((await keysCli(['list', '--json'])).stdout.trim()).toBe('[]');
    await request(t.server).get('/v1/status').expect(200);
  });

  it('a created key works at once, and the API closes to callers without one', async () => {
    const created = await keysCli(['create', '--name', 'cli-reader', '--scopes', 'read']);
    expect(created.code).toBe(0);
    const key = /^(ao_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    await request(t.server).get('/v1/status').set('Authorization', `Bearer ${key}`).expect(200);
    await waitFor(async () => (await request(t.server).get('/v1/status')).status === 401, 'the API to require a key', {
      timeoutMs: 10_000,
    });
    await request(t.server).get('/v1/status').set('Authorization', `Bearer ${key}`).expect(200);
    await request(t.server).post('/v1/orchestrate').set('X-API-Key', key!).send({ session_id: 's', capability: 'echo' }).expect(403);
  });

  it('--json prints the key with its record', async () => {
    const created = await keysCli(['create', '--name', 'cli-admin', '--scopes', 'invoke,admin', '--json']);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body).toEqual({
      id: expect.any(String),
      name: 'cli-admin',
      scopes: ['invoke', 'admin'],
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      agent_id: null,
      key: expect.stringMatching(/^ao_/),
    });
    await request(t.server).post('/v1/orchestrate').set('X-API-Key', body.key).send({ session_id: 's', capability: 'echo' }).expect(200);
  });

  it('list shows id, name, scopes and times, never a key or its hash', async () => {
    const table = await keysCli(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id\s+name\s+scopes\s+agent\s+created_at\s+last_used_at\s+revoked_at$/m);
    expect(table.stdout).toContain('cli-reader');
    expect(table.stdout).toContain('invoke,admin');
    const json = await keysCli(['list', '--json']);
    for (const output of [table.stdout, json.stdout]) {
      expect(output).not.toMatch(/ao_[A-Za-z0-9_-]{43}/);
      expect(output).not.toMatch(/[0-9a-f]{64}/);
    }
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((k) => k.name)).toEqual(['cli-reader', 'cli-admin']);
    for (const k of listed)
      expect(Object.keys(k).sort()).toEqual(['agent_id', 'created_at', 'id', 'last_used_at', 'name', 'revoked_at', 'scopes']);
  });

  it('revoke stops a key promptly; revoking again or an unknown id says so', async () => {
    const created = JSON.parse((await keysCli(['create', '--name', 'to-revoke', '--scopes', 'read', '--json'])).stdout);
    await request(t.server).get('/v1/status').set('X-API-Key', created.key).expect(200);
    const revoked = await keysCli(['revoke', created.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked: API key ${created.id} 'to-revoke'`);
    await waitFor(
      async () => (await request(t.server).get('/v1/status').set('X-API-Key', created.key)).status === 401,
      'the revoked key to be refused',
      { timeoutMs: 10_000 },
    );
    expect((await keysCli(['revoke', created.id])).stdout).toContain('already revoked');
    const unknown = await keysCli(['revoke', 'no-such-id']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no API key has the id 'no-such-id'");
    const listed = JSON.parse((await keysCli(['list', '--json'])).stdout) as Array<{ id: string; revoked_at: string | null }>;
    expect(listed.find((k) => k.id === created.id)?.revoked_at).toEqual(expect.any(String));
  });
});
