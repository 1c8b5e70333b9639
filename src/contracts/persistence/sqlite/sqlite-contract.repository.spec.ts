import { sql } from 'kysely';
import type { Contract, ContractFilter } from '../../contract.model.js';
import { InvalidCursorError } from '../../errors/invalid-cursor.error.js';
import { RequestNotFoundError } from '../../errors/request-not-found.error.js';
import { useTempSqliteStore } from '../../testing/temp-sqlite-store.js';
import { makeRequest, makeResponse, nextTime } from '../../testing/contract.fixtures.js';
import { DATABASE_MIGRATIONS, migrateDatabase } from '../../../database/index.js';
import { encodeContractCursor, encodeSessionCursor } from '../page-cursor.js';
import { openSqliteDatabase } from '../../../database/index.js';
import { SqliteContractRepository } from './sqlite-contract.repository.js';

describe('SqliteContractRepository', () => {
  const store = useTempSqliteStore();

  const outboxRows = () => store.db.selectFrom('trace_outbox').selectAll().orderBy('id').execute();
  const session = (id: string) => store.db.selectFrom('sessions').selectAll().where('session_id', '=', id).executeTakeFirst();

  describe('schema', () => {
    it('opens in WAL mode with the configured pragmas', async () => {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0];
      expect(String(await pragma('journal_mode')).toLowerCase()).toBe('wal');
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(await pragma('foreign_keys')).toBe(1);
    });

    it('creates the data dir recursively and runs migrations only once across reopenings', async () => {
      await store.db.destroy();
      const nested = `${store.dir}/a/b/c`;
      store.db = await openSqliteDatabase({ dataDir: nested, synchronous: 'FULL' });
      store.repo = new SqliteContractRepository(store.db);
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: true });
      await store.db.destroy();

      store.db = await openSqliteDatabase({ dataDir: nested, synchronous: 'FULL' });
      store.repo = new SqliteContractRepository(store.db);
      expect(await migrateDatabase(store.db)).toEqual([]);
      const migrations = await store.db
        .selectFrom('kysely_migration' as never)
        .select(sql<string>`name`.as('name'))
        .execute();
      expect(migrations.map((m) => m.name)).toEqual(Object.keys(DATABASE_MIGRATIONS));
      expect(await store.repo.findById(request.contract_id)).toEqual(request);
      expect(await store.repo.backlog()).toMatchObject({ pending: 1 });
    });

    it('rejects an unknown synchronous mode instead of interpolating it', async () => {
      await expect(openSqliteDatabase({ dataDir: store.dir, synchronous: 'OFF; drop table x' as never })).rejects.toThrow(
        /SQLITE_SYNCHRONOUS/,
      );
    });

    it.each<[string, ContractFilter, string]>([
      ['session', { session_id: 's' }, 'contracts_session_id_seq_idx'],
      ['from_agent', { from_agent: 'a' }, 'contracts_from_agent_seq_idx'],
      ['to_agent', { to_agent: 'a' }, 'contracts_to_agent_seq_idx'],
      ['status', { status: 'failed' }, 'contracts_status_seq_idx'],
      ['capability', { capability: 'echo' }, 'contracts_capability_seq_idx'],
      ['contract_type', { contract_type: 'REQUEST' }, 'contracts_contract_type_seq_idx'],
    ])('serves the %s filter from an index in seq order', async (_name, filter, index) => {
      const column = Object.keys(filter)[0]!;
      const plan = await sql
        .raw(`explain query plan select * from contracts where ${column} = 'x' and seq > 5 order by seq limit 10`)
        .execute(store.db);
      const details = plan.rows.map((r) => (r as { detail: string }).detail).join('\n');
      expect(details).toContain(index);
      expect(details).not.toContain('TEMP B-TREE');
    });

    it('serves the newest-first task list (REQUESTs) from an index, without sorting', async () => {
      const plan = await sql
        .raw(`explain query plan select * from contracts where contract_type = 'REQUEST' and seq < 5 order by seq desc limit 10`)
        .execute(store.db);
      const details = plan.rows.map((r) => (r as { detail: string }).detail).join('\n');
      expect(details).toContain('contracts_contract_type_seq_idx');
      expect(details).not.toContain('TEMP B-TREE');
    });

    it('serves newest-first session listing and the outbox queries from indexes', async () => {
      const plan = async (query: string) =>
        (await sql.raw(`explain query plan ${query}`).execute(store.db)).rows.map((r) => (r as { detail: string }).detail).join('\n');
      const sessions = await plan(
        `select * from sessions where (updated_at, session_id) < ('x', 'y') order by updated_at desc, session_id desc limit 10`,
      );
      expect(sessions).toContain('sessions_updated_at_session_id_idx');
      expect(sessions).not.toContain('TEMP B-TREE');
      const due = await plan(
        `select o.* from trace_outbox as o where o.next_attempt_at <= 5 and not exists (select e.id from trace_outbox as e ` +
          `where e.session_id = o.session_id and e.id < o.id and e.next_attempt_at > 5) order by o.id limit 10`,
      );
      expect(due).toContain('trace_outbox_session_id_id_idx (session_id=? AND id<?)');
    });
  });

  describe('insertRequest / completeRequest', () => {
    it('writes the REQUEST, its session and (when asked) its outbox event in one go', async () => {
      const request = makeRequest({ session_id: 'session_x' });
      await store.repo.insertRequest(request, { outbox: true });

      expect(await store.repo.findById(request.contract_id)).toEqual(request);
      expect(await session('session_x')).toEqual({
        session_id: 'session_x',
        contract_count: 1,
        created_at: request.created_at,
        updated_at: request.created_at,
      });
      const events = await outboxRows();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ session_id: 'session_x', event_type: 'contract.request', attempts: 0, last_error: null });
      expect(JSON.parse(events[0]!.data)).toEqual({
        contract_id: request.contract_id,
        session_id: 'session_x',
        from_agent: 'orchestrator',
        to_agent: 'agent_example_001',
        capability: 'echo',
        payload: { text: 'hello' },
        status: 'in_progress',
        result: null,
        error: null,
        created_at: request.created_at,
        parent_contract_id: null,
      });
    });

    it('closes the REQUEST and inserts the RESPONSE atomically, returning the closed REQUEST', async () => {
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: true });
      const response = makeResponse(request);
      const closed = await store.repo.completeRequest(
        request,
        { status: 'completed', result: { message: 'Echo: hello' }, error: null, completed_at: response.created_at },
        response,
        { outbox: true },
      );

      const expected: Contract = { ...request, status: 'completed', result: { message: 'Echo: hello' }, completed_at: response.created_at };
      expect(closed).toEqual(expected);
      expect(await store.repo.findById(request.contract_id)).toEqual(expected);
      expect(await store.repo.findById(response.contract_id)).toEqual(response);
      expect(await session('session_a')).toMatchObject({
        contract_count: 2,
        created_at: request.created_at,
        updated_at: response.created_at,
      });

      const events = await outboxRows();
      expect(events.map((e) => e.event_type)).toEqual(['contract.request', 'contract.response']);
      expect(JSON.parse(events[1]!.data)).toMatchObject({
        contract_id: response.contract_id,
        status: 'completed',
        payload: response.payload,
        result: response.result,
        parent_contract_id: request.contract_id,
      });
    });

    it('records a failed task with its error', async () => {
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: false });
      const response = makeResponse(request, {
        status: 'failed',
        result: null,
        error: 'boom',
        payload: { success: false, data: null, error: 'boom' },
      });
      const closed = await store.repo.completeRequest(
        request,
        { status: 'failed', result: null, error: 'boom', completed_at: response.created_at },
        response,
        { outbox: false },
      );
      expect(closed).toMatchObject({ status: 'failed', error: 'boom', result: null, completed_at: response.created_at });
      expect(await store.repo.findById(response.contract_id)).toEqual(response);
    });

    it('writes no outbox event when not asked to', async () => {
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: false });
      await store.repo.completeRequest(
        request,
        { status: 'completed', result: {}, error: null, completed_at: nextTime() },
        makeResponse(request),
        { outbox: false },
      );
      expect(await outboxRows()).toEqual([]);
      expect(await store.repo.backlog()).toEqual({ pending: 0, oldest_created_at: null });
    });

    it('keeps JSON values exactly, including non-object payloads and results', async () => {
      const request = makeRequest({ payload: ['a', 1, null, { ünï: 'cødé ✓' }], metadata: { nested: { deep: [true] } } });
      await store.repo.insertRequest(request, { outbox: false });
      const response = makeResponse(request, { payload: 'plain string', result: 42 });
      await store.repo.completeRequest(request, { status: 'completed', result: 0, error: null, completed_at: nextTime() }, response, {
        outbox: false,
      });
      expect(await store.repo.findById(request.contract_id)).toMatchObject({
        payload: request.payload,
        metadata: request.metadata,
        result: 0,
      });
      expect(await store.repo.findById(response.contract_id)).toEqual(response);
    });

    it('throws for an unknown REQUEST and writes nothing', async () => {
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: true });
      const stray = makeResponse(makeRequest());
      await expect(
        store.repo.completeRequest(
          { ...request, contract_id: 'no-such-id' },
          { status: 'completed', result: null, error: null, completed_at: nextTime() },
          stray,
          {
            outbox: true,
          },
        ),
      ).rejects.toBeInstanceOf(RequestNotFoundError);
      // A RESPONSE id is not a REQUEST either.
      const response = makeResponse(request);
      await store.repo.completeRequest(request, { status: 'completed', result: null, error: null, completed_at: nextTime() }, response, {
        outbox: false,
      });
      await expect(
        store.repo.completeRequest(
          response,
          { status: 'completed', result: null, error: null, completed_at: nextTime() },
          makeResponse(response),
          { outbox: false },
        ),
      ).rejects.toBeInstanceOf(RequestNotFoundError);

      expect(await store.repo.findById(stray.contract_id)).toBeUndefined();
      expect((await outboxRows()).length).toBe(1);
      expect(await session('session_a')).toMatchObject({ contract_count: 2 });
    });

    it('rolls back everything when the insert fails (duplicate id)', async () => {
      const request = makeRequest();
      await store.repo.insertRequest(request, { outbox: true });
      await expect(store.repo.insertRequest({ ...request, session_id: 'session_other' }, { outbox: true })).rejects.toMatchObject({
        // Not toThrow(): better-sqlite3's native addon keeps the SqliteError class of the first Jest
        // sandbox that loaded it, so in a later spec file of the same worker it is not `instanceof Error`.
        code: 'SQLITE_CONSTRAINT_UNIQUE',
      });
      expect(await session('session_other')).toBeUndefined();
      expect(await session('session_a')).toMatchObject({ contract_count: 1 });
      expect((await outboxRows()).length).toBe(1);
    });

    it('serialises concurrent tasks without losing a write', async () => {
      const requests = Array.from({ length: 40 }, (_, i) => makeRequest({ session_id: `session_${i % 4}` }));
      await Promise.all(
        requests.map(async (request) => {
          await store.repo.insertRequest(request, { outbox: true });
          await store.repo.completeRequest(
            request,
            { status: 'completed', result: {}, error: null, completed_at: nextTime() },
            makeResponse(request),
            {
              outbox: true,
            },
          );
        }),
      );
      expect(await store.repo.stats()).toEqual({ total_sessions: 4, total_contracts: 80, by_status: { completed: 80 } });
      expect(await store.repo.backlog()).toMatchObject({ pending: 80 });
    });
  });

  describe('outbox', () => {
    async function seedEvents(): Promise<Map<string, number>> {
      // Events in id order: A1 B1 A2 B2 A3 (each an insertRequest with outbox).
      const ids = new Map<string, number>();
      for (const label of ['A1', 'B1', 'A2', 'B2', 'A3']) {
        await store.repo.insertRequest(makeRequest({ session_id: `session_${label[0]}` }), { outbox: true });
        const last = await store.db.selectFrom('trace_outbox').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
        ids.set(label, last.id);
      }
      return ids;
    }

    it('hands out due events oldest first, up to the limit', async () => {
      const ids = await seedEvents();
      const now = new Date(Date.now() + 1000);
      const all = await store.repo.claimDue(now, 100);
      expect(all.map((e) => e.id)).toEqual(['A1', 'B1', 'A2', 'B2', 'A3'].map((l) => ids.get(l)));
      expect(all[0]).toMatchObject({ session_id: 'session_A', event_type: 'contract.request', attempts: 0 });
      expect(all[0]!.data).toMatchObject({ session_id: 'session_A', status: 'in_progress' });
      expect((await store.repo.claimDue(now, 2)).map((e) => e.id)).toEqual([ids.get('A1'), ids.get('B1')]);
      expect(await store.repo.claimDue(now, 0)).toEqual([]);
    });

    it('does not hand out events that are not due yet', async () => {
      await seedEvents();
      expect(await store.repo.claimDue(new Date(Date.now() - 60_000), 100)).toEqual([]);
    });

    it('a failed head event blocks the later events of its session but not other sessions', async () => {
      const ids = await seedEvents();
      const now = new Date(Date.now() + 1000);
      const later = new Date(now.getTime() + 30_000);
      await store.repo.markFailed(ids.get('A1')!, 'Trace answered 503', later);

      expect((await store.repo.claimDue(now, 100)).map((e) => e.id)).toEqual([ids.get('B1'), ids.get('B2')]);

      const failed = await store.db.selectFrom('trace_outbox').selectAll().where('id', '=', ids.get('A1')!).executeTakeFirstOrThrow();
      expect(failed).toMatchObject({ attempts: 1, last_error: 'Trace answered 503', next_attempt_at: later.getTime() });

      // B's events delivered; A is still blocked until its head is due again.
      await store.repo.markDelivered([ids.get('B1')!, ids.get('B2')!]);
      expect(await store.repo.claimDue(now, 100)).toEqual([]);

      // A blocked event in the middle only holds back what comes after it in its session.
      await store.repo.markFailed(ids.get('A2')!, 'timeout', new Date(later.getTime() + 60_000));
      const atLater = await store.repo.claimDue(later, 100);
      expect(atLater.map((e) => [e.id, e.attempts])).toEqual([[ids.get('A1'), 1]]);

      await store.repo.markFailed(ids.get('A1')!, 'again', later);
      expect((await store.repo.claimDue(later, 100))[0]).toMatchObject({ id: ids.get('A1'), attempts: 2 });
    });

    it('markDelivered removes events (many at once), backlog reports what is left', async () => {
      for (let i = 0; i < 1200; i++) await store.repo.insertRequest(makeRequest({ session_id: `s${i % 3}` }), { outbox: true });
      const before = await store.repo.backlog();
      expect(before.pending).toBe(1200);
      expect(before.oldest_created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const due = await store.repo.claimDue(new Date(Date.now() + 1000), 1100);
      expect(due).toHaveLength(1100);
      await store.repo.markDelivered(due.map((e) => e.id));
      expect(await store.repo.backlog()).toMatchObject({ pending: 100 });
      await store.repo.markDelivered([]);
      expect(await store.repo.backlog()).toMatchObject({ pending: 100 });
    });

    it('never reuses an event id after deletes', async () => {
      await store.repo.insertRequest(makeRequest(), { outbox: true });
      const [first] = await store.repo.claimDue(new Date(Date.now() + 1000), 10);
      await store.repo.markDelivered([first!.id]);
      await store.repo.insertRequest(makeRequest(), { outbox: true });
      const [second] = await store.repo.claimDue(new Date(Date.now() + 1000), 10);
      expect(second!.id).toBeGreaterThan(first!.id);
    });
  });

  describe('find', () => {
    const agents = ['agent_a', 'agent_b', 'agent_c'];
    const capabilities = ['echo', 'uppercase'];
    let all: Contract[];

    beforeEach(async () => {
      all = [];
      for (let i = 0; i < 60; i++) {
        const request = makeRequest({
          session_id: `session_${i % 3}`,
          to_agent: agents[i % agents.length]!,
          capability: capabilities[i % 2]!,
        });
        await store.repo.insertRequest(request, { outbox: false });
        const failed = i % 5 === 0;
        const response = makeResponse(request, failed ? { status: 'failed', error: 'boom', result: null } : {});
        const closed = await store.repo.completeRequest(
          request,
          failed
            ? { status: 'failed', result: null, error: 'boom', completed_at: response.created_at }
            : { status: 'completed', result: response.result, error: null, completed_at: response.created_at },
          response,
          { outbox: false },
        );
        all.push(closed, response);
      }
    });

    async function walk(filter: ContractFilter, limit: number): Promise<{ items: Contract[]; totals: number[]; pages: number }> {
      const items: Contract[] = [];
      const totals: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.repo.find(filter, { limit, cursor });
        pages += 1;
        expect(page.items.length).toBeLessThanOrEqual(limit);
        items.push(...page.items);
        totals.push(page.total);
        cursor = page.next_cursor ?? undefined;
        expect(pages).toBeLessThan(500);
      } while (cursor !== undefined);
      return { items, totals, pages };
    }

    const matches = (filter: ContractFilter) => (c: Contract) =>
      Object.entries(filter).every(([key, value]) => c[key as keyof ContractFilter] === value);

    it.each<[ContractFilter, number]>([
      [{}, 7],
      [{}, 120],
      [{}, 1000],
      [{ session_id: 'session_1' }, 3],
      [{ session_id: 'session_2', contract_type: 'REQUEST', status: 'failed' }, 1],
      [{ to_agent: 'orchestrator', from_agent: 'agent_b', capability: 'echo' }, 4],
      [{ status: 'completed', capability: 'uppercase', session_id: 'session_0' }, 5],
      [
        {
          session_id: 'session_0',
          from_agent: 'orchestrator',
          to_agent: 'agent_a',
          contract_type: 'REQUEST',
          status: 'completed',
          capability: 'echo',
        },
        2,
      ],
      [{ session_id: 'nobody' }, 10],
    ])('walks %j with limit %i: every match exactly once, oldest first', async (filter, limit) => {
      const expected = all
        .filter(matches(filter))
        .sort((a, b) => (a.created_at < b.created_at ? -1 : 1))
        .map((c) => c.contract_id);
      const { items, totals, pages } = await walk(filter, limit);
      expect(items.map((c) => c.contract_id)).toEqual(expected);
      expect(new Set(totals)).toEqual(new Set([expected.length]));
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
    });

    it('returns contracts in the exact API shape', async () => {
      const page = await store.repo.find({ session_id: 'session_0' }, { limit: 2 });
      expect(page.items).toEqual(all.filter((c) => c.session_id === 'session_0').slice(0, 2));
      expect(Object.keys(page.items[0]!)).toEqual([
        'contract_id',
        'session_id',
        'contract_type',
        'from_agent',
        'to_agent',
        'capability',
        'payload',
        'status',
        'created_at',
        'completed_at',
        'result',
        'error',
        'metadata',
        'parent_contract_id',
      ]);
    });

    it('sees contracts added after a cursor was issued, never one twice', async () => {
      const first = await store.repo.find({ session_id: 'session_new' }, { limit: 1 });
      expect(first).toEqual({ items: [], total: 0, next_cursor: null });
      const a = makeRequest({ session_id: 'session_new' });
      const b = makeRequest({ session_id: 'session_new' });
      await store.repo.insertRequest(a, { outbox: false });
      await store.repo.insertRequest(b, { outbox: false });
      const p1 = await store.repo.find({ session_id: 'session_new' }, { limit: 1 });
      const c = makeRequest({ session_id: 'session_new' });
      await store.repo.insertRequest(c, { outbox: false });
      const p2 = await store.repo.find({ session_id: 'session_new' }, { limit: 5, cursor: p1.next_cursor! });
      expect([...p1.items, ...p2.items].map((x) => x.contract_id)).toEqual([a, b, c].map((x) => x.contract_id));
      expect(p2.total).toBe(3);
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['empty', ''],
      ['unpadded junk', 'AAAA'],
      ['non-canonical base64url', `${encodeContractCursor(5)}=`],
      ['a session cursor', encodeSessionCursor({ updated_at: '2026-01-01T00:00:00.000Z', session_id: 'x' })],
      ['a negative seq', Buffer.from('c1:-1').toString('base64url')],
      ['a leading zero', Buffer.from('c1:05').toString('base64url')],
      ['an unsafe integer', Buffer.from('c1:99999999999999999').toString('base64url')],
      ['another version tag', Buffer.from('c2:5').toString('base64url')],
    ])('rejects %s as a contract cursor', async (_name, cursor) => {
      await expect(store.repo.find({}, { limit: 10, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('rejects a non-positive limit', async () => {
      await expect(store.repo.find({}, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });

    it.each<[ContractFilter, number]>([
      [{}, 7],
      [{ contract_type: 'REQUEST' }, 4],
      [{ contract_type: 'REQUEST', status: 'failed', capability: 'echo' }, 1],
      [{ contract_type: 'REQUEST', session_id: 'session_2' }, 1000],
    ])('walks %j newest first with limit %i: every match exactly once', async (filter, limit) => {
      const expected = all
        .filter(matches(filter))
        .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))
        .map((c) => c.contract_id);
      const items: Contract[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.repo.find(filter, { limit, cursor, newestFirst: true });
        expect(page.total).toBe(expected.length);
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
      expect(items.map((c) => c.contract_id)).toEqual(expected);
    });

    it('a cursor continues only the order that issued it', async () => {
      const oldest = await store.repo.find({}, { limit: 2 });
      const newest = await store.repo.find({}, { limit: 2, newestFirst: true });
      await expect(store.repo.find({}, { limit: 2, cursor: oldest.next_cursor!, newestFirst: true })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(store.repo.find({}, { limit: 2, cursor: newest.next_cursor! })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('sees tasks added after a newest-first cursor was issued on the next first page, not on the following pages', async () => {
      const p1 = await store.repo.find({ contract_type: 'REQUEST' }, { limit: 1, newestFirst: true });
      const added = makeRequest({ session_id: 'session_late' });
      await store.repo.insertRequest(added, { outbox: false });
      const p2 = await store.repo.find({ contract_type: 'REQUEST' }, { limit: 1, cursor: p1.next_cursor!, newestFirst: true });
      expect(p2.items[0]!.contract_id).not.toBe(added.contract_id);
      expect(p2.items[0]!.created_at < p1.items[0]!.created_at).toBe(true);
      const again = await store.repo.find({ contract_type: 'REQUEST' }, { limit: 1, newestFirst: true });
      expect(again.items[0]!.contract_id).toBe(added.contract_id);
    });
  });

  describe('sessions', () => {
    it('lists sessions most recently updated first, paging through ties exactly once', async () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 1, 1, 0, minute)).toISOString();
      // Sessions with equal updated_at (ties) are ordered by session_id desc.
      const plan: Array<[string, string[]]> = [
        ['s_old', [at(1), at(2)]],
        ['s_tie_a', [at(3), at(10)]],
        ['s_tie_b', [at(4), at(10)]],
        ['s_tie_c', [at(10)]],
        ['s_new', [at(5), at(20)]],
        ['s_mid', [at(6)]],
      ];
      for (const [sessionId, times] of plan) {
        for (const t of times) await store.repo.insertRequest(makeRequest({ session_id: sessionId, created_at: t }), { outbox: false });
      }
      const expected = ['s_new', 's_tie_c', 's_tie_b', 's_tie_a', 's_mid', 's_old'];

      for (const limit of [1, 2, 4, 6, 100]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.repo.listSessions({ limit, cursor });
          expect(page.total).toBe(6);
          seen.push(...page.items.map((s) => s.session_id));
          cursor = page.next_cursor ?? undefined;
        } while (cursor !== undefined);
        expect(seen).toEqual(expected);
      }

      expect(await store.repo.findSession('s_new')).toEqual({
        session_id: 's_new',
        contract_count: 2,
        created_at: at(5),
        updated_at: at(20),
      });
      expect(await store.repo.findSession('unknown')).toBeUndefined();
    });

    it('rejects invalid session cursors', async () => {
      for (const cursor of [
        'junk!',
        encodeContractCursor(3),
        Buffer.from('s1:not json').toString('base64url'),
        Buffer.from('s1:["only one"]').toString('base64url'),
        Buffer.from('s1:[1,2]').toString('base64url'),
      ]) {
        await expect(store.repo.listSessions({ limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('an empty store has no sessions', async () => {
      expect(await store.repo.listSessions({ limit: 10 })).toEqual({ items: [], total: 0, next_cursor: null });
    });

    it('filters sessions by the start of their id: exact, case-sensitive, no wildcards, paged and counted', async () => {
      const ids = ['team_a.1', 'team_a.2', 'team_a.3', 'team_b.1', 'Team_a.4', 'teamXa.5'];
      for (const [i, sessionId] of ids.entries()) {
        const at = new Date(Date.UTC(2026, 1, 1, 0, i)).toISOString();
        await store.repo.insertRequest(makeRequest({ session_id: sessionId, created_at: at }), { outbox: false });
      }
      const walk = async (prefix: string, limit: number) => {
        const seen: string[] = [];
        const totals = new Set<number>();
        let cursor: string | undefined;
        do {
          const page = await store.repo.listSessions({ limit, cursor }, { session_id_prefix: prefix });
          seen.push(...page.items.map((s) => s.session_id));
          totals.add(page.total);
          cursor = page.next_cursor ?? undefined;
        } while (cursor !== undefined);
        expect([...totals]).toEqual([seen.length]);
        return seen;
      };
      expect(await walk('team_a', 1)).toEqual(['team_a.3', 'team_a.2', 'team_a.1']);
      expect(await walk('team_', 100)).toEqual(['team_b.1', 'team_a.3', 'team_a.2', 'team_a.1']);
      expect(await walk('team_a.2', 5)).toEqual(['team_a.2']);
      expect(await walk('nobody', 5)).toEqual([]);
      expect((await store.repo.listSessions({ limit: 1 }, { session_id_prefix: 'team_a' })).total).toBe(3);
      expect((await store.repo.listSessions({ limit: 1 })).total).toBe(6);
    });
  });

  describe('importContracts', () => {
    it('inserts in order, skips existing ids, counts sessions from inserted rows only, writes no outbox event', async () => {
      const r1 = makeRequest({ session_id: 'imp', status: 'completed', created_at: '2025-05-01T10:00:00.000Z' });
      const p1 = makeResponse(r1, { created_at: '2025-05-01T10:00:01.000Z' });
      const r2 = makeRequest({ session_id: 'imp', status: 'completed', created_at: '2025-05-01T09:00:00.000Z' });
      const other = makeRequest({ session_id: 'imp2', status: 'failed', created_at: '2025-04-01T00:00:00.000Z' });

      expect(await store.repo.importContracts([r1, p1, r2, other])).toBe(4);
      expect(await store.repo.importContracts([r1, p1, r2, other])).toBe(0);
      expect(await store.repo.importContracts([])).toBe(0);

      expect(await store.repo.findSession('imp')).toEqual({
        session_id: 'imp',
        contract_count: 3,
        created_at: '2025-05-01T09:00:00.000Z',
        updated_at: '2025-05-01T10:00:01.000Z',
      });
      expect(await store.repo.findSession('imp2')).toMatchObject({ contract_count: 1 });
      // Insertion order, not time order.
      expect((await store.repo.find({ session_id: 'imp' }, { limit: 10 })).items.map((c) => c.contract_id)).toEqual(
        [r1, p1, r2].map((c) => c.contract_id),
      );
      expect(await store.repo.findById(p1.contract_id)).toEqual(p1);

      // Overlapping import: only the new one counts; the session span widens.
      const late = makeRequest({ session_id: 'imp', status: 'completed', created_at: '2025-06-01T00:00:00.000Z' });
      expect(await store.repo.importContracts([r2, late, r1])).toBe(1);
      expect(await store.repo.findSession('imp')).toMatchObject({ contract_count: 4, updated_at: '2025-06-01T00:00:00.000Z' });
      expect(await outboxRows()).toEqual([]);
    });

    it('updates an existing live session without moving it back in time', async () => {
      const live = makeRequest({ session_id: 'mixed', created_at: '2026-03-01T00:00:00.000Z' });
      await store.repo.insertRequest(live, { outbox: false });
      await store.repo.importContracts([makeRequest({ session_id: 'mixed', created_at: '2025-01-01T00:00:00.000Z' })]);
      expect(await store.repo.findSession('mixed')).toEqual({
        session_id: 'mixed',
        contract_count: 2,
        created_at: '2025-01-01T00:00:00.000Z',
        updated_at: '2026-03-01T00:00:00.000Z',
      });
    });
  });

  describe('restart recovery and stats', () => {
    it('lists the in_progress REQUESTs oldest first in batches, and closes those named as failed', async () => {
      const open1 = makeRequest();
      const open2 = makeRequest({ session_id: 'session_b' });
      const open3 = makeRequest();
      const done = makeRequest();
      for (const request of [open1, open2, open3, done]) await store.repo.insertRequest(request, { outbox: false });
      await store.repo.completeRequest(
        done,
        { status: 'completed', result: {}, error: null, completed_at: nextTime() },
        makeResponse(done),
        {
          outbox: false,
        },
      );
      // A RESPONSE never counts as interrupted, even with an odd status.
      await store.repo.importContracts([makeResponse(open1, { status: 'in_progress', contract_id: 'odd-response' })]);

      const batches: string[][] = [];
      for await (const batch of store.repo.scanInProgressRequests({ batchSize: 2 })) batches.push(batch.map((c) => c.contract_id));
      expect(batches).toEqual([[open1.contract_id, open2.contract_id], [open3.contract_id]]);

      const at = nextTime();
      const named = [open1.contract_id, open2.contract_id, done.contract_id, 'odd-response', 'unknown'];
      expect(await store.repo.failInterrupted(named, 'orchestrator restarted before the task finished', at)).toBe(2);
      for (const id of [open1.contract_id, open2.contract_id]) {
        expect(await store.repo.findById(id)).toMatchObject({
          status: 'failed',
          error: 'orchestrator restarted before the task finished',
          completed_at: at,
        });
      }
      expect(await store.repo.findById(open3.contract_id)).toMatchObject({ status: 'in_progress' });
      expect(await store.repo.findById(done.contract_id)).toMatchObject({ status: 'completed', error: null });
      expect(await store.repo.findById('odd-response')).toMatchObject({ status: 'in_progress' });
      expect(await store.repo.failInterrupted(named, 'again', nextTime())).toBe(0);
      expect(await store.repo.failInterrupted([], 'again', nextTime())).toBe(0);

      expect(await store.repo.stats()).toEqual({
        total_sessions: 2,
        total_contracts: 6,
        by_status: { failed: 2, completed: 2, in_progress: 2 },
      });
    });

    it('appends an interrupted attempt only to a REQUEST still in_progress', async () => {
      const open = makeRequest({ metadata: { traceparent: 'tp', attempts: [{ agent_id: 'a', error: 'first' }] } });
      const fresh = makeRequest();
      const done = makeRequest();
      for (const request of [open, fresh, done]) await store.repo.insertRequest(request, { outbox: false });
      const response = makeResponse(done);
      await store.repo.completeRequest(done, { status: 'completed', result: {}, error: null, completed_at: nextTime() }, response, {
        outbox: false,
      });
      const lost = { agent_id: 'b', started_at: null, duration_ms: null, error: 'lost' };

      const updated = await store.repo.recordInterruptedAttempt(open.contract_id, lost);
      expect(updated).toMatchObject({ contract_id: open.contract_id, status: 'in_progress' });
      expect(updated!.metadata).toEqual({ traceparent: 'tp', attempts: [{ agent_id: 'a', error: 'first' }, lost] });
      expect((await store.repo.findById(open.contract_id))!.metadata).toEqual(updated!.metadata);
      expect((await store.repo.recordInterruptedAttempt(fresh.contract_id, lost))!.metadata).toEqual({
        ...fresh.metadata,
        attempts: [lost],
      });

      for (const id of [done.contract_id, response.contract_id, 'unknown']) {
        expect(await store.repo.recordInterruptedAttempt(id, lost)).toBeUndefined();
      }
      expect((await store.repo.findById(done.contract_id))!.metadata).toEqual(done.metadata);
    });

    it('stats of an empty store', async () => {
      expect(await store.repo.stats()).toEqual({ total_sessions: 0, total_contracts: 0, by_status: {} });
    });
  });
});
