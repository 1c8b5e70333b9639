import type { Kysely } from 'kysely';
import { openPostgresDatabase, openSqliteDatabase, type Database } from '../../../database/index.js';
import {
  createTempPostgresDatabase,
  postgresReachable,
  reportPostgresSkipped,
  type TempPostgresDatabase,
} from '../../../database/testing/temp-postgres-database.js';
import type { Contract, OutboxEvent } from '../../contract.model.js';
import type { ContractRepository, OutboxRepository } from '../../contract.repository.js';
import { RequestAlreadyClosedError } from '../../errors/request-already-closed.error.js';
import { RequestNotFoundError } from '../../errors/request-not-found.error.js';
import { makeRequest, makeResponse, makeTempDir } from '../../testing/contract.fixtures.js';
import { contractRepositoryFor } from '../contract-repository.provider.js';
import { PostgresContractRepository } from './postgres-contract.repository.js';

type Store = ContractRepository & OutboxRepository;

const reachable = await postgresReachable();
if (!reachable) reportPostgresSkipped('PostgresContractRepository specs');
const describeWithPostgres = reachable ? describe : describe.skip;

describeWithPostgres('PostgresContractRepository (on the PostgreSQL server of TEST_POSTGRES_URL)', () => {
  let database: TempPostgresDatabase;
  /** Two pools on the same database: two processes sharing the store. */
  let dbs: Kysely<Database>[];
  let repos: PostgresContractRepository[];

  beforeEach(async () => {
    database = await createTempPostgresDatabase();
    dbs = [await openPostgresDatabase({ url: database.url }), await openPostgresDatabase({ url: database.url })];
    repos = dbs.map((db) => contractRepositoryFor(db) as PostgresContractRepository);
  });

  afterEach(async () => {
    for (const db of dbs) await db.destroy();
    await database.drop();
  });

  it('is chosen for a PostgreSQL database', () => {
    expect(repos[0]).toBeInstanceOf(PostgresContractRepository);
  });

  it('answers as the SQLite adapter does: pages, filters, cursors, sessions (byte order), counters, outbox and dead letters', async () => {
    const temp = makeTempDir();
    const sqliteDb = await openSqliteDatabase({ dataDir: temp.dir, synchronous: 'NORMAL' });
    try {
      const sqlite = contractRepositoryFor(sqliteDb);
      const script = async (store: Store) => {
        // The same contract ids and times in both stores.
        let k = 0;
        const fixed = () => {
          k += 1;
          return {
            contract_id: `01KCONTRACT${String(k).padStart(15, '0')}`,
            created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, k)).toISOString(),
          };
        };
        const seen: unknown[] = [];
        const requests: Contract[] = [];
        // Session ids whose order differs between byte order and a locale's.
        for (const session_id of ['b_session', 'B-session', 'a.session', '_session', 'Zeta', 'alpha']) {
          for (let i = 0; i < 3; i++) {
            const request = makeRequest({
              ...fixed(),
              session_id,
              capability: i === 2 ? 'math.compute' : 'echo',
              payload: { i, text: 'é ✓' },
            });
            await store.insertRequest(request, { outbox: true, traceparent: '00-abc-def-01' });
            requests.push(request);
          }
        }
        for (const [i, request] of requests.entries()) {
          if (i % 3 === 2) continue; // stays in_progress
          const failed = i % 3 === 1;
          const stamp = fixed();
          const response = makeResponse(request, {
            ...stamp,
            completed_at: stamp.created_at,
            ...(failed ? { status: 'failed', result: null, error: 'boom' } : {}),
          });
          await store.completeRequest(
            request,
            failed
              ? { status: 'failed', result: null, error: 'boom', completed_at: response.created_at }
              : { status: 'completed', result: response.result, error: null, completed_at: response.created_at, metadata: { attempts: 1 } },
            response,
            { outbox: true },
          );
        }
        await store.importContracts([makeRequest({ ...fixed(), session_id: 'imported', status: 'completed', result: [1, { a: null }] })]);
        seen.push(await store.stats());
        for (const filter of [
          {},
          { session_id: 'B-session' },
          { status: 'failed' as const },
          { capability: 'echo', contract_type: 'REQUEST' as const },
        ]) {
          let page = await store.find(filter, { limit: 4 });
          seen.push(page);
          while (page.next_cursor !== null) {
            page = await store.find(filter, { limit: 4, cursor: page.next_cursor });
            seen.push(page);
          }
        }
        let sessions = await store.listSessions({ limit: 4 });
        seen.push(sessions);
        while (sessions.next_cursor !== null) {
          sessions = await store.listSessions({ limit: 4, cursor: sessions.next_cursor });
          seen.push(sessions);
        }
        seen.push(await store.findChildren(requests.slice(0, 4).map((r) => r.contract_id)));
        seen.push(await store.findSession('alpha'));
        const batches: Contract[][] = [];
        for await (const batch of store.scan({ session_id: 'Zeta' }, { batchSize: 2 })) batches.push(batch);
        seen.push(batches);
        const inProgress: Contract[][] = [];
        for await (const batch of store.scanInProgressRequests({ batchSize: 4 })) inProgress.push(batch);
        seen.push(inProgress);
        const interrupted = inProgress.flat().map((c) => c.contract_id);
        seen.push(
          await store.recordInterruptedAttempt(interrupted[0]!, { agent_id: 'a', started_at: null, duration_ms: null, error: 'lost' }),
        );
        seen.push(
          await store.failInterrupted(
            [...interrupted, requests[0]!.contract_id],
            'orchestrator restarted before the task finished',
            '2026-02-01T00:00:00.000Z',
          ),
        );
        seen.push(await store.recordInterruptedAttempt(interrupted[0]!, { error: 'too late' }));
        const claimed = await store.claimDue(new Date(Date.now() + 1000), 5);
        seen.push(claimed.map(withoutTime));
        await store.markDelivered([claimed[0]!.id]);
        await store.markFailed(claimed[1]!.id, 'Trace said 503', new Date(Date.now() + 60_000));
        expect(await store.moveToDeadLetter(claimed[2]!.id, { status: 422, error: 'refused', at: new Date('2026-03-01T00:00:00Z') })).toBe(
          true,
        );
        seen.push((await store.listDeadLetters(10)).map(withoutTime), await store.deadLetterSummary());
        seen.push(await store.requeueDeadLetters('all', new Date()));
        seen.push((await store.backlog()).pending, await store.stats());
        seen.push(await store.deleteExpiredSessions('9999', 2, 4), await store.stats());
        return seen;
      };
      const onSqlite = await script(sqlite);
      const onPostgres = await script(repos[0]!);
      // Compared as text: the same JSON, byte for byte (key order included).
      const differing = onSqlite.flatMap((step, i) => (JSON.stringify(onPostgres[i]) === JSON.stringify(step) ? [] : [i]));
      expect(differing).toEqual([]);
      expect(JSON.stringify(onPostgres)).toBe(JSON.stringify(onSqlite));
    } finally {
      await sqliteDb.destroy();
      temp.remove();
    }
  });

  it('two processes writing at once: counters exact, and a cursor walk never skips a contract committed late', async () => {
    const perWriter = 60;
    let writing = true;
    const walks: string[] = [];
    const writer = async (repo: Store, w: number) => {
      for (let i = 0; i < perWriter; i++) {
        const request = makeRequest({ session_id: `s${i % 5}`, to_agent: `agent_${w}` });
        await repo.insertRequest(request, { outbox: false });
        if (i % 2 === 0) {
          const response = makeResponse(request);
          await repo.completeRequest(
            request,
            { status: 'completed', result: response.result, error: null, completed_at: response.created_at },
            response,
            {
              outbox: false,
            },
          );
        }
      }
    };
    // A reader pages through everything, again and again, while the writers run: every contract
    // committed before a page was read, up to that page's last one, must have been seen.
    const reader = async () => {
      while (writing) {
        const seen = new Set<string>();
        let cursor: string | undefined;
        for (;;) {
          const page = await repos[1]!.find({}, { limit: 7, ...(cursor === undefined ? {} : { cursor }) });
          for (const c of page.items) seen.add(c.contract_id);
          if (page.next_cursor === null) break;
          cursor = page.next_cursor;
        }
        const last = [...seen].pop();
        if (last === undefined) continue;
        const upToLast: string[] = [];
        for await (const batch of repos[0]!.scan({})) {
          for (const c of batch) {
            upToLast.push(c.contract_id);
            if (c.contract_id === last) break;
          }
          if (upToLast[upToLast.length - 1] === last) break;
        }
        walks.push(upToLast.filter((id) => !seen.has(id)).join(','));
      }
    };
    const reading = reader();
    await Promise.all([writer(repos[0]!, 0), writer(repos[1]!, 1), writer(repos[0]!, 2), writer(repos[1]!, 3)]);
    writing = false;
    await reading;

    expect(walks.length).toBeGreaterThan(0);
    expect(walks.filter((missed) => missed !== '')).toEqual([]);
    const total = 4 * perWriter + 4 * (perWriter / 2);
    expect(await repos[1]!.stats()).toEqual({
      total_sessions: 5,
      total_contracts: total,
      by_status: { completed: 4 * (perWriter / 2) * 2, in_progress: 4 * (perWriter / 2) },
    });
    expect((await repos[0]!.find({}, { limit: 1 })).total).toBe(total);
    expect((await repos[0]!.listSessions({ limit: 10 })).items.reduce((n, s) => n + s.contract_count, 0)).toBe(total);
  });

  it('task writes in flight together (one statement per batch) from two processes: seq order, exact counters, one outcome per REQUEST', async () => {
    const perRepo = 150;
    const inserted = await Promise.all(
      Array.from({ length: 2 * perRepo }, (_, i) => {
        const request = makeRequest({ session_id: `batch_${i % 7}` });
        return repos[i % 2]!.insertRequest(request, { outbox: i % 3 === 0 }).then(() => request);
      }),
    );
    // Every REQUEST closed twice at once, from both processes: one close wins, the other is told.
    const outcomes = await Promise.allSettled(
      inserted.flatMap((request, i) =>
        [0, 1].map((r) => {
          const response = makeResponse(request, r === 0 ? {} : { status: 'failed', result: null, error: 'late' });
          return repos[(i + r) % 2]!.completeRequest(
            request,
            r === 0
              ? { status: 'completed', result: response.result, error: null, completed_at: response.created_at }
              : { status: 'failed', result: null, error: 'late', completed_at: response.created_at },
            response,
            { outbox: true },
          );
        }),
      ),
    );
    const closedOnce = inserted.map((_, i) => outcomes.slice(2 * i, 2 * i + 2).filter((o) => o.status === 'fulfilled').length);
    expect(closedOnce.every((n) => n === 1)).toBe(true);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RequestAlreadyClosedError);
    }

    const all: Contract[] = [];
    for await (const batch of repos[0]!.scan({})) all.push(...batch);
    const total = 2 * 2 * perRepo;
    expect(all).toHaveLength(total);
    // A RESPONSE comes after its REQUEST in seq order, and each REQUEST has exactly one.
    const position = new Map(all.map((c, i) => [c.contract_id, i]));
    const responses = all.filter((c) => c.contract_type === 'RESPONSE');
    expect(new Set(responses.map((c) => c.parent_contract_id)).size).toBe(2 * perRepo);
    for (const response of responses) expect(position.get(response.parent_contract_id!)!).toBeLessThan(position.get(response.contract_id)!);
    const byStatus: Record<string, number> = {};
    for (const c of all) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    expect(await repos[1]!.stats()).toEqual({ total_sessions: 7, total_contracts: total, by_status: byStatus });
    expect((await repos[1]!.listSessions({ limit: 10 })).items.reduce((n, s) => n + s.contract_count, 0)).toBe(total);
    // Outbox: one event per REQUEST written with it, one per RESPONSE.
    expect((await repos[0]!.backlog()).pending).toBe(Math.ceil((2 * perRepo) / 3) + 2 * perRepo);
  });

  it('a task write the server refuses fails alone; the others of its batch are written', async () => {
    const first = makeRequest({ session_id: 'refused' });
    await repos[0]!.insertRequest(first, { outbox: false });
    const others = Array.from({ length: 5 }, () => makeRequest({ session_id: 'refused' }));
    const unknown = makeRequest({ session_id: 'refused' });
    const unknownResponse = makeResponse(unknown);
    const results = await Promise.allSettled([
      ...others.map((request) => repos[0]!.insertRequest(request, { outbox: true })),
      // The same contract id again: a unique violation.
      repos[0]!.insertRequest({ ...first }, { outbox: true }),
      repos[0]!.completeRequest(
        unknown,
        { status: 'completed', result: unknownResponse.result, error: null, completed_at: unknownResponse.created_at },
        unknownResponse,
        { outbox: true },
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual([...others.map(() => 'fulfilled'), 'rejected', 'rejected']);
    expect((results[6] as PromiseRejectedResult).reason).toBeInstanceOf(RequestNotFoundError);
    expect(await repos[1]!.stats()).toEqual({ total_sessions: 1, total_contracts: 6, by_status: { in_progress: 6 } });
    expect((await repos[1]!.findSession('refused'))?.contract_count).toBe(6);
    expect((await repos[1]!.backlog()).pending).toBe(5);
  });

  it('two dispatchers claiming at once: each event delivered once, each session in order', async () => {
    const sessions = ['s_a', 's_b', 's_c', 's_d'];
    for (let i = 0; i < 120; i++) {
      await repos[i % 2]!.insertRequest(makeRequest({ session_id: sessions[i % sessions.length]! }), { outbox: true });
    }
    const delivered: OutboxEvent[] = [];
    const claimsByRepo = [0, 0];
    const dispatcher = async (r: number) => {
      for (;;) {
        const events = await repos[r]!.claimDue(new Date(), 7);
        if (events.length === 0) {
          if ((await repos[r]!.backlog()).pending === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        claimsByRepo[r]! += events.length;
        for (const event of events) {
          delivered.push(event);
          await new Promise((resolve) => setImmediate(resolve));
        }
        await repos[r]!.markDelivered(events.map((e) => e.id));
      }
    };
    await Promise.all([dispatcher(0), dispatcher(1), dispatcher(0), dispatcher(1)]);

    expect(delivered).toHaveLength(120);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(120);
    for (const session of sessions) {
      const ids = delivered.filter((e) => e.session_id === session).map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    expect(claimsByRepo[0]! + claimsByRepo[1]!).toBe(120);
    expect(await repos[0]!.backlog()).toEqual({ pending: 0, oldest_created_at: null });
  });

  it('a claimed event is reserved: another process does not claim it (nor its session’s later events) until it is released', async () => {
    await repos[0]!.insertRequest(makeRequest({ session_id: 'held' }), { outbox: true });
    await repos[0]!.insertRequest(makeRequest({ session_id: 'held' }), { outbox: true });
    await repos[0]!.insertRequest(makeRequest({ session_id: 'free' }), { outbox: true });
    const first = await repos[0]!.claimDue(new Date(), 1);
    expect(first.map((e) => e.session_id)).toEqual(['held']);
    const second = await repos[1]!.claimDue(new Date(), 10);
    expect(second.map((e) => e.session_id)).toEqual(['free']);
    await repos[0]!.markFailed(first[0]!.id, 'Trace said 503', new Date(Date.now() - 1));
    expect((await repos[1]!.claimDue(new Date(), 10)).map((e) => e.id)).toEqual([first[0]!.id, first[0]!.id + 1]);
  });
});

function withoutTime<T extends { created_at: string }>(event: T): Omit<T, 'created_at'> {
  const rest: Partial<T> = { ...event };
  delete rest.created_at;
  return rest as Omit<T, 'created_at'>;
}
