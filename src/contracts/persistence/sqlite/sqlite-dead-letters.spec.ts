import { useTempSqliteStore } from '../../testing/temp-sqlite-store.js';
import { makeRequest } from '../../testing/contract.fixtures.js';

describe('SqliteContractRepository: Trace dead letters', () => {
  const store = useTempSqliteStore();

  async function events(sessionId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      await store.repo.insertRequest(makeRequest({ session_id: sessionId }), { outbox: true, traceparent: `tp-${i}` });
  }

  it('moves an event with its last outcome in one step, and the session’s next event becomes due', async () => {
    await events('s', 3);
    const [first] = await store.repo.claimDue(new Date(), 10);
    await store.repo.markFailed(first!.id, 'Trace answered HTTP 503', new Date(Date.now() + 60_000));
    // The failed head holds its session back…
    expect(await store.repo.claimDue(new Date(), 10)).toEqual([]);

    const at = new Date('2026-12-06T05:00:00.000Z');
    expect(await store.repo.moveToDeadLetter(first!.id, { status: 413, error: 'Trace answered HTTP 413: too large', at })).toBe(true);
    // …until it is set aside.
    expect((await store.repo.claimDue(new Date(), 10)).map((e) => e.id)).toEqual([first!.id + 1, first!.id + 2]);
    expect(await store.repo.backlog()).toMatchObject({ pending: 2 });
    expect(await store.repo.deadLetterSummary()).toEqual({ count: 1, oldest_dead_at: at.toISOString() });
    expect(await store.repo.listDeadLetters(10)).toEqual([
      {
        ...first,
        attempts: 2,
        last_status: 413,
        last_error: 'Trace answered HTTP 413: too large',
        dead_at: at.toISOString(),
      },
    ]);
    // Already moved: nothing to do.
    expect(await store.repo.moveToDeadLetter(first!.id, { status: null, error: 'x', at })).toBe(false);
    expect((await store.repo.deadLetterSummary()).count).toBe(1);
  });

  it('lists in pages and requeues chosen ids or all, due now, with the same id and attempts reset', async () => {
    await events('a', 2);
    await events('b', 3);
    const due = await store.repo.claimDue(new Date(), 10);
    for (const event of due) await store.repo.moveToDeadLetter(event.id, { status: null, error: 'Trace is unreachable', at: new Date() });
    expect(await store.repo.backlog()).toMatchObject({ pending: 0 });

    const ids = due.map((e) => e.id);
    expect((await store.repo.listDeadLetters(2)).map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect((await store.repo.listDeadLetters(2, ids[1])).map((d) => d.id)).toEqual(ids.slice(2, 4));

    const now = new Date();
    expect(await store.repo.requeueDeadLetters([ids[3]!, ids[3]!, 999_999], now)).toEqual([ids[3]]);
    const [requeued] = await store.repo.claimDue(now, 10);
    expect(requeued).toEqual({ ...due[3], attempts: 0 });
    expect((await store.repo.deadLetterSummary()).count).toBe(4);

    const byId = (a: number, b: number) => a - b;
    expect((await store.repo.requeueDeadLetters('all', now)).sort(byId)).toEqual([ids[0], ids[1], ids[2], ids[4]].sort(byId));
    expect(await store.repo.deadLetterSummary()).toEqual({ count: 0, oldest_dead_at: null });
    expect((await store.repo.claimDue(now, 10)).map((e) => e.id)).toEqual(ids);
    // The counters behind /v1/status and the ready check follow both moves.
    expect(await store.repo.backlog()).toMatchObject({ pending: 5 });
  });
});
