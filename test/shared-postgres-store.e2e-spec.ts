import type { Server } from 'node:http';
import request from 'supertest';
import {
  createTempPostgresDatabase,
  postgresReachable,
  reportPostgresSkipped,
  type TempPostgresDatabase,
} from '../src/database/testing/temp-postgres-database.js';
import { json, startServer, type RealServer, type RecordedRequest } from './utils/http-server.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitFor } from './utils/wait-for.js';

/**
 * Two instances of the app on one PostgreSQL database (issue 13 §1), as two replicas behind a load
 * balancer would run: tasks go to either, both dispatchers deliver the one Trace outbox to a real
 * Trace server. Runs whenever PostgreSQL answers (whatever TEST_DATABASE says), and skips, saying
 * so, when it does not.
 */

const reachable = await postgresReachable();
if (!reachable) reportPostgresSkipped('two app instances on one PostgreSQL database');
const describeWithPostgres = reachable ? describe : describe.skip;

interface Contract {
  contract_id: string;
  session_id: string;
}

interface Delivery {
  request: RecordedRequest;
  status: number;
}

const SESSIONS = ['shared_a', 'shared_b', 'shared_c', 'shared_d', 'shared_e'];
const TASKS = 100;
/** Trace answers 503 to this many first events, so that retries and given-back claims cross the two dispatchers. */
const REFUSED_FIRST = 12;

describeWithPostgres('two app instances on one PostgreSQL database', () => {
  let database: TempPostgresDatabase;
  let trace: RealServer;
  const deliveries: Delivery[] = [];
  let apps: TestApp[] = [];

  beforeAll(async () => {
    database = await createTempPostgresDatabase('orch_shared_');
    trace = await startServer(async (req, res) => {
      if (req.method === 'GET' && req.url === '/v1/health') return json(res, 200, { status: 'healthy' });
      const status = deliveries.length < REFUSED_FIRST ? 503 : 200;
      deliveries.push({ request: req, status });
      // A short pause, so that rounds of the two dispatchers overlap.
      await new Promise((resolve) => setTimeout(resolve, 2));
      json(res, status, status === 200 ? { accepted: true } : { detail: 'warming up' });
    });
    const env = {
      DATABASE_URL: database.url,
      TRACE_URL: trace.url,
      TRACE_RETRY_BASE_MS: '20',
      TRACE_RETRY_MAX_MS: '100',
      TRACE_POLL_INTERVAL_MS: '20',
      TRACE_BATCH_SIZE: '5',
      TRACE_CONCURRENCY: '3',
    };
    apps = [await createTestApp({ env }), await createTestApp({ env })];
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await trace?.close();
    await database?.drop();
  });

  const server = (i: number): Server => apps[i % apps.length]!.server;

  async function listAll(app: Server, query: Record<string, string> = {}): Promise<Contract[]> {
    const all: Contract[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(app)
        .get('/v1/contracts')
        .query({ ...query, limit: '50', ...(cursor === null ? {} : { cursor }) })
        .expect(200);
      const page = res.body as { contracts: Contract[]; next_cursor: string | null };
      all.push(...page.contracts);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return all;
  }

  async function traceStatus(app: Server) {
    const res = await request(app).get('/v1/status').expect(200);
    return (res.body as { integrations: { details: { trace: { outbox_backlog: number; dispatcher: { delivered: number } } } } })
      .integrations.details.trace;
  }

  it('tasks sent to either instance: one store, every Trace event delivered once, each session in order', async () => {
    for (let start = 0; start < TASKS; start += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, TASKS - start) }, async (_, j) => {
          const i = start + j;
          const res = await request(server(i))
            .post('/v1/orchestrate')
            .send({ session_id: SESSIONS[i % SESSIONS.length], capability: 'echo', parameters: { text: `task ${i}` } })
            .expect(200);
          expect(res.body).toMatchObject({ success: true, data: { message: `Echo: task ${i}` } });
        }),
      );
    }

    // One store: both instances list the same contracts, in the same order.
    const contracts = await listAll(server(0));
    expect(contracts).toHaveLength(2 * TASKS);
    expect(await listAll(server(1))).toEqual(contracts);

    await waitFor(async () => (await traceStatus(server(0))).outbox_backlog === 0, 'the shared outbox to drain', { timeoutMs: 60_000 });
    const accepted = deliveries.filter((d) => d.status === 200).map((d) => d.request.json as { data: Contract });

    // Every contract exactly once (no event delivered by both instances) …
    expect(accepted.map((e) => e.data.contract_id).sort()).toEqual(contracts.map((c) => c.contract_id).sort());
    expect(deliveries.filter((d) => d.status === 503)).toHaveLength(REFUSED_FIRST);
    const delivered = await Promise.all(apps.map(async (app) => (await traceStatus(app.server)).dispatcher.delivered));
    expect(delivered[0]! + delivered[1]!).toBe(2 * TASKS);

    // … and each session's events in the order of its contracts.
    for (const session of SESSIONS) {
      const inOrder = (await listAll(server(1), { session_id: session })).map((c) => c.contract_id);
      expect(accepted.filter((e) => e.data.session_id === session).map((e) => e.data.contract_id)).toEqual(inOrder);
    }
  });

  it('counters agree on both instances: /v1/status totals and /v1/sessions', async () => {
    const [a, b] = await Promise.all(apps.map((app) => request(app.server).get('/v1/sessions').query({ limit: '10' }).expect(200)));
    expect(b!.body).toEqual(a!.body);
    expect((a!.body as { total: number }).total).toBe(SESSIONS.length);
  });
});
