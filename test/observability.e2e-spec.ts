import { Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Capability } from '../src/agents/index.js';
import { ApiKeysService } from '../src/auth/api-keys.service.js';
import { DATABASE } from '../src/database/index.js';
import { closedPortUrl } from './utils/http-server.js';
import { startServerProcess, type ServerProcess } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

@Injectable()
class ExplodingAgent {
  @Capability({ name: 'explode', description: 'Always fails' })
  explode(): never {
    throw new Error('kaboom');
  }
}

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (0.0.4): `# TYPE` lines and samples. */
function parseMetrics(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The samples of `name` whose labels include `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

async function scrape(t: TestApp, key?: string) {
  const req = request(t.server).get('/metrics');
  if (key) req.set('X-API-Key', key);
  const res = await req.expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

describe('Observability: request ids, metrics, probes (issue 5 §3)', () => {
  let t: TestApp;
  const orchestrate = (body: object) => request(t.server).post('/v1/orchestrate').send(body);

  beforeAll(async () => {
    t = await createTestApp({ providers: [ExplodingAgent] });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('X-Request-Id', () => {
    it('echoes a sane id the client sent, on 200, 400 and 404', async () => {
      const ok = await request(t.server).get('/v1/health').set('X-Request-Id', 'client-req.1:a_b').expect(200);
      expect(ok.headers['x-request-id']).toBe('client-req.1:a_b');
      const bad = await orchestrate({ session_id: '../etc', capability: 'echo' }).set('X-Request-Id', 'client-req-2').expect(400);
      expect(bad.headers['x-request-id']).toBe('client-req-2');
      const missing = await request(t.server).get('/v1/no-such-route').set('X-Request-Id', 'client-req-3').expect(404);
      expect(missing.headers['x-request-id']).toBe('client-req-3');
      const unknownContract = await request(t.server)
        .get('/v1/contracts/01ARZ3NDEKTSV4RRFFQ69G5FAV')
        .set('X-Request-Id', 'client-req-4')
        .expect(404);
      expect(unknownContract.headers['x-request-id']).toBe('client-req-4');
    });

    it('is generated (a ULID) when none was sent, on 200, 400 and 404, and differs per request', async () => {
      const answers = await Promise.all([
        request(t.server).get('/v1/health').expect(200),
        orchestrate({ session_id: 'obs_1', capability: 'uppercase', parameters: { text: 5 } }).expect(400),
        request(t.server).get('/v1/no-such-route').expect(404),
      ]);
      const ids = answers.map((res) => res.headers['x-request-id']);
      for (const id of ids) expect(id).toMatch(ULID);
      expect(new Set(ids).size).toBe(3);
    });

    it('also comes with answers given before routing: malformed JSON and an oversized body', async () => {
      const malformed = await request(t.server)
        .post('/v1/orchestrate')
        .set('content-type', 'application/json')
        .set('X-Request-Id', 'bad-json')
        .send('{"session_id":')
        .expect(400);
      expect(malformed.headers['x-request-id']).toBe('bad-json');
      const big = await request(t.server)
        .post('/v1/orchestrate')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ session_id: 's', capability: 'echo', parameters: { text: 'x'.repeat(1024 * 1024 + 10) } }))
        .expect(413);
      expect(big.headers['x-request-id']).toMatch(ULID);
    });

    it('replaces an id that is too long or carries other characters', async () => {
      for (const sent of ['x'.repeat(129), 'has space', 'semi;colon', 'slash/']) {
        const res = await request(t.server).get('/v1/health').set('X-Request-Id', sent).expect(200);
        expect(res.headers['x-request-id']).toMatch(ULID);
      }
    });
  });

  describe('/metrics', () => {
    let contractId: string;

    beforeAll(async () => {
      for (const [session, text] of [
        ['obs_a', 'one'],
        ['obs_a', 'two'],
        ['obs_b', 'three'],
      ]) {
        const res = await orchestrate({ session_id: session, capability: 'echo', parameters: { text } }).expect(200);
        expect(res.body.success).toBe(true);
        contractId = res.body.contract_id as string;
      }
      const upper = await orchestrate({ session_id: 'obs_a', capability: 'uppercase', parameters: { text: 'hi' } }).expect(200);
      expect(upper.body.success).toBe(true);
      await orchestrate({ session_id: 'obs_a', capability: 'uppercase', parameters: { text: 42 } }).expect(400);
      const failed = await orchestrate({ session_id: 'obs_c', capability: 'explode' }).expect(200);
      expect(failed.body).toMatchObject({ success: false, error: 'kaboom' });
      await request(t.server).get(`/v1/contracts/${contractId}`).expect(200);
    });

    it('times HTTP answers by method, route template and status code', async () => {
      const { types, samples } = await scrape(t);
      expect(types.get('http_request_duration_seconds')).toBe('histogram');
      const count = (labels: Record<string, string>) => value(samples, 'http_request_duration_seconds_count', labels);
      expect(count({ method: 'POST', route: '/v1/orchestrate', status_code: '200' })).toBeGreaterThanOrEqual(5);
      expect(count({ method: 'POST', route: '/v1/orchestrate', status_code: '400' })).toBeGreaterThanOrEqual(2);
      // The route template, never the raw URL: no label carries a contract id.
      expect(count({ method: 'GET', route: '/v1/contracts/:contract_id', status_code: '200' })).toBe(1);
      expect(count({ method: 'GET', route: '/v1/contracts/:contract_id', status_code: '404' })).toBe(1);
      expect(find(samples, 'http_request_duration_seconds_count').some((s) => s.labels.route.includes(contractId))).toBe(false);
      // Unknown paths and answers given before routing share one label.
      expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(2);
      expect(count({ method: 'POST', route: 'unmatched', status_code: '400' })).toBe(1);
      expect(count({ method: 'POST', route: 'unmatched', status_code: '413' })).toBe(1);
      const buckets = find(samples, 'http_request_duration_seconds_bucket', {
        method: 'POST',
        route: '/v1/orchestrate',
        status_code: '200',
      });
      expect(buckets.at(-1)).toMatchObject({ labels: expect.objectContaining({ le: '+Inf' }) });
      expect(buckets.at(-1)!.value).toBe(count({ method: 'POST', route: '/v1/orchestrate', status_code: '200' }));
      expect(
        value(samples, 'http_request_duration_seconds_sum', { method: 'POST', route: '/v1/orchestrate', status_code: '200' }),
      ).toBeGreaterThan(0);
    });

    it('counts tasks by capability, agent and outcome, and times them', async () => {
      const { types, samples } = await scrape(t);
      expect(types.get('orchestrator_tasks_total')).toBe('counter');
      expect(types.get('orchestrator_task_duration_seconds')).toBe('histogram');
      expect(value(samples, 'orchestrator_tasks_total', { capability: 'echo', agent: 'agent_example_001', outcome: 'completed' })).toBe(3);
      expect(
        value(samples, 'orchestrator_tasks_total', { capability: 'uppercase', agent: 'agent_example_001', outcome: 'completed' }),
      ).toBe(1);
      expect(value(samples, 'orchestrator_tasks_total', { capability: 'explode', agent: 'exploding_agent', outcome: 'failed' })).toBe(1);
      // Parameters refused with a 400 never became a task.
      expect(find(samples, 'orchestrator_tasks_total', { capability: 'uppercase', outcome: 'failed' })).toEqual([]);
      expect(value(samples, 'orchestrator_task_duration_seconds_count', { capability: 'echo', outcome: 'completed' })).toBe(3);
      expect(value(samples, 'orchestrator_task_duration_seconds_count', { capability: 'explode', outcome: 'failed' })).toBe(1);
      expect(value(samples, 'orchestrator_task_duration_seconds_bucket', { capability: 'echo', outcome: 'completed', le: '+Inf' })).toBe(3);
    });

    it('reads tasks in flight and queued, agents by status and the Trace outbox at scrape time', async () => {
      const { types, samples } = await scrape(t);
      expect(types.get('orchestrator_tasks_in_flight')).toBe('gauge');
      expect(value(samples, 'orchestrator_tasks_in_flight')).toBe(0);
      expect(types.get('orchestrator_tasks_queued')).toBe('gauge');
      for (const capability of ['echo', 'uppercase', 'explode'])
        expect(value(samples, 'orchestrator_tasks_queued', { capability })).toBe(0);
      expect(types.get('orchestrator_agents')).toBe('gauge');
      expect(value(samples, 'orchestrator_agents', { status: 'available' })).toBe(2);
      for (const status of ['busy', 'offline', 'error']) expect(value(samples, 'orchestrator_agents', { status })).toBe(0);
      expect(value(samples, 'orchestrator_trace_outbox_backlog')).toBe(0);
      expect(value(samples, 'orchestrator_trace_outbox_oldest_age_seconds')).toBe(0);
      expect(types.get('orchestrator_trace_outbox_deliveries_total')).toBe('counter');
      expect(value(samples, 'orchestrator_trace_outbox_deliveries_total', { outcome: 'delivered' })).toBe(0);
      expect(value(samples, 'orchestrator_trace_outbox_deliveries_total', { outcome: 'failed' })).toBe(0);
      expect(types.get('orchestrator_trace_dispatcher_yielding')).toBe('gauge');
      expect(value(samples, 'orchestrator_trace_dispatcher_yielding')).toBe(0);
      expect(find(samples, 'orchestrator_build_info')).toEqual([
        { name: 'orchestrator_build_info', labels: { version: '1.0.0' }, value: 1 },
      ]);
    });

    it('has the default process metrics', async () => {
      const { types, samples } = await scrape(t);
      expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(types.get('process_resident_memory_bytes')).toBe('gauge');
      expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
      expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    });

    it('each app has its own registry', async () => {
      const other = await createTestApp();
      try {
        const { samples } = await scrape(other);
        expect(find(samples, 'orchestrator_tasks_total')).toEqual([]);
        expect(find(samples, 'http_request_duration_seconds_count', { route: '/v1/orchestrate' })).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('is documented in OpenAPI, outside /v1 and with the read scope; the probes are open', async () => {
      const res = await request(t.server).get('/docs-json').expect(200);
      const metrics = res.body.paths['/metrics'].get;
      expect(metrics.security).toEqual([{ bearer: [] }, { api_key: [] }]);
      expect(Object.keys(metrics.responses['200'].content)).toEqual(['text/plain']);
      for (const path of ['/v1/health/live', '/v1/health/ready']) {
        expect(res.body.paths[path].get.security).toBeUndefined();
        expect(Object.keys(res.body.paths[path].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
      }
    });
  });

  describe('probes', () => {
    it('GET /v1/health keeps its §4 shape', async () => {
      const res = await request(t.server).get('/v1/health').expect(200);
      expect(res.body).toEqual({ service: 'agent-orchestrator', status: 'healthy', version: '1.0.0' });
    });

    it('GET /v1/health/live: 200 while the process is up, never cached', async () => {
      const res = await request(t.server).get('/v1/health/live').expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: { process: { status: 'up', uptime_seconds: expect.any(Number) } },
        error: {},
        details: { process: { status: 'up', uptime_seconds: expect.any(Number) } },
      });
      expect(res.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
      expect(res.headers['x-request-id']).toMatch(ULID);
    });

    it('GET /v1/health/ready: 200 with the database and the Trace outbox figures', async () => {
      const res = await request(t.server).get('/v1/health/ready').expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: {
          database: { status: 'up', responseTime: expect.any(Number) },
          trace_outbox: { status: 'up', pending: 0, limit: 100000, oldest_pending_at: null, delivery_enabled: false },
        },
        error: {},
        details: expect.objectContaining({ database: expect.objectContaining({ status: 'up' }) }),
      });
    });
  });

  describe('readiness fails', () => {
    it('503 in terminus shape when the database does not answer; liveness stays 200', async () => {
      const app = await createTestApp();
      try {
        await request(app.server).get('/v1/health/ready').expect(200);
        await app.app.get<Kysely<unknown>>(DATABASE).destroy();
        const res = await request(app.server).get('/v1/health/ready').set('X-Request-Id', 'ready-1').expect(503);
        expect(res.headers['x-request-id']).toBe('ready-1');
        expect(res.body).toMatchObject({
          status: 'error',
          error: { database: { status: 'down', message: expect.any(String) }, trace_outbox: { status: 'down', limit: 100000 } },
          details: { database: { status: 'down' }, trace_outbox: { status: 'down' } },
        });
        await request(app.server).get('/v1/health/live').expect(200);
        // The backlog is unknown then: /metrics leaves it out rather than failing or showing 0.
        const { samples } = await scrape(app);
        expect(find(samples, 'orchestrator_trace_outbox_backlog')).toEqual([]);
      } finally {
        await app.close();
      }
    });

    it('503 while the Trace outbox backlog is over READY_MAX_OUTBOX_BACKLOG, with the figures', async () => {
      const app = await createTestApp({
        env: { TRACE_URL: await closedPortUrl(), READY_MAX_OUTBOX_BACKLOG: '0', TRACE_RETRY_BASE_MS: '60000', TRACE_RETRY_MAX_MS: '60000' },
      });
      try {
        await request(app.server).get('/v1/health/ready').expect(200);
        await request(app.server)
          .post('/v1/orchestrate')
          .send({ session_id: 'obs_trace', capability: 'echo', parameters: { text: 'x' } })
          .expect(200);
        const res = await request(app.server).get('/v1/health/ready').expect(503);
        expect(res.body).toMatchObject({
          status: 'error',
          info: { database: { status: 'up' } },
          error: {
            trace_outbox: {
              status: 'down',
              pending: 2,
              limit: 0,
              oldest_pending_at: expect.stringMatching(/Z$/),
              delivery_enabled: true,
              message: expect.stringContaining('limit 0'),
            },
          },
        });
        const { samples } = await waitFor(async () => {
          const metrics = await scrape(app);
          return (value(metrics.samples, 'orchestrator_trace_outbox_deliveries_total', { outcome: 'failed' }) ?? 0) > 0 && metrics;
        }, 'a failed Trace delivery in /metrics');
        expect(value(samples, 'orchestrator_trace_outbox_backlog')).toBe(2);
        expect(value(samples, 'orchestrator_trace_outbox_oldest_age_seconds')).toBeGreaterThan(0);
        expect(value(samples, 'orchestrator_trace_outbox_deliveries_total', { outcome: 'delivered' })).toBe(0);
      } finally {
        await app.close();
      }
    });
  });

  describe('once API keys exist', () => {
    it('the probes stay open and /metrics needs the read scope', async () => {
      const app = await createTestApp();
      try {
        const keys = app.app.get(ApiKeysService);
        const reader = await keys.create('metrics-reader', ['read']);
        const invoker = await keys.create('invoker', ['invoke']);
        for (const path of ['/v1/health', '/v1/health/live', '/v1/health/ready']) await request(app.server).get(path).expect(200);
        await request(app.server).get('/metrics').expect(401);
        await request(app.server).get('/metrics').set('X-API-Key', invoker.key).expect(403);
        await scrape(app, reader.key);
        await request(app.server).get('/metrics').set('Authorization', `Bearer ${reader.key}`).expect(200);
      } finally {
        await app.close();
      }
    });
  });
});

describe('Logs of the built server (NODE_ENV=production)', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-logs-'));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const SECRETS = ['secret-should-not-appear', 'another-secret'];
  const productionEnv = () => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    TRACE_URL: undefined,
    MEMAGENT_URL: undefined,
  });
  const jsonLines = (output: string) =>
    output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, any>;
        } catch {
          throw new Error(`not a JSON line: ${line}`);
        }
      });

  it('writes JSON lines: requests with their id, tasks with session, capability, agent, outcome and duration, no secrets', async () => {
    server = await startServerProcess(productionEnv());
    const api = request(server.url);
    const withSecrets = (req: request.Test) =>
      req.set('Authorization', `Bearer ${SECRETS[0]}`).set('X-API-Key', SECRETS[1]).set('Cookie', `session=${SECRETS[0]}`);

    const ok = await withSecrets(api.post('/v1/orchestrate').set('X-Request-Id', 'logs-e2e-1'))
      .send({ session_id: 'logs_1', capability: 'echo', parameters: { text: 'hi' } })
      .expect(200);
    const missing = await withSecrets(api.get('/v1/nope')).expect(404);
    const bad = await withSecrets(api.post('/v1/orchestrate'))
      .send({ session_id: 'logs_1', capability: 'uppercase', parameters: { text: 3 } })
      .expect(400);
    await withSecrets(api.get('/v1/health/live')).expect(200);
    await withSecrets(api.get('/metrics')).expect(200);
    // Lines are written in order: once this one is there, any line of the requests above is too.
    await api.get('/v1/nope').set('X-Request-Id', 'logs-e2e-last').expect(404);

    const lines = await waitFor(() => {
      const all = jsonLines(server!.output());
      return all.some((l) => l.msg === 'request completed' && l.req?.id === 'logs-e2e-last') && all;
    }, 'the request lines');

    expect(lines.find((l) => l.context === 'Bootstrap')).toMatchObject({
      level: 'info',
      msg: expect.stringContaining('listening on http://'),
    });

    const requests = lines.filter((l) => l.msg === 'request completed');
    expect(requests.find((l) => l.req.id === 'logs-e2e-1')).toMatchObject({
      level: 'info',
      req: { id: 'logs-e2e-1', method: 'POST', url: '/v1/orchestrate' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      time: expect.any(Number),
    });
    expect(requests.find((l) => l.req.id === missing.headers['x-request-id'])).toMatchObject({
      level: 'warn',
      req: { method: 'GET', url: '/v1/nope' },
      res: { statusCode: 404 },
    });
    expect(requests.find((l) => l.req.id === bad.headers['x-request-id'])).toMatchObject({ level: 'warn', res: { statusCode: 400 } });
    // Probes and scrapes that succeed are logged at debug only.
    expect(requests.filter((l) => l.req.url === '/v1/health/live' || l.req.url === '/metrics')).toEqual([]);

    const tasks = lines.filter((l) => typeof l.event === 'string' && l.event.startsWith('task_'));
    expect(tasks).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'task started',
        event: 'task_started',
        req: expect.objectContaining({ id: 'logs-e2e-1' }),
        task_id: ok.body.contract_id,
        session_id: 'logs_1',
        capability: 'echo',
        agent_id: 'agent_example_001',
        attempt: 1,
      }),
      expect.objectContaining({
        level: 'info',
        msg: 'task completed',
        event: 'task_finished',
        req: expect.objectContaining({ id: 'logs-e2e-1' }),
        task_id: ok.body.contract_id,
        session_id: 'logs_1',
        capability: 'echo',
        agent_id: 'agent_example_001',
        outcome: 'completed',
        duration_ms: expect.any(Number),
      }),
    ]);

    for (const secret of SECRETS) expect(server.output()).not.toContain(secret);
  });

  it('writes its last lines when it stops', async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill9();
    server = await startServerProcess(productionEnv());
    await request(server.url).get('/v1/nope').set('X-Request-Id', 'logs-e2e-stop').expect(404);
    // The shutdown's last lines are logged just before the process exits: they still reach stdout.
    expect(await server.stop()).toBe(0);
    const lines = await waitFor(() => {
      const all = jsonLines(server!.output());
      return all.some((l) => l.msg === 'Stopped') && all;
    }, 'the last line of the shutdown');
    expect(lines.find((l) => l.req?.id === 'logs-e2e-stop')).toMatchObject({ level: 'warn', res: { statusCode: 404 } });
    expect(lines.at(-1)).toMatchObject({ context: 'Shutdown', msg: 'Stopped' });
  });
});
