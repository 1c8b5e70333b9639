import Database from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect, type CompiledQuery } from 'kysely';
import { join } from 'node:path';
import type { Contract } from '../../contract.model.js';
import { SQLITE_FILE_NAME } from '../../../database/index.js';
import { useTempSqliteStore } from '../../testing/temp-sqlite-store.js';
import { makeRequest, makeResponse, makeTempDir, nextTime } from '../../testing/contract.fixtures.js';
import type { ContractsTables } from '../contracts.tables.js';
import { databaseMigrationProvider, migrateDatabase } from '../../../database/index.js';
import { encodeContractCursor } from '../page-cursor.js';
import { openSqliteDatabase } from '../../../database/index.js';
import { SqliteContractRepository } from './sqlite-contract.repository.js';

/** store_counters (migration 0006): kept with every write, read instead of counting tables. */
describe('store counters', () => {
  const store = useTempSqliteStore();

  /** The figures counted the slow way, as `stats()` / `backlog()` / list totals must give them. */
  async function counted() {
    const byStatus = await store.db
      .selectFrom('contracts')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const one = async (table: 'contracts' | 'sessions' | 'trace_outbox') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      total_contracts: await one('contracts'),
      total_sessions: await one('sessions'),
      by_status: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      outbox: await one('trace_outbox'),
    };
  }

  async function expectCountersRight(): Promise<void> {
    const expected = await counted();
    const stats = await store.repo.stats();
    expect(stats).toEqual({
      total_contracts: expected.total_contracts,
      total_sessions: expected.total_sessions,
      by_status: expected.by_status,
    });
    expect((await store.repo.backlog()).pending).toBe(expected.outbox);
    expect((await store.repo.listSessions({ limit: 1 })).total).toBe(expected.total_sessions);
    expect((await store.repo.find({}, { limit: 1 })).total).toBe(expected.total_contracts);
    for (const [status, n] of Object.entries(expected.by_status)) {
      expect((await store.repo.find({ status: status as Contract['status'] }, { limit: 1 })).total).toBe(n);
    }
    const sessions = await store.db.selectFrom('sessions').select(['session_id', 'contract_count']).execute();
    for (const { session_id, contract_count } of sessions) {
      const rows = await store.db
        .selectFrom('contracts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('session_id', '=', session_id)
        .executeTakeFirstOrThrow();
      expect(Number(contract_count)).toBe(Number(rows.n));
      expect((await store.repo.find({ session_id }, { limit: 1 })).total).toBe(Number(rows.n));
    }
  }

  const complete = (request: Contract, status: 'completed' | 'failed' | 'cancelled') =>
    store.repo.completeRequest(
      request,
      { status, result: null, error: status === 'completed' ? null : 'x', completed_at: nextTime() },
      makeResponse(request, { status }),
      {
        outbox: true,
      },
    );

  it('match count(*) after inserts, completes, imports, interrupted fails, deliveries and retention deletes', async () => {
    await expectCountersRight();

    const done = makeRequest({ session_id: 'c_a' });
    const failed = makeRequest({ session_id: 'c_a' });
    const cancelled = makeRequest({ session_id: 'c_b' });
    const interrupted = makeRequest({ session_id: 'c_c' });
    for (const r of [done, failed, cancelled, interrupted]) await store.repo.insertRequest(r, { outbox: true });
    await store.repo.insertRequest(makeRequest({ session_id: 'c_quiet' }), { outbox: false });
    await complete(done, 'completed');
    await complete(failed, 'failed');
    await complete(cancelled, 'cancelled');
    await expectCountersRight();

    // Imports: a new session, more contracts for an existing one, and duplicates (skipped).
    const imported = [
      makeRequest({ session_id: 'c_import', status: 'completed' }),
      makeRequest({ session_id: 'c_import', status: 'pending' }),
    ];
    const toExisting = makeRequest({ session_id: 'c_a', status: 'failed' });
    expect(await store.repo.importContracts([...imported, toExisting, done])).toBe(3);
    expect(await store.repo.importContracts(imported)).toBe(0);
    await expectCountersRight();

    const stillRunning: string[] = [];
    for await (const batch of store.repo.scanInProgressRequests()) stillRunning.push(...batch.map((c) => c.contract_id));
    expect(await store.repo.failInterrupted(stillRunning, 'restarted', nextTime())).toBe(2);
    expect(await store.repo.failInterrupted(stillRunning, 'restarted', nextTime())).toBe(0);
    await expectCountersRight();

    const events = await store.repo.claimDue(new Date(Date.now() + 60_000), 3);
    await store.repo.markDelivered([...events.map((e) => e.id), 999_999]);
    await store.repo.markDelivered(events.map((e) => e.id));
    await expectCountersRight();

    // Retention with a cutoff in the future: every session goes, in small batches, except one with a running REQUEST.
    const inProgress = makeRequest({ session_id: 'c_running' });
    await store.repo.insertRequest(inProgress, { outbox: false });
    const future = new Date(Date.now() + 365 * 24 * 3600_000).toISOString();
    let batch;
    do {
      batch = await store.repo.deleteExpiredSessions(future, 2, 3);
      await expectCountersRight();
    } while (batch.sessions > 0 || batch.contracts > 0);
    expect(await store.db.selectFrom('sessions').select('session_id').execute()).toEqual([{ session_id: 'c_running' }]);
    await complete(inProgress, 'completed');
    await expectCountersRight();
  });

  it('deleteExpiredSessions: oldest sessions first, whole unless over the contract limit, never one with a running REQUEST', async () => {
    const old = (session_id: string, n: number, status: Contract['status'] = 'completed') =>
      Array.from({ length: n }, () => makeRequest({ session_id, status, created_at: `2020-01-0${1 + (n % 9)}T00:00:00.000Z` }));
    await store.repo.importContracts([...old('old_big', 7), ...old('old_small', 2), ...old('old_running', 1, 'in_progress')]);
    await store.repo.importContracts([makeRequest({ session_id: 'recent', status: 'completed' })]);
    const cutoff = '2021-01-01T00:00:00.000Z';

    // old_small (updated 2020-01-03) before old_big (2020-01-08); 5 contracts per batch.
    expect(await store.repo.deleteExpiredSessions(cutoff, 10, 5)).toEqual({ sessions: 1, contracts: 5 });
    expect((await store.repo.findSession('old_big'))?.contract_count).toBe(4);
    expect(await store.repo.findSession('old_small')).toBeUndefined();
    await expectCountersRight();
    expect(await store.repo.deleteExpiredSessions(cutoff, 10, 5)).toEqual({ sessions: 1, contracts: 4 });
    expect(await store.repo.deleteExpiredSessions(cutoff, 10, 5)).toEqual({ sessions: 0, contracts: 0 });
    expect((await store.db.selectFrom('sessions').select('session_id').orderBy('session_id').execute()).map((s) => s.session_id)).toEqual([
      'old_running',
      'recent',
    ]);
    await expectCountersRight();
  });

  it('migration 0006 backfills the counters from the rows already stored', async () => {
    await store.db.destroy();
    const other = makeTempDir();
    try {
      const raw = new Kysely<ContractsTables>({
        dialect: new SqliteDialect({ database: new Database(join(other.dir, SQLITE_FILE_NAME)) }),
      });
      const migrator = new Migrator({ db: raw, provider: databaseMigrationProvider });
      expect((await migrator.migrateTo('0005_contract_parent_index')).error).toBeUndefined();
      const rows = [
        makeRequest({ session_id: 'm1' }),
        makeRequest({ session_id: 'm1', status: 'failed' }),
        makeRequest({ session_id: 'm2', status: 'failed' }),
      ];
      for (const r of rows) {
        await raw
          .insertInto('contracts')
          .values({ ...r, payload: JSON.stringify(r.payload), result: null, metadata: '{}' })
          .execute();
      }
      await raw
        .insertInto('sessions')
        .values([
          { session_id: 'm1', contract_count: 2, created_at: rows[0]!.created_at, updated_at: rows[1]!.created_at },
          { session_id: 'm2', contract_count: 1, created_at: rows[2]!.created_at, updated_at: rows[2]!.created_at },
        ])
        .execute();
      await raw
        .insertInto('trace_outbox')
        .values({ session_id: 'm1', event_type: 'contract.request', data: '{}', next_attempt_at: 0, created_at: rows[0]!.created_at })
        .execute();
      expect(await migrateDatabase(raw)).toContain('0006_store_counters');
      const migrated = new SqliteContractRepository(raw);
      expect(await migrated.stats()).toEqual({ total_contracts: 3, total_sessions: 2, by_status: { in_progress: 1, failed: 2 } });
      expect((await migrated.backlog()).pending).toBe(1);
      await raw.destroy();
    } finally {
      other.remove();
      store.db = await openSqliteDatabase({ dataDir: store.dir, synchronous: 'NORMAL' });
    }
  });

  describe('reads that do not count whole tables', () => {
    let logged: string[];
    let watched: Kysely<ContractsTables>;
    let watchedRepo: SqliteContractRepository;

    beforeEach(async () => {
      logged = [];
      watched = new Kysely<ContractsTables>({
        dialect: new SqliteDialect({ database: new Database(join(store.dir, SQLITE_FILE_NAME)) }),
        log: (event) => {
          logged.push((event.query as CompiledQuery).sql);
        },
      });
      watchedRepo = new SqliteContractRepository(watched);
      for (let i = 0; i < 6; i++)
        await store.repo.insertRequest(makeRequest({ session_id: `w${i % 2}`, to_agent: 'w_agent' }), { outbox: true });
    });
    afterEach(async () => {
      await watched.destroy();
    });

    const counts = () => logged.filter((q) => /count\(/i.test(q));

    it('stats() and backlog() (readiness, /v1/status) read store_counters only', async () => {
      expect(await watchedRepo.stats()).toMatchObject({ total_contracts: 6, total_sessions: 2 });
      expect((await watchedRepo.backlog()).pending).toBe(6);
      expect(counts()).toEqual([]);
      expect(logged.some((q) => q.includes('"store_counters"'))).toBe(true);
      // The one outbox read left is the oldest event, an index lookup.
      const plan = await sql.raw(`explain query plan select created_at from trace_outbox order by id limit 1`).execute(watched);
      expect(JSON.stringify(plan.rows)).not.toMatch(/TEMP B-TREE/);
    });

    it('list totals come from counters (no filter, session, status) or are counted once per cursor chain', async () => {
      for (const filter of [{}, { session_id: 'w0' }, { status: 'in_progress' as const }]) {
        const page = await watchedRepo.find(filter, { limit: 2 });
        expect(page.total).toBeGreaterThan(2);
        await watchedRepo.find(filter, { limit: 2, cursor: page.next_cursor! });
      }
      expect((await watchedRepo.listSessions({ limit: 1 })).total).toBe(2);
      expect(counts()).toEqual([]);

      const first = await watchedRepo.find({ to_agent: 'w_agent' }, { limit: 2 });
      expect(first.total).toBe(6);
      expect(counts()).toHaveLength(1);
      const second = await watchedRepo.find({ to_agent: 'w_agent' }, { limit: 2, cursor: first.next_cursor! });
      const third = await watchedRepo.find({ to_agent: 'w_agent' }, { limit: 2, cursor: second.next_cursor! });
      expect([second.total, third.total, third.next_cursor]).toEqual([6, 6, null]);
      expect(counts()).toHaveLength(1);

      // A cursor of the former format (no total) still works: the total is counted again.
      const seq = Number((await store.db.selectFrom('contracts').select('seq').orderBy('seq').executeTakeFirstOrThrow()).seq);
      const old = await watchedRepo.find({ to_agent: 'w_agent' }, { limit: 2, cursor: encodeContractCursor(seq) });
      expect(old.total).toBe(6);
      expect(old.items).toHaveLength(2);
      expect(counts()).toHaveLength(2);
    });
  });
});
