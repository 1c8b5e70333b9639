import { Test, type TestingModule } from '@nestjs/testing';
import type { Contract, TraceEventType } from '../contracts/contract.model.js';
import { ContractRepository, OutboxRepository } from '../contracts/contract.repository.js';
import { makeRequest, makeResponse, makeTempDir } from '../contracts/testing/contract.fixtures.js';
import { json, startServer, type RealServer, type RecordedRequest } from '../../test/utils/http-server.js';
import { CompressionService } from './compression/compression.service.js';
import { integrationsConfig, loadIntegrationsConfig } from './integrations.config.js';
import { IntegrationsModule } from './integrations.module.js';
import { ReachabilityService } from './reachability/reachability.service.js';
import { TraceOutboxDispatcher } from './trace/trace-outbox.dispatcher.js';

/** The real IntegrationsModule over the real SQLite store (and its outbox) in a temporary DATA_DIR. */
async function createModule(dataDir: string, env: Record<string, string>): Promise<TestingModule> {
  const saved = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [IntegrationsModule] })
      .overrideProvider(integrationsConfig.KEY)
      .useValue(loadIntegrationsConfig(env))
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef;
  } finally {
    if (saved === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = saved;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Writes `tasks` orchestrated tasks per session as the orchestrator does (REQUEST, then RESPONSE), interleaved. */
async function writeTasks(repo: ContractRepository, sessions: string[], tasks: number): Promise<Map<string, Contract[]>> {
  const written = new Map<string, Contract[]>(sessions.map((s) => [s, []]));
  for (let i = 0; i < tasks; i++) {
    for (const session of sessions) {
      const request = makeRequest({ session_id: session, payload: { n: i } });
      await repo.insertRequest(request, { outbox: true });
      const response = makeResponse(request);
      await repo.completeRequest(
        request,
        { status: 'completed', result: response.result, error: null, completed_at: response.created_at },
        response,
        { outbox: true },
      );
      written.get(session)?.push(request, response);
    }
  }
  return written;
}

interface TraceBody {
  event_type: TraceEventType;
  data: { contract_id: string; session_id: string };
}

function acceptedContracts(requests: RecordedRequest[], accepted: Set<RecordedRequest>): Map<string, string[]> {
  const bySession = new Map<string, string[]>();
  for (const req of requests) {
    if (!accepted.has(req)) continue;
    const body = req.json as TraceBody;
    const list = bySession.get(body.data.session_id) ?? [];
    list.push(body.data.contract_id);
    bySession.set(body.data.session_id, list);
  }
  return bySession;
}

describe('IntegrationsModule over the SQLite store (real HTTP servers)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let moduleRef: TestingModule | undefined;
  let server: RealServer | undefined;

  beforeEach(() => {
    temp = makeTempDir('integrations-module-');
  });

  afterEach(async () => {
    await moduleRef?.close();
    await server?.close();
    moduleRef = undefined;
    server = undefined;
    temp.remove();
  });

  it('exports the services the orchestrator uses; Trace disabled leaves the outbox alone', async () => {
    moduleRef = await createModule(temp.dir, {});
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    expect(dispatcher.enabled).toBe(false);
    expect(moduleRef.get(CompressionService).mode).toBe('local');
    expect((await moduleRef.get(ReachabilityService).check()).trace.configured).toBe(false);
    await writeTasks(moduleRef.get(ContractRepository), ['s'], 1);
    dispatcher.notify();
    expect((await dispatcher.backlog()).pending).toBe(2);
    expect(dispatcher.stats().delivered).toBe(0);
  });

  it('delivers every contract event exactly once, in commit order per session, through 503s', async () => {
    const failFirst = 9;
    let seen = 0;
    const accepted = new Set<RecordedRequest>();
    server = await startServer((req, res) => {
      if (++seen <= failFirst) return json(res, 503, { detail: 'busy' });
      accepted.add(req);
      json(res, 202, {});
    });
    moduleRef = await createModule(temp.dir, {
      TRACE_URL: server.url,
      TRACE_RETRY_BASE_MS: '5',
      TRACE_RETRY_MAX_MS: '50',
      TRACE_POLL_INTERVAL_MS: '20',
      TRACE_BATCH_SIZE: '16',
      TRACE_CONCURRENCY: '3',
    });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    const sessions = ['session_a', 'session:b', 'session.c', 'session_d'];
    const written = await writeTasks(moduleRef.get(ContractRepository), sessions, 10);
    dispatcher.notify();

    const outbox = moduleRef.get(OutboxRepository);
    await waitFor(async () => (await outbox.backlog()).pending === 0, 'the outbox to drain');

    const delivered = acceptedContracts(server.requests, accepted);
    for (const session of sessions) {
      expect(delivered.get(session)).toEqual(written.get(session)?.map((c) => c.contract_id));
    }
    const firstOfA = server.requests.find((r) => accepted.has(r) && (r.json as TraceBody).data.session_id === 'session_a');
    expect(firstOfA?.url).toBe('/v1/sessions/session_a/events');
    const firstBody = firstOfA!.json as TraceBody;
    expect(firstBody.event_type).toBe('contract.request');
    expect(Object.keys(firstBody.data).sort()).toEqual(
      [
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
      ].sort(),
    );
    expect(dispatcher.stats()).toMatchObject({ enabled: true, delivered: 80, failed_attempts: failFirst });
  });

  it('keeps events in the store while Trace is down and drains them when it comes up', async () => {
    const probe = await startServer(() => undefined);
    const port = probe.port;
    await probe.close();
    moduleRef = await createModule(temp.dir, {
      TRACE_URL: `http://127.0.0.1:${port}`,
      TRACE_RETRY_BASE_MS: '10',
      TRACE_RETRY_MAX_MS: '200',
      TRACE_POLL_INTERVAL_MS: '20',
    });
    const dispatcher = moduleRef.get(TraceOutboxDispatcher);
    const written = await writeTasks(moduleRef.get(ContractRepository), ['x', 'y'], 3);
    dispatcher.notify();
    await waitFor(() => dispatcher.stats().failed_attempts >= 6, 'several failed attempts');
    expect((await dispatcher.backlog()).pending).toBe(12);
    expect(dispatcher.stats().last_error).toMatch(/unreachable/i);

    const accepted = new Set<RecordedRequest>();
    server = await startServer((req, res) => {
      accepted.add(req);
      json(res, 200, {});
    }, port);
    await waitFor(async () => (await dispatcher.backlog()).pending === 0, 'the outbox to drain');
    const delivered = acceptedContracts(server.requests, accepted);
    expect(delivered.get('x')).toEqual(written.get('x')?.map((c) => c.contract_id));
    expect(delivered.get('y')).toEqual(written.get('y')?.map((c) => c.contract_id));
    expect(dispatcher.stats().delivered).toBe(12);
  });
});
