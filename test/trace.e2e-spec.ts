import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MathAgent } from './fixtures/test-agents.js';
import { closedPortUrl, json, startServer, type RealServer, type RecordedRequest } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

/** Trace delivery through the durable outbox (SPEC §5, §6), against a real HTTP Trace server. */

interface Contract {
  contract_id: string;
  session_id: string;
  contract_type: 'REQUEST' | 'RESPONSE';
  from_agent: string;
  to_agent: string;
  capability: string | null;
  payload: unknown;
  status: string;
  result: unknown;
  error: string | null;
  created_at: string;
  parent_contract_id: string | null;
}

interface TraceEvent {
  event_type: string;
  data: Record<string, unknown> & { contract_id: string; session_id: string };
}

interface Delivery {
  request: RecordedRequest;
  /** What the fake Trace answered. */
  status: number;
}

interface FakeTrace {
  server: RealServer;
  /** Every event POST, in the order received, with the status it was answered. */
  deliveries: Delivery[];
}

const EVENT_PATH = /^\/v1\/sessions\/([^/?#]+)\/events$/;
const DATA_KEYS = [
  'contract_id',
  'session_id',
  'from_agent',
  'to_agent',
  'capability',
  'payload',
  'status',
  'result',
  'error',
  'created_at',
  'parent_contract_id',
];

/** Small retry knobs so that a failing Trace is retried many times within a test. */
const FAST_RETRIES = {
  TRACE_RETRY_BASE_MS: '20',
  TRACE_RETRY_MAX_MS: '200',
  TRACE_POLL_INTERVAL_MS: '50',
  PROBE_CACHE_MS: '0',
};

/** A Trace service: 200 on `GET /v1/health`, `statusFor(n)` on the n-th event POST, 404 elsewhere. */
async function startTrace(statusFor: (n: number) => number = () => 200): Promise<FakeTrace> {
  const deliveries: Delivery[] = [];
  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
    if (req.method === 'POST' && EVENT_PATH.test(req.url)) {
      const status = statusFor(deliveries.length + 1);
      deliveries.push({ request: req, status });
      return json(res, status, status < 300 ? { accepted: true } : { detail: 'Trace is warming up' });
    }
    return json(res, 404, { detail: `no route ${req.method} ${req.url}` });
  });
  return { server, deliveries };
}

const eventOf = (d: Delivery) => d.request.json as TraceEvent;
const accepted = (trace: FakeTrace) => trace.deliveries.filter((d) => d.status >= 200 && d.status < 300);

async function statusOf(server: Server) {
  const res = await request(server).get('/v1/status').expect(200);
  return res.body as {
    integrations: {
      memagent: boolean;
      trace: boolean;
      all_healthy: boolean;
      details: {
        trace: {
          configured: boolean;
          url: string | null;
          reachable: boolean;
          outbox_backlog: number;
          dispatcher: { enabled: boolean; delivered: number; failed_attempts: number; last_error: string | null };
        };
      };
    };
  };
}

/** Polls `/v1/status` until the outbox backlog is 0. */
async function waitForEmptyBacklog(server: Server) {
  return waitFor(async () => {
    const status = await statusOf(server);
    return status.integrations.details.trace.outbox_backlog === 0 ? status : undefined;
  }, 'the Trace outbox backlog to drain');
}

/** Every contract (optionally of one session), oldest first, walking every page. */
async function listContracts(server: Server, sessionId?: string): Promise<Contract[]> {
  const all: Contract[] = [];
  let cursor: string | null = null;
  do {
    const res: request.Response = await request(server)
      .get('/v1/contracts')
      .query({ limit: 1000, ...(sessionId ? { session_id: sessionId } : {}), ...(cursor ? { cursor } : {}) })
      .expect(200);
    all.push(...(res.body.contracts as Contract[]));
    cursor = res.body.next_cursor;
  } while (cursor);
  return all;
}

/**
 * The Trace event of a contract. A REQUEST's event is written in the transaction that inserts it
 * (SPEC §5 step 1), so it carries the REQUEST as it was then: `in_progress`, no result, no error.
 */
function expectedEvent(c: Contract): TraceEvent {
  const data = Object.fromEntries(DATA_KEYS.map((key) => [key, c[key as keyof Contract]])) as TraceEvent['data'];
  if (c.contract_type === 'REQUEST') {
    return { event_type: 'contract.request', data: { ...data, status: 'in_progress', result: null, error: null } };
  }
  return { event_type: 'contract.response', data };
}

/**
 * What Trace must have seen once the backlog is empty: each contract accepted exactly once, in the
 * wire format of SPEC §6, and per session in contract order — and no event sent ahead of an earlier
 * event of its session that had not been accepted yet.
 */
async function expectDeliveredExactlyOnceInOrder(server: Server, trace: FakeTrace): Promise<Contract[]> {
  const contracts = await listContracts(server);
  expect(contracts.length).toBeGreaterThan(0);
  expect(
    trace.server.requests.filter(
      (r) => !(r.method === 'GET' && r.url === '/v1/health') && !(r.method === 'POST' && EVENT_PATH.test(r.url)),
    ),
  ).toEqual([]);

  // Wire format of every delivery attempt.
  const eventIdOf = new Map<string, string>();
  for (const d of trace.deliveries) {
    const event = eventOf(d);
    expect(Object.keys(event).sort()).toEqual(['data', 'event_type']);
    expect(Object.keys(event.data).sort()).toEqual([...DATA_KEYS].sort());
    expect(['contract.request', 'contract.response']).toContain(event.event_type);
    expect(d.request.headers['content-type']).toMatch(/^application\/json/);
    const segment = EVENT_PATH.exec(d.request.url)![1];
    expect(decodeURIComponent(segment)).toBe(event.data.session_id);
    expect(d.request.url).toBe(`/v1/sessions/${encodeURIComponent(event.data.session_id)}/events`);
    // The event id (for Trace to dedupe on) is stable across retries of the same event.
    const eventId = d.request.headers['x-event-id'];
    expect(eventId).toBe(event.data.contract_id);
    const seen = eventIdOf.get(event.data.contract_id);
    if (seen === undefined) eventIdOf.set(event.data.contract_id, eventId as string);
    else expect(eventId).toBe(seen);
  }

  // Exactly once among the 2xx-answered deliveries, by event id and by contract id.
  const ok = accepted(trace);
  expect(new Set(ok.map((d) => d.request.headers['x-event-id'])).size).toBe(ok.length);
  const acceptedIds = ok.map((d) => eventOf(d).data.contract_id);
  expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
  expect([...acceptedIds].sort()).toEqual(contracts.map((c) => c.contract_id).sort());

  // Body of each accepted event.
  const acceptedById = new Map(ok.map((d) => [eventOf(d).data.contract_id, eventOf(d)]));
  for (const c of contracts) expect(acceptedById.get(c.contract_id)).toEqual(expectedEvent(c));

  // Per session: accepted in the order of GET /v1/contracts?session_id=…, REQUEST before its RESPONSE.
  const sessions = [...new Set(contracts.map((c) => c.session_id))];
  for (const sessionId of sessions) {
    const order = (await listContracts(server, sessionId)).map((c) => c.contract_id);
    expect(ok.filter((d) => eventOf(d).data.session_id === sessionId).map((d) => eventOf(d).data.contract_id)).toEqual(order);

    const position = new Map(order.map((id, i) => [id, i]));
    for (const c of contracts.filter((x) => x.session_id === sessionId && x.contract_type === 'RESPONSE')) {
      expect(position.get(c.parent_contract_id!)).toBeLessThan(position.get(c.contract_id)!);
    }

    // Every attempt (failed ones too) was for the oldest event of the session not yet accepted.
    let next = 0;
    for (const d of trace.deliveries.filter((x) => eventOf(x).data.session_id === sessionId)) {
      expect(eventOf(d).data.contract_id).toBe(order[next]);
      if (d.status >= 200 && d.status < 300) next++;
    }
    expect(next).toBe(order.length);
  }
  return contracts;
}

describe('Trace delivery (SPEC §6)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function app(env: Record<string, string>, dataDir?: string): Promise<TestApp> {
    const t = await createTestApp({ env: { ...FAST_RETRIES, ...env, ...(dataDir ? { DATA_DIR: dataDir } : {}) }, providers: [MathAgent] });
    cleanups.push(() => t.close());
    return t;
  }
  async function trace(statusFor?: (n: number) => number): Promise<FakeTrace> {
    const fake = await startTrace(statusFor);
    cleanups.push(() => fake.server.close());
    return fake;
  }
  const orchestrate = (t: TestApp, session_id: string, capability: string, parameters: object = {}, extra: object = {}) =>
    request(t.server)
      .post('/v1/orchestrate')
      .send({ session_id, capability, parameters, ...extra });

  /** Three sessions at once: one sequential, one with concurrent tasks inside it, one with failures. */
  async function workload(t: TestApp, prefix: string) {
    const sequential = async () => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await orchestrate(t, `${prefix}_seq`, i % 2 ? 'uppercase' : 'echo', { text: `seq ${i}` }));
      return answers;
    };
    const concurrent = () =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) => orchestrate(t, `${prefix}.conc:2`, 'echo', { text: `conc ${i}` }, { intent: 'parallel' })),
      );
    const mixed = async () => [
      await orchestrate(t, `${prefix}_mixed`, 'math.fail'),
      await orchestrate(t, `${prefix}_mixed`, 'math.pi'),
      await orchestrate(t, `${prefix}_mixed`, 'math.compute', { a: 2, b: 3, op: 'mul' }, { context: { caller: 'trace-spec' } }),
    ];
    const answers = (await Promise.all([sequential(), concurrent(), mixed()])).flat();
    return { answers, contracts: answers.length * 2 };
  }

  it('retries while Trace answers 503, then delivers every contract exactly once, in order per session', async () => {
    const FAIL_FIRST = 10;
    let failing = true; // Trace fails the first FAIL_FIRST event POSTs, and every one until the test says so.
    const fake = await trace((n) => (n <= FAIL_FIRST || failing ? 503 : 200));
    const t = await app({ TRACE_URL: fake.server.url });

    // A first task; wait until Trace has turned its event down at least once.
    const first = await orchestrate(t, 'trace_seq', 'echo', { text: 'first' });
    expect(first.status).toBe(200);
    await waitFor(() => fake.deliveries.length > 0, 'the first delivery attempt');

    // Orchestration is answered while Trace keeps failing.
    const { answers, contracts } = await workload(t, 'trace');
    expect(answers.map((r) => r.status)).toEqual(Array(answers.length).fill(200));
    expect(answers.filter((r) => r.body.success === false).map((r) => r.body.error)).toEqual(['division by zero']);
    expect(accepted(fake)).toEqual([]);
    expect(fake.deliveries.every((d) => d.status === 503)).toBe(true);

    const failingStatus = await statusOf(t.server);
    expect(failingStatus.integrations.details.trace).toMatchObject({
      configured: true,
      url: fake.server.url,
      reachable: true, // its health endpoint answers; only event delivery fails
      outbox_backlog: contracts + 2,
      dispatcher: { enabled: true, delivered: 0, failed_attempts: expect.any(Number), last_error: expect.stringContaining('503') },
    });
    expect(failingStatus.integrations.details.trace.dispatcher.failed_attempts).toBeGreaterThan(0);

    failing = false;
    const drained = await waitForEmptyBacklog(t.server);
    expect(drained.integrations).toMatchObject({ trace: true, memagent: false, all_healthy: true });
    expect(drained.integrations.details.trace).toMatchObject({
      configured: true,
      reachable: true,
      outbox_backlog: 0,
      dispatcher: { delivered: contracts + 2 },
    });

    const all = await expectDeliveredExactlyOnceInOrder(t.server, fake);
    expect(all).toHaveLength(contracts + 2);
    expect(fake.deliveries.filter((d) => d.status === 503).length).toBeGreaterThanOrEqual(FAIL_FIRST);
    // The failed request of math.fail and the RESPONSE carrying its error reached Trace as well.
    const failedResponse = accepted(fake)
      .map(eventOf)
      .find((e) => e.event_type === 'contract.response' && e.data.error === 'division by zero');
    expect(failedResponse?.data).toMatchObject({
      status: 'failed',
      result: null,
      payload: { success: false, data: null, error: 'division by zero' },
    });

    // New work after the recovery goes straight through.
    await orchestrate(t, 'trace_after', 'uppercase', { text: 'later' }).expect(200);
    await waitForEmptyBacklog(t.server);
    await expectDeliveredExactlyOnceInOrder(t.server, fake);
  });

  it('keeps undelivered events across a restart and delivers them to the Trace configured then', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-trace-restart-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    // Trace is down: nothing listens on its port.
    const downUrl = await closedPortUrl();
    const before = await app({ TRACE_URL: downUrl }, dataDir);
    const { answers, contracts } = await workload(before, 'restart');
    expect(answers.map((r) => r.status)).toEqual(Array(answers.length).fill(200));

    const down = await waitFor(async () => {
      const status = await statusOf(before.server);
      return status.integrations.details.trace.dispatcher.failed_attempts > 0 ? status : undefined;
    }, 'a failed delivery attempt');
    expect(down.integrations).toMatchObject({ trace: false, all_healthy: false });
    expect(down.integrations.details.trace).toMatchObject({ configured: true, url: downUrl, reachable: false, outbox_backlog: contracts });
    expect(down.integrations.details.trace.dispatcher.last_error).toMatch(/unreachable/i);
    await before.close({ keepData: true });

    // A Trace that accepts everything, on another port; a new app on the same data dir.
    const fake = await trace();
    const after = await app({ TRACE_URL: fake.server.url }, dataDir);
    const drained = await waitForEmptyBacklog(after.server);
    expect(drained.integrations).toMatchObject({ trace: true, all_healthy: true });
    expect(drained.integrations.details.trace).toMatchObject({
      url: fake.server.url,
      reachable: true,
      dispatcher: { delivered: contracts, failed_attempts: 0 },
    });

    const all = await expectDeliveredExactlyOnceInOrder(after.server, fake);
    expect(all).toHaveLength(contracts);
    expect(fake.deliveries).toHaveLength(contracts);
  });
});
