import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadAppConfig } from '../src/app.config.js';
import { AppModule } from '../src/app.module.js';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { configureApp } from '../src/app.setup.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { testStoreEnv } from './utils/test-database.js';

/** A key of the shape this service issues (`ao_` + 43 base64url characters). */
const key = (fill: string) => `ao_${fill.repeat(43).slice(0, 43)}`;
const KEY_A = key('a');
const KEY_B = key('b');

const expectRateLimited = (res: request.Response, limit: number) => {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: expect.stringContaining(`Rate limit of ${limit} requests per minute`),
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(120);
};

/** Makes the app's server listen on all loopback addresses so requests can come from several. */
async function listen(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return (server.address() as AddressInfo).port;
}

/** GET from a given local address (127.0.0.x), so the server sees that client address. */
function getFrom(
  port: number,
  localAddress: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, localAddress, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Rate limit (RATE_LIMIT_PER_MINUTE)', () => {
  describe('with a limit of 5', () => {
    let t: TestApp;
    let port: number;
    let keyA: string;
    let keyB: string;
    beforeAll(async () => {
      t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
      port = await listen(t.server);
      const keys = t.app.get(ApiKeysService);
      keyA = (await keys.create('a', ['admin'])).key;
      keyB = (await keys.create('b', ['admin'])).key;
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers 429 with Retry-After and the JSON error body after 5 requests of one key, across routes', async () => {
      const paths = ['/v1/agents', '/v1', '/v1/contracts', '/v1/sessions', '/v1/agents'];
      for (const [i, path] of paths.entries()) {
        const res = await request(t.server).get(path).set('X-API-Key', keyA).expect(200);
        expect(res.headers['x-ratelimit-limit']).toBe('5');
        expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
      }
      expectRateLimited(await request(t.server).get('/v1/contracts').set('X-API-Key', keyA), 5);
      // A POST is refused before its body is looked at, and nothing is run.
      expectRateLimited(
        await request(t.server).post('/v1/orchestrate').set('X-API-Key', keyA).send({ session_id: 'rl', capability: 'echo' }),
        5,
      );
      // The same key as a Bearer token is the same budget.
      expectRateLimited(await request(t.server).get('/v1/agents').set('Authorization', `Bearer ${keyA}`), 5);
      await request(t.server).get('/v1/sessions/rl').set('X-API-Key', keyB).expect(404);
    });

    it('gives another live key its own budget', async () => {
      for (let i = 0; i < 4; i++) await request(t.server).get('/v1/agents').set('Authorization', `Bearer ${keyB}`).expect(200);
      expectRateLimited(await request(t.server).get('/v1/agents').set('X-API-Key', keyB), 5);
    });

    it('gives each client address without a live key its own budget; X-Forwarded-For, made-up and malformed keys do not open new ones', async () => {
      for (let i = 0; i < 5; i++) expect((await getFrom(port, '127.0.0.2', '/v1/agents')).status).toBe(401);
      const refused = await getFrom(port, '127.0.0.2', '/v1/agents');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const spoofs: Array<Record<string, string>> = [
        { 'X-Forwarded-For': '203.0.113.7' },
        { 'X-API-Key': 'not-a-key' },
        { 'X-API-Key': key('c') },
        { Authorization: `Bearer ${key('d')}` },
        { Authorization: 'Bearer x' },
        { Authorization: 'Basic dTpw' },
        { 'X-API-Key': keyA, Authorization: `Bearer ${keyB}` },
      ];
      for (const headers of spoofs) {
        expect((await getFrom(port, '127.0.0.2', '/v1/agents', headers)).status).toBe(429);
      }
      // Another address, and a live key from the exhausted address, are not affected.
      expect((await getFrom(port, '127.0.0.3', '/v1/agents')).status).toBe(401);
      const { key: keyC } = await t.app.get(ApiKeysService).create('c', ['read']);
      expect((await getFrom(port, '127.0.0.2', '/v1/agents', { 'X-API-Key': keyC })).status).toBe(200);
    });

    it('never limits the health probes', async () => {
      for (let i = 0; i < 10; i++) {
        const res = await request(t.server).get('/v1/health').set('X-API-Key', keyA).expect(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
      // Express matches routes case-insensitively and with a trailing slash: still the health route.
      await request(t.server).get('/V1/Health/').set('X-API-Key', keyA).expect(200);
      for (const path of ['/v1/health/live', '/v1/health/ready']) {
        const res = await request(t.server).get(path).set('X-API-Key', keyA);
        expect(res.status).not.toBe(429);
      }
    });

    it('an unknown route counts too: the limit comes before routing', async () => {
      for (let i = 0; i < 5; i++) expect((await getFrom(port, '127.0.0.4', '/v1/nowhere')).status).toBe(404);
      expect((await getFrom(port, '127.0.0.4', '/v1/nowhere')).status).toBe(429);
    });
  });

  it('with API keys, a key that is not live spends its address’s budget, a live key its own', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const { key: valid } = await t.app.get(ApiKeysService).create('reader', ['read']);
      await request(t.server).get('/v1/agents').set('X-API-Key', key('u')).expect(401);
      await request(t.server).get('/v1/agents').expect(401);
      await request(t.server).get('/v1/agents').set('X-API-Key', key('v')).expect(401);
      for (let i = 0; i < 3; i++) await request(t.server).get('/v1/agents').set('Authorization', `Bearer ${valid}`).expect(200);
      expectRateLimited(await request(t.server).get('/v1/agents').set('X-API-Key', key('u')), 3);
      expectRateLimited(await request(t.server).get('/v1/agents').set('X-API-Key', key('w')), 3);
      expectRateLimited(await request(t.server).get('/v1/agents'), 3);
      expectRateLimited(await request(t.server).get('/v1/agents').set('Authorization', `Bearer ${valid}`), 3);
    } finally {
      await t.close();
    }
  });

  it('RATE_LIMIT_PER_MINUTE=0 turns it off', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      for (let i = 0; i < 30; i++) {
        const res = await request(t.server).get('/v1/agents').set('X-API-Key', KEY_A).expect(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });

  it('is on by default (60000 per minute)', async () => {
    const t = await createTestApp();
    try {
      const res = await request(t.server).get('/v1/agents').expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe('60000');
    } finally {
      await t.close();
    }
  });

  it.each(['-1', 'abc', '1.5'])('RATE_LIMIT_PER_MINUTE=%s stops start-up naming the variable', async (value) => {
    await expect(createTestApp({ env: { RATE_LIMIT_PER_MINUTE: value } })).rejects.toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

describe('Hostile credentials and forwarding headers (never a 500)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '40' } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Header values Node lets a client send: tab, printable ASCII and Latin-1. */
  const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09));
  const headerText = fc.array(headerChar, { maxLength: 300 }).map((codes) => String.fromCharCode(...codes).trim());
  const keyish = fc.oneof(
    headerText,
    fc.constantFrom(
      KEY_A,
      KEY_B,
      key('-'),
      key('_'),
      'ao_',
      `${KEY_A} ${KEY_B}`,
      `${KEY_A},${KEY_B}`,
      'null',
      'undefined',
      '[object Object]',
    ),
    fc.stringMatching(/^ao_[A-Za-z0-9_-]{0,50}$/),
  );
  const authorization = fc.oneof(
    keyish,
    keyish.map((k) => `Bearer ${k}`),
    keyish.map((k) => `bEaReR\t${k}  `),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic dTpw', 'Digest username="x"'),
  );
  const forwarded = fc.oneof(
    headerText,
    fc.constantFrom('127.0.0.1', '::1', '10.0.0.1, 203.0.113.9', 'unknown', '999.999.999.999', '::ffff:1.2.3.4', '1.2.3.4:80'),
  );

  it('random Authorization, X-API-Key and X-Forwarded-For headers: 2xx, 401 or 429, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ authorization, 'x-api-key': keyish, 'x-forwarded-for': forwarded, 'x-real-ip': forwarded }, { requiredKeys: [] }),
        fc.constantFrom('/v1/agents', '/v1/health', '/v1/contracts', '/v1/orchestrate'),
        async (headers, path) => {
          const req =
            path === '/v1/orchestrate'
              ? request(t.server)
                  .post(path)
                  .send({ session_id: 'hostile_headers', capability: 'echo', parameters: { text: 'x' } })
              : request(t.server).get(path);
          for (const [name, value] of Object.entries(headers)) req.set(name, value);
          const res = await req;
          if (res.status >= 500) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
          if (res.status >= 400) expect(res.body).toMatchObject({ statusCode: res.status, error: expect.any(String) });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Security headers (helmet) and /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const csp = (res: request.Response) => {
    const directives = new Map<string, string[]>();
    for (const part of String(res.headers['content-security-policy'] ?? '').split(';')) {
      const [name, ...values] = part.trim().split(/\s+/);
      if (name) directives.set(name, values);
    }
    return directives;
  };

  it.each(['/v1/health', '/v1/agents', '/v1/nowhere', '/docs-json'])(
    '%s carries nosniff, frame options and the CSP, and no X-Powered-By',
    async (path) => {
      const res = await request(t.server).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-powered-by']).toBeUndefined();
      const policy = csp(res);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.has('upgrade-insecure-requests')).toBe(false);
    },
  );

  it('an error answer (400) carries them too', async () => {
    const res = await request(t.server).post('/v1/orchestrate').set('content-type', 'application/json').send('{').expect(400);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(csp(res).get('default-src')).toEqual(["'self'"]);
    expect(csp(res).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('/docs is served, and its CSP allows everything the page loads', async () => {
    const page = await request(t.server).get('/docs').redirects(1).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const html = page.text;
    const policy = csp(page);

    // Scripts: only same-origin files (script-src 'self'), no inline code and no handler attributes.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="[^"]+"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+="/i);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    // Inline <style> blocks and style attributes need 'unsafe-inline' for styles (never for scripts).
    expect(html).toMatch(/<style>/);
    expect(policy.get('style-src')).toEqual(expect.arrayContaining(["'self'", "'unsafe-inline'"]));
    // Swagger UI draws some icons as data: images.
    expect(policy.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:']));

    // Every referenced asset is same-origin, loads, and has the type nosniff requires.
    const assets = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1])
      .filter((url) => !url.startsWith('#') && !url.startsWith('http://www.w3.org'));
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const url of assets) {
      const resolved = new URL(url, 'http://orchestrator.test/docs');
      expect(resolved.origin).toBe('http://orchestrator.test');
      const path = resolved.pathname;
      const asset = await request(t.server).get(path).expect(200);
      if (path.endsWith('.js')) expect(asset.headers['content-type']).toMatch(/javascript/);
      if (path.endsWith('.css')) expect(asset.headers['content-type']).toMatch(/^text\/css/);
    }
    // The init script loads the document from this origin and shows no third-party validator badge.
    const init = await request(t.server).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toMatch(/"validatorUrl":\s*null/);
  });
});

describe('CORS (CORS_ORIGINS)', () => {
  it('default `*`: any origin, never with credentials', async () => {
    const t = await createTestApp();
    try {
      const res = await request(t.server).get('/v1/agents').set('Origin', 'https://anywhere.example').expect(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await request(t.server)
        .options('/v1/orchestrate')
        .set('Origin', 'https://anywhere.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,x-api-key')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('`*` anywhere in the list means `*` without credentials', () => {
    expect(loadAppConfig({ CORS_ORIGINS: 'https://a.example,*' }).corsOrigins).toBe('*');
  });

  describe('an explicit list', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-cors-'));
    let app: Awaited<ReturnType<typeof createCorsApp>>;

    /** The real AppModule set up as main.ts sets it up for CORS_ORIGINS (createTestApp always uses `*`). */
    async function createCorsApp(corsOrigins: string) {
      const store = await testStoreEnv(dataDir);
      const saved = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
      for (const [name, value] of Object.entries(store)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      process.env.LOG_LEVEL = 'error';
      try {
        const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
        const nest = moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] });
        configureApp(nest, loadAppConfig({ CORS_ORIGINS: corsOrigins }));
        await nest.init();
        return nest;
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    }

    beforeAll(async () => {
      app = await createCorsApp(' https://app.example , http://localhost:3000 ');
    });
    afterAll(async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('echoes an allowed origin with credentials allowed', async () => {
      for (const origin of ['https://app.example', 'http://localhost:3000']) {
        const res = await request(app.getHttpServer()).get('/v1/agents').set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers['access-control-allow-credentials']).toBe('true');
        expect(res.headers.vary).toMatch(/Origin/i);
      }
      const preflight = await request(app.getHttpServer())
        .options('/v1/orchestrate')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'POST')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    });

    it('refuses other origins (no Access-Control-Allow-Origin, so browsers block the answer)', async () => {
      for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null']) {
        const res = await request(app.getHttpServer()).get('/v1/agents').set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        const preflight = await request(app.getHttpServer())
          .options('/v1/orchestrate')
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'POST');
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
        expect(preflight.status).toBeLessThan(500);
      }
    });
  });
});
