import { Test, type TestingModule } from '@nestjs/testing';
import type { JsonObject, OutboxEvent, TraceEventType } from '../../contracts/contract.model.js';
import {
  OutboxRepository,
  type DeadLetterReason,
  type DeadLetterSummary,
  type TraceDeadLetter,
} from '../../contracts/contract.repository.js';
import { json, startServer, type RealServer, type RecordedRequest } from '../../../test/utils/http-server.js';
import { IntegrationsHttpModule } from '../http/integrations-http.module.js';
import { integrationsConfig, loadIntegrationsConfig } from '../integrations.config.js';
import { EventLoopLoad } from './event-loop-load.js';
import { backoffDelay, SATURATED_UTILISATION, TraceOutboxDispatcher } from './trace-outbox.dispatcher.js';
import { TraceClient } from './trace.client.js';

interface Row extends OutboxEvent {
  next_attempt_at: number;
  last_error: string | null;
}

/**
 * An in-memory OutboxRepository with the semantics of the abstract class (a repository fake, not an
 * HTTP mock): oldest first, and a session whose head is not due yet is left out entirely.
 */
class InMemoryOutbox extends OutboxRepository {
  readonly rows: Row[] = [];
  readonly failures: Array<{ id: number; attempts: number; error: string; delayMs: number }> = [];
  readonly deliveredBatches: number[][] = [];
  claimCalls = 0;
  /** The `limit` of each claim, in order. */
  readonly claimLimits: number[] = [];
  failClaims = 0;
  private nextId = 1;

  add(sessionId: string, count: number, type: TraceEventType = 'contract.request'): OutboxEvent[] {
    const added: Row[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      const data: JsonObject = { contract_id: `c${id}`, session_id: sessionId, seq: i };
      const row: Row = {
        id,
        session_id: sessionId,
        event_type: type,
        data,
        attempts: 0,
        created_at: new Date().toISOString(),
        next_attempt_at: 0,
        last_error: null,
        traceparent: null,
      };
      this.rows.push(row);
      added.push(row);
    }
    return added;
  }

  /** Claims reserve nothing here (one dispatcher), so there is nothing to give back. */
  async releaseClaims(): Promise<void> {}

  async claimDue(now: Date, limit: number): Promise<OutboxEvent[]> {
    this.claimCalls++;
    this.claimLimits.push(limit);
    if (this.failClaims > 0) {
      this.failClaims--;
      throw new Error('database is locked');
    }
    const blocked = new Set<string>();
    const out: OutboxEvent[] = [];
    for (const row of this.rows) {
      if (out.length >= limit) break;
      if (blocked.has(row.session_id)) continue;
      if (row.next_attempt_at > now.getTime()) {
        blocked.add(row.session_id);
        continue;
      }
      const { next_attempt_at: _n, last_error: _e, ...event } = row;
      out.push(structuredClone(event));
    }
    return out;
  }

  async markDelivered(ids: number[]): Promise<void> {
    this.deliveredBatches.push([...ids]);
    const gone = new Set(ids);
    for (let i = this.rows.length - 1; i >= 0; i--) if (gone.has(this.rows[i].id)) this.rows.splice(i, 1);
  }

  async markFailed(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    const row = this.rows.find((r) => r.id === id);
    if (!row) throw new Error(`no outbox event ${id}`);
    this.failures.push({ id, attempts: row.attempts, error, delayMs: nextAttemptAt.getTime() - Date.now() });
    row.attempts++;
    row.last_error = error;
    row.next_attempt_at = nextAttemptAt.getTime();
  }

  async backlog(): Promise<{ pending: number; oldest_created_at: string | null }> {
    return { pending: this.rows.length, oldest_created_at: this.rows[0]?.created_at ?? null };
  }

  readonly deadLetters: TraceDeadLetter[] = [];

  async moveToDeadLetter(id: number, reason: DeadLetterReason): Promise<boolean> {
    const index = this.rows.findIndex((r) => r.id === id);
    if (index < 0) return false;
    const [{ next_attempt_at: _n, last_error: _e, ...event }] = this.rows.splice(index, 1);
    this.deadLetters.push({
      ...event,
      attempts: event.attempts + 1,
      last_status: reason.status,
      last_error: reason.error,
      dead_at: reason.at.toISOString(),
    });
    return true;
  }

  async deadLetterSummary(): Promise<DeadLetterSummary> {
    return { count: this.deadLetters.length, oldest_dead_at: this.deadLetters[0]?.dead_at ?? null };
  }

  async listDeadLetters(limit: number, afterId = 0): Promise<TraceDeadLetter[]> {
    return this.deadLetters.filter((d) => d.id > afterId).slice(0, limit);
  }

  async requeueDeadLetters(): Promise<number[]> {
    throw new Error('not used by the dispatcher');
  }
}

async function waitFor(condition: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An event-loop load that reads as a chosen utilisation (the dispatcher's input, not an HTTP stand-in). */
class FixedLoad extends EventLoopLoad {
  samples = 0;
  constructor(public utilisation: number) {
    super();
  }
  override sample(): number {
    this.samples++;
    return this.utilisation;
  }
}

async function createDispatcher(
  outbox: OutboxRepository,
  env: Record<string, string | undefined>,
  load: EventLoopLoad = new EventLoopLoad(),
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [IntegrationsHttpModule],
    providers: [
      { provide: integrationsConfig.KEY, useValue: loadIntegrationsConfig(env) },
      { provide: OutboxRepository, useValue: outbox },
      { provide: EventLoopLoad, useValue: load },
      TraceClient,
      TraceOutboxDispatcher,
    ],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

/** X-Event-Id of the requests answered 2xx, per session (in arrival order). */
function acceptedBySession(requests: RecordedRequest[], accepted: Set<RecordedRequest>): Map<string, number[]> {
  const bySession = new Map<string, number[]>();
  for (const req of requests) {
    if (!accepted.has(req)) continue;
    const session = decodeURIComponent(req.url.split('/')[3]);
    const list = bySession.get(session) ?? [];
    // The events' contract ids are `c<outbox id>` here, and X-Event-Id is the contract id.
    list.push(Number(String(req.headers['x-event-id']).slice(1)));
    bySession.set(session, list);
  }
  return bySession;
}

describe('backoffDelay', () => {
  it('grows exponentially with equal jitter and is capped', () => {
    expect(backoffDelay(0, 500, 60_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 60_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 60_000, () => 0)).toBe(2_000);
    expect(backoffDelay(3, 500, 60_000, () => 1)).toBe(4_000);
    expect(backoffDelay(20, 500, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(5_000, 500, 60_000, () => 0.5)).toBe(45_000);
  });
});

describe('TraceOutboxDispatcher (real HTTP server)', () => {
  let moduleRef: TestingModule | undefined;
  let server: RealServer | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    await server?.close();
    moduleRef = undefined;
    server = undefined;
  });

  it('delivers every event exactly once and in order per session while Trace answers 503 at first', async () => {
    const failFirst = 7;
    let seen = 0;
    const accepted = new Set<RecordedRequest>();
    server = await startServer((req, res) => {
      if (++seen <= failFirst) return json(res, 503, { detail: 'warming up' });
      accepted.add(req);
      json(res, 200, { ok: true });
    });
    const outbox = new InMemoryOutbox();
    const sessions = ['alpha', 'beta:2', 'gamma.3', 'delta'];
    const expected = new Map<string, number[]>();
    for (const s of sessions)
      expected.set(
        s,
        outbox.add(s, 12).map((e) => e.id),
      );
    outbox.add('alpha', 1, 'contract.response');
    expected.get('alpha')?.push(outbox.rows[outbox.rows.length - 1].id);

    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: `${server.url}/`,
      TRACE_RETRY_BASE_MS: '5',
      TRACE_RETRY_MAX_MS: '40',
      TRACE_POLL_INTERVAL_MS: '20',
      TRACE_BATCH_SIZE: '10',
      TRACE_CONCURRENCY: '3',
    });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    await waitFor(() => outbox.rows.length === 0, 'the outbox to drain');

    const delivered = acceptedBySession(server.requests, accepted);
    expect(delivered).toEqual(expected); // Map equality ignores the order of sessions
    expect(outbox.failures).toHaveLength(failFirst);
    expect(outbox.failures[0].error).toContain('503');
    expect(outbox.failures[0].error).toContain('warming up');
    for (const batch of outbox.deliveredBatches) expect(batch.length).toBeLessThanOrEqual(500);

    const stats = dispatcher.stats();
    expect(stats).toMatchObject({ enabled: true, delivered: 49, failed_attempts: failFirst });
    expect(stats.last_error).toContain('503');
    expect(stats.last_delivery_at).toMatch(/Z$/);
    expect(await dispatcher.backlog()).toEqual({ pending: 0, oldest_created_at: null });
  });

  it('on shutdown finishes only the request in flight and leaves the rest of the round in the outbox', async () => {
    let release: (() => void) | undefined;
    server = await startServer(async (_req, res) => {
      await new Promise<void>((resolve) => (release = resolve));
      json(res, 200, {});
    });
    const outbox = new InMemoryOutbox();
    outbox.add('one-session', 20);
    moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '20' });
    await waitFor(() => server!.requests.length === 1, 'the first delivery to start');
    const closing = moduleRef.close();
    moduleRef = undefined;
    release!();
    await closing;

    expect(server.requests).toHaveLength(1);
    expect(outbox.rows).toHaveLength(19);
  });

  it('sends the SPEC §6 request: path, body and X-Event-Id', async () => {
    server = await startServer((_req, res) => json(res, 201, {}));
    const outbox = new InMemoryOutbox();
    const [event] = outbox.add('sess/../x y', 1, 'contract.response');
    moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '20' });
    await waitFor(() => outbox.rows.length === 0, 'delivery');

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/v1/sessions/${encodeURIComponent('sess/../x y')}/events`);
    expect(req.headers['content-type']).toContain('application/json');
    expect(req.headers['x-event-id']).toBe(event.data.contract_id);
    expect(req.json).toEqual({ event_type: 'contract.response', data: event.data });
    expect(Object.keys(req.json as object)).toEqual(['event_type', 'data']);
  });

  it('keeps events while Trace is down, backs off exponentially, and drains once it is up', async () => {
    const probe = await startServer(() => undefined);
    const port = probe.port;
    await probe.close(); // a dead port

    const outbox = new InMemoryOutbox();
    outbox.add('s1', 3);
    outbox.add('s2', 2);
    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: `http://127.0.0.1:${port}`,
      TRACE_RETRY_BASE_MS: '20',
      TRACE_RETRY_MAX_MS: '1000',
      TRACE_POLL_INTERVAL_MS: '20',
    });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    const head = outbox.rows[0].id;
    await waitFor(() => outbox.failures.filter((f) => f.id === head).length >= 4, 'four failed attempts of the first event');

    expect(outbox.rows).toHaveLength(5);
    expect((await dispatcher.backlog()).pending).toBe(5);
    const headFailures = outbox.failures.filter((f) => f.id === head).slice(0, 4);
    headFailures.forEach((f, k) => {
      expect(f.attempts).toBe(k);
      expect(f.error).toMatch(/unreachable/i);
      expect(f.delayMs).toBeGreaterThanOrEqual((20 * 2 ** k) / 2 - 2);
      expect(f.delayMs).toBeLessThanOrEqual(20 * 2 ** k);
    });
    expect(headFailures[3].delayMs).toBeGreaterThan(headFailures[0].delayMs);
    // Only the head of each session is attempted; the events behind it wait.
    expect(new Set(outbox.failures.map((f) => f.id))).toEqual(new Set([1, 4]));
    expect(dispatcher.stats().delivered).toBe(0);
    expect(dispatcher.stats().failed_attempts).toBeGreaterThanOrEqual(4);

    const accepted = new Set<RecordedRequest>();
    server = await startServer((req, res) => {
      accepted.add(req);
      json(res, 200, {});
    }, port);
    await waitFor(() => outbox.rows.length === 0, 'the outbox to drain after Trace came up');
    const delivered = acceptedBySession(server.requests, accepted);
    expect(delivered.get('s1')).toEqual([1, 2, 3]);
    expect(delivered.get('s2')).toEqual([4, 5]);
    expect(dispatcher.stats().delivered).toBe(5);
  });

  it('ends a round at the first sign that Trace is down instead of trying every session', async () => {
    server = await startServer((_req, res) => json(res, 503, { detail: 'down' }));
    const outbox = new InMemoryOutbox();
    for (let i = 0; i < 40; i++) outbox.add(`down-${i}`, 1);
    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: server.url,
      TRACE_CONCURRENCY: '1',
      TRACE_RETRY_BASE_MS: '10000',
      TRACE_RETRY_MAX_MS: '60000',
    });
    await waitFor(() => outbox.failures.length === 1, 'the first failed attempt');
    // Give a round that went on to other sessions the time to do so.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests).toHaveLength(1);
    expect(outbox.failures).toHaveLength(1);
    expect(outbox.rows).toHaveLength(40);
  });

  it('treats a timeout as a failed attempt', async () => {
    let calls = 0;
    server = await startServer((_req, res) => {
      if (++calls === 1) return; // hang
      json(res, 200, {});
    });
    const outbox = new InMemoryOutbox();
    outbox.add('s', 2);
    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: server.url,
      TRACE_TIMEOUT_MS: '200',
      TRACE_RETRY_BASE_MS: '10',
      TRACE_POLL_INTERVAL_MS: '20',
    });
    await waitFor(() => outbox.rows.length === 0, 'delivery after the timeout');
    expect(outbox.failures).toHaveLength(1);
    expect(outbox.failures[0].error).toContain('did not answer within 200 ms');
  });

  it('wakes up on notify() instead of waiting for the poll interval', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    const outbox = new InMemoryOutbox();
    moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '3600000' });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    await waitFor(() => outbox.claimCalls >= 1, 'the first round');

    outbox.add('s', 2);
    dispatcher.notify();
    dispatcher.notify();
    await waitFor(() => outbox.rows.length === 0, 'delivery after notify()');
    expect(server.requests).toHaveLength(2);
  });

  it('sets an event Trace refuses for good aside and goes on with the rest of its session', async () => {
    const accepted = new Set<RecordedRequest>();
    server = await startServer((req, res) => {
      if (req.headers['x-event-id'] === 'c2') return json(res, 413, { detail: 'too large' });
      accepted.add(req);
      json(res, 200, {});
    });
    const outbox = new InMemoryOutbox();
    outbox.add('s', 4);
    moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '20' });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    await waitFor(() => outbox.rows.length === 0, 'the outbox to drain');

    expect(acceptedBySession(server.requests, accepted).get('s')).toEqual([1, 3, 4]);
    expect(outbox.deadLetters).toMatchObject([{ id: 2, attempts: 1, last_status: 413 }]);
    expect(outbox.deadLetters[0].last_error).toContain('too large');
    expect(outbox.failures).toEqual([]);
    expect(dispatcher.stats()).toMatchObject({ delivered: 3, dead_lettered: 1, failed_attempts: 1 });
  });

  it('sets an event aside after TRACE_MAX_ATTEMPTS failed attempts', async () => {
    server = await startServer((_req, res) => json(res, 503, { detail: 'down' }));
    const outbox = new InMemoryOutbox();
    outbox.add('s', 2);
    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: server.url,
      TRACE_MAX_ATTEMPTS: '3',
      TRACE_RETRY_BASE_MS: '5',
      TRACE_RETRY_MAX_MS: '20',
      TRACE_POLL_INTERVAL_MS: '20',
    });
    await waitFor(() => outbox.deadLetters.length === 2, 'both events to be set aside');
    expect(outbox.failures.map((f) => [f.id, f.attempts])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(outbox.deadLetters).toMatchObject([
      { id: 1, attempts: 3, last_status: 503 },
      { id: 2, attempts: 3, last_status: 503 },
    ]);
    expect(outbox.rows).toEqual([]);
  });

  describe('giving way to the request path', () => {
    /** A Trace that holds every event 20 ms and records how many it held at once. */
    async function slowTrace(): Promise<{ server: RealServer; maxInFlight: () => number }> {
      let inFlight = 0;
      let max = 0;
      const real = await startServer(async (_req, res) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight--;
        json(res, 200, {});
      });
      return { server: real, maxInFlight: () => max };
    }

    /** Calls notify() every 5 ms, as committing tasks do, until the returned function is called. */
    function keepCommitting(dispatcher: TraceOutboxDispatcher): () => void {
      const timer = setInterval(() => dispatcher.notify(), 5);
      return () => clearInterval(timer);
    }

    const sessions = (outbox: InMemoryOutbox) => {
      for (let i = 0; i < 30; i++) outbox.add(`s${i}`, 2);
    };

    it('keeps one event in flight while tasks commit and the loop is saturated, and still delivers everything', async () => {
      const trace = await slowTrace();
      server = trace.server;
      const outbox = new InMemoryOutbox();
      moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '3600000' }, new FixedLoad(1));
      const dispatcher = moduleRef.get(TraceOutboxDispatcher);
      const stop = keepCommitting(dispatcher);
      try {
        await waitFor(() => dispatcher.stats().yielding, 'the dispatcher to give way');
        sessions(outbox);
        await waitFor(() => outbox.rows.length === 0, 'delivery of all 60 events');
      } finally {
        stop();
      }
      expect(trace.maxInFlight()).toBe(1);
      expect(server.requests).toHaveLength(60);
      expect(dispatcher.stats()).toMatchObject({ delivered: 60, yielding: true });
      // While yielding, rounds claim a few events at a time.
      const yieldingClaims = outbox.claimLimits.slice(outbox.claimLimits.indexOf(20));
      expect(yieldingClaims.length).toBeGreaterThan(1);
      expect(new Set(yieldingClaims)).toEqual(new Set([20]));
    });

    it('goes back to full concurrency once the loop has room again', async () => {
      const trace = await slowTrace();
      server = trace.server;
      const outbox = new InMemoryOutbox();
      const load = new FixedLoad(1);
      moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '3600000' }, load);
      const dispatcher = moduleRef.get(TraceOutboxDispatcher);
      const stop = keepCommitting(dispatcher);
      try {
        await waitFor(() => dispatcher.stats().yielding, 'the dispatcher to give way');
        load.utilisation = SATURATED_UTILISATION - 0.2;
        await waitFor(() => !dispatcher.stats().yielding, 'the dispatcher to stop giving way');
        sessions(outbox);
        await waitFor(() => outbox.rows.length === 0, 'delivery of all 60 events');
      } finally {
        stop();
      }
      expect(trace.maxInFlight()).toBeGreaterThan(1);
      expect(outbox.claimLimits.at(-1)).toBe(200);
    });

    it('sends in parallel when the loop is busy but no task commits (draining a backlog)', async () => {
      const trace = await slowTrace();
      server = trace.server;
      const outbox = new InMemoryOutbox();
      sessions(outbox);
      const load = new FixedLoad(1);
      moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '20' }, load);
      const dispatcher = moduleRef.get(TraceOutboxDispatcher);
      await waitFor(() => outbox.rows.length === 0, 'delivery of all 60 events');
      expect(load.samples).toBeGreaterThan(0);
      expect(trace.maxInFlight()).toBeGreaterThan(1);
      expect(dispatcher.stats().yielding).toBe(false);
    });

    it('sends in parallel while tasks commit but the loop has room', async () => {
      const trace = await slowTrace();
      server = trace.server;
      const outbox = new InMemoryOutbox();
      const load = new FixedLoad(SATURATED_UTILISATION - 0.2);
      moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '3600000' }, load);
      const dispatcher = moduleRef.get(TraceOutboxDispatcher);
      const stop = keepCommitting(dispatcher);
      try {
        await waitFor(() => load.samples >= 2, 'the pace to be judged while tasks commit');
        sessions(outbox);
        await waitFor(() => outbox.rows.length === 0, 'delivery of all 60 events');
      } finally {
        stop();
      }
      expect(trace.maxInFlight()).toBeGreaterThan(1);
      expect(dispatcher.stats().yielding).toBe(false);
    });
  });

  it('keeps running after a round that throws', async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    const outbox = new InMemoryOutbox();
    outbox.failClaims = 2;
    outbox.add('s', 3);
    moduleRef = await createDispatcher(outbox, {
      TRACE_URL: server.url,
      TRACE_RETRY_BASE_MS: '10',
      TRACE_POLL_INTERVAL_MS: '20',
    });
    await waitFor(() => outbox.rows.length === 0, 'delivery after the failing rounds');
    expect(outbox.claimCalls).toBeGreaterThanOrEqual(3);
    expect(moduleRef.get(TraceOutboxDispatcher).stats().last_error).toContain('database is locked');
  });

  it('waits for the in-flight round at shutdown', async () => {
    let release: (() => void) | undefined;
    server = await startServer((_req, res) => {
      release = () => json(res, 200, {});
    });
    const outbox = new InMemoryOutbox();
    outbox.add('s', 1);
    moduleRef = await createDispatcher(outbox, { TRACE_URL: server.url, TRACE_POLL_INTERVAL_MS: '20' });
    await waitFor(() => release !== undefined, 'the request to arrive');

    let closed = false;
    const closing = moduleRef.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release?.();
    await closing;
    moduleRef = undefined;
    expect(outbox.rows).toHaveLength(0);
  });

  it('stays idle when TRACE_URL is unset', async () => {
    const outbox = new InMemoryOutbox();
    outbox.add('s', 1);
    moduleRef = await createDispatcher(outbox, {});
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    expect(dispatcher.enabled).toBe(false);
    expect(() => dispatcher.notify()).not.toThrow();
    expect(dispatcher.stats()).toEqual({
      enabled: false,
      delivered: 0,
      failed_attempts: 0,
      dead_lettered: 0,
      last_error: null,
      last_delivery_at: null,
      yielding: false,
    });
    expect(outbox.claimCalls).toBe(0);
    expect((await dispatcher.backlog()).pending).toBe(1);
  });
});
