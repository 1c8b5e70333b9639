import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import request from 'supertest';
import { json, startServer, type RealServer, type RecordedRequest } from './utils/http-server.js';
import { ROOT } from './utils/server-process.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';
import { testStoreEnv } from './utils/test-database.js';

/**
 * Trace events that cannot be delivered do not wedge the outbox: they are set aside as dead letters
 * (with what Trace said), shown in `/v1/status` and `/metrics`, and `npm run outbox` lists and
 * requeues them. Against a real Trace HTTP server; the CLI is the built one, run as a child process.
 */

const EVENT_PATH = /^\/v1\/sessions\/([^/?#]+)\/events$/;

const FAST_RETRIES = { TRACE_RETRY_BASE_MS: '10', TRACE_RETRY_MAX_MS: '50', TRACE_POLL_INTERVAL_MS: '50', PROBE_CACHE_MS: '0' };

interface Attempt {
  request: RecordedRequest;
  status: number;
}

/** A Trace that answers each event POST with `statusFor(request)` and records every attempt. */
async function startTrace(statusFor: (req: RecordedRequest) => number): Promise<{ server: RealServer; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
    if (req.method !== 'POST' || !EVENT_PATH.test(req.url)) return json(res, 404, { detail: 'no such route' });
    const status = statusFor(req);
    attempts.push({ request: req, status });
    json(res, status, status < 300 ? { accepted: true } : { detail: status === 413 ? 'event too large' : 'Trace is down' });
  });
  return { server, attempts };
}

const eventId = (a: Attempt) => String(a.request.headers['x-event-id']);

interface TraceDetails {
  outbox_backlog: number;
  dead_letters: number;
  oldest_dead_letter_at: string | null;
  dispatcher: { delivered: number; dead_lettered: number };
}

async function traceDetails(server: Server): Promise<TraceDetails> {
  const res = await request(server).get('/v1/status').expect(200);
  return res.body.integrations.details.trace as TraceDetails;
}

async function metricValue(server: Server, name: string): Promise<number | undefined> {
  const res = await request(server).get('/metrics').expect(200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `outbox` command line (`node dist/cli/outbox.js`) against a data dir. */
async function outboxCli(dataDir: string, ...args: string[]): Promise<CliResult> {
  const store = await testStoreEnv(dataDir);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${ROOT}dist/cli/outbox.js`, ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...store } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('Trace dead letters (e2e)', () => {
  let t: TestApp | undefined;
  let trace: RealServer | undefined;

  afterEach(async () => {
    await t?.close();
    await trace?.close();
    t = undefined;
    trace = undefined;
  });

  const orchestrate = (app: TestApp, session_id: string, text: string) =>
    request(app.server).post('/v1/orchestrate').send({ session_id, capability: 'echo', parameters: { text } }).expect(200);

  it('sets aside an event Trace refuses with 413 and delivers the same session’s later events', async () => {
    let refused: string | undefined;
    const fake = await startTrace((req) => {
      // The first event Trace sees is refused for good, every time it would be sent.
      refused ??= String(req.headers['x-event-id']);
      return req.headers['x-event-id'] === refused ? 413 : 200;
    });
    trace = fake.server;
    t = await createTestApp({ env: { TRACE_URL: trace.url, ...FAST_RETRIES } });

    for (let i = 0; i < 3; i++) await orchestrate(t, 'dl_session', `event ${i}`);
    const details = await waitFor(async () => {
      const d = await traceDetails(t!.server);
      return d.outbox_backlog === 0 && d.dead_letters === 1 ? d : undefined;
    }, 'the outbox to drain with one dead letter');

    // Six events (a REQUEST and a RESPONSE per task): the refused one was tried once, the five after
    // it in the same session were all delivered.
    expect(fake.attempts.filter((a) => eventId(a) === refused)).toHaveLength(1);
    const delivered = fake.attempts.filter((a) => a.status === 200);
    expect(delivered).toHaveLength(5);
    expect(new Set(delivered.map((a) => decodeURIComponent(EVENT_PATH.exec(a.request.url)![1]!)))).toEqual(new Set(['dl_session']));
    expect(details).toMatchObject({
      dead_letters: 1,
      oldest_dead_letter_at: expect.stringMatching(/Z$/),
      dispatcher: { delivered: 5, dead_lettered: 1 },
    });
    expect(await metricValue(t.server, 'orchestrator_trace_dead_letters')).toBe(1);

    const listed = await outboxCli(t.dataDir, 'list', '--json');
    expect(listed.code).toBe(0);
    const letters = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(letters).toEqual([
      expect.objectContaining({
        contract_id: refused,
        session_id: 'dl_session',
        event_type: 'contract.request',
        attempts: 1,
        last_status: 413,
      }),
    ]);
    expect(letters[0]!.last_error).toContain('event too large');
  });

  it('sets aside an event after TRACE_MAX_ATTEMPTS failed attempts; the CLI lists it and requeues it, and it is delivered', async () => {
    let up = false;
    const fake = await startTrace(() => (up ? 200 : 503));
    trace = fake.server;
    t = await createTestApp({ env: { TRACE_URL: trace.url, TRACE_MAX_ATTEMPTS: '3', ...FAST_RETRIES } });

    await orchestrate(t, 'dl_down', 'once');
    await waitFor(async () => (await traceDetails(t!.server)).dead_letters === 2, 'both events to be set aside');
    expect(await traceDetails(t.server)).toMatchObject({ outbox_backlog: 0, dead_letters: 2 });
    expect(await metricValue(t.server, 'orchestrator_trace_dead_letters')).toBe(2);
    const ids = [...new Set(fake.attempts.map(eventId))];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(fake.attempts.filter((a) => eventId(a) === id).map((a) => a.status)).toEqual([503, 503, 503]);

    // list: JSON lines, bounded by --limit, the rest announced on stderr.
    const all = await outboxCli(t.dataDir, 'list', '--json');
    expect(all.code).toBe(0);
    const letters = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; contract_id: string; attempts: number; last_status: number });
    expect(letters.map((l) => [l.contract_id, l.attempts, l.last_status])).toEqual(ids.map((id) => [id, 3, 503]));
    const page = await outboxCli(t.dataDir, 'list', '--limit', '1');
    expect(page.code).toBe(0);
    expect(page.stdout.trim().split('\n')).toHaveLength(2); // header and one row
    expect(page.stdout).toContain(ids[0]);
    expect(page.stdout).not.toContain(ids[1]);
    expect(page.stderr).toContain(`list --after ${letters[0]!.id}`);

    // Usage mistakes: exit code 2 and a clear line.
    for (const args of [['requeue'], ['requeue', '1', '--all'], ['requeue', 'abc'], ['list', '--limit', '0'], ['purge'], []]) {
      const bad = await outboxCli(t.dataDir, ...args);
      expect({ args, code: bad.code }).toEqual({ args, code: 2 });
      expect(bad.stderr).toContain('usage: npm run outbox');
    }
    const unknown = await outboxCli(t.dataDir, 'requeue', '999999');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('999999');

    // Trace is back; the first event is requeued by id, then the rest with --all: both are delivered.
    up = true;
    const one = await outboxCli(t.dataDir, 'requeue', String(letters[0]!.id));
    expect(one).toMatchObject({ code: 0 });
    expect(one.stdout).toContain('requeued 1');
    await waitFor(() => fake.attempts.some((a) => a.status === 200 && eventId(a) === ids[0]), 'the requeued event to be delivered');
    expect((await traceDetails(t.server)).dead_letters).toBe(1);

    const rest = await outboxCli(t.dataDir, 'requeue', '--all');
    expect(rest.code).toBe(0);
    const drained = await waitFor(async () => {
      const d = await traceDetails(t!.server);
      return d.outbox_backlog === 0 && d.dead_letters === 0 && d.dispatcher.delivered === 2 ? d : undefined;
    }, 'the requeued events to be delivered');
    expect(drained.oldest_dead_letter_at).toBeNull();
    expect(fake.attempts.filter((a) => a.status === 200).map(eventId)).toEqual(ids);
    expect(await metricValue(t.server, 'orchestrator_trace_dead_letters')).toBe(0);
    expect((await outboxCli(t.dataDir, 'list')).stdout).toContain('no dead letters');
  });
});
