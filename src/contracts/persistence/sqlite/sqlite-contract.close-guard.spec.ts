import type { ContractStatus } from '../../contract.model.js';
import { RequestAlreadyClosedError } from '../../errors/request-already-closed.error.js';
import { useTempSqliteStore } from '../../testing/temp-sqlite-store.js';
import { makeRequest, makeResponse, nextTime } from '../../testing/contract.fixtures.js';

describe('SqliteContractRepository: a final state is final', () => {
  const store = useTempSqliteStore();

  const responsesOf = (id: string) => store.db.selectFrom('contracts').selectAll().where('parent_contract_id', '=', id).execute();

  it.each<[string, (id: string) => Promise<void>, ContractStatus]>([
    [
      'failed by restart recovery',
      async (id) => {
        await store.repo.failInterrupted([id], 'orchestrator restarted before the task finished', nextTime());
      },
      'failed',
    ],
    [
      'cancelled',
      async (id) => {
        const request = (await store.repo.findById(id))!;
        await store.repo.completeRequest(
          request,
          { status: 'cancelled', result: null, error: 'Task cancelled', completed_at: nextTime() },
          makeResponse(request, { status: 'cancelled', result: null }),
          { outbox: true },
        );
      },
      'cancelled',
    ],
  ])('a late completeRequest on a REQUEST %s changes nothing and writes no RESPONSE', async (_, close, status) => {
    const request = makeRequest();
    await store.repo.insertRequest(request, { outbox: true });
    await close(request.contract_id);
    const before = await store.repo.findById(request.contract_id);
    const responsesBefore = await responsesOf(request.contract_id);
    const backlogBefore = await store.repo.backlog();
    const sessionBefore = await store.repo.findSession(request.session_id);
    expect(before).toMatchObject({ status });

    const late = makeResponse(request);
    const attempt = store.repo.completeRequest(
      request,
      {
        status: 'completed',
        result: { late: true },
        error: null,
        completed_at: nextTime(),
        to_agent: 'agent_other',
        metadata: { late: true },
      },
      late,
      { outbox: true },
    );
    await expect(attempt).rejects.toBeInstanceOf(RequestAlreadyClosedError);
    await expect(attempt).rejects.toMatchObject({ stored: before });

    expect(await store.repo.findById(request.contract_id)).toEqual(before);
    expect(await store.repo.findById(late.contract_id)).toBeUndefined();
    expect(await responsesOf(request.contract_id)).toEqual(responsesBefore);
    expect(await store.repo.backlog()).toEqual(backlogBefore);
    expect(await store.repo.findSession(request.session_id)).toEqual(sessionBefore);
  });

  it('a late writer in the same group commit as other writes fails alone', async () => {
    const closed = makeRequest();
    await store.repo.insertRequest(closed, { outbox: false });
    await store.repo.failInterrupted([closed.contract_id], 'orchestrator restarted before the task finished', nextTime());
    const reopened = makeRequest();
    await store.repo.insertRequest(reopened, { outbox: false });

    const [late, onTime] = await Promise.allSettled([
      store.repo.completeRequest(
        closed,
        { status: 'completed', result: null, error: null, completed_at: nextTime() },
        makeResponse(closed),
        { outbox: false },
      ),
      store.repo.completeRequest(
        reopened,
        { status: 'completed', result: null, error: null, completed_at: nextTime() },
        makeResponse(reopened),
        { outbox: false },
      ),
    ]);
    expect(late).toMatchObject({ status: 'rejected', reason: expect.any(RequestAlreadyClosedError) });
    expect(onTime).toMatchObject({ status: 'fulfilled' });
    expect(await store.repo.findById(closed.contract_id)).toMatchObject({ status: 'failed' });
    expect(await store.repo.findById(reopened.contract_id)).toMatchObject({ status: 'completed' });
  });
});
