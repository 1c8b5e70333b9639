import type { Kysely } from 'kysely';
import type { ContractStatus } from '../../contract.model.js';
import { RequestAlreadyClosedError } from '../../errors/request-already-closed.error.js';
import { makeRequest, makeResponse, makeTempDir, nextTime } from '../../testing/contract.fixtures.js';
import type { ContractsDatabase } from '../contracts-database.schema.js';
import { openSqliteDatabase } from './open-sqlite-database.js';
import { SqliteContractRepository } from './sqlite-contract.repository.js';

describe('SqliteContractRepository: a final state is final', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: Kysely<ContractsDatabase>;
  let repo: SqliteContractRepository;

  beforeEach(async () => {
    temp = makeTempDir();
    db = await openSqliteDatabase({ dataDir: temp.dir, synchronous: 'NORMAL' });
    repo = new SqliteContractRepository(db);
  });

  afterEach(async () => {
    await db.destroy();
    temp.remove();
  });

  const responsesOf = (id: string) => db.selectFrom('contracts').selectAll().where('parent_contract_id', '=', id).execute();

  it.each<[string, (id: string) => Promise<void>, ContractStatus]>([
    ['failed by restart recovery', async () => void (await repo.failInterrupted('orchestrator restarted before the task finished', nextTime())), 'failed'],
    [
      'cancelled',
      async (id) => {
        const request = (await repo.findById(id))!;
        await repo.completeRequest(request, { status: 'cancelled', result: null, error: 'Task cancelled', completed_at: nextTime() }, makeResponse(request, { status: 'cancelled', result: null }), { outbox: true });
      },
      'cancelled',
    ],
  ])('a late completeRequest on a REQUEST %s changes nothing and writes no RESPONSE', async (_, close, status) => {
    const request = makeRequest();
    await repo.insertRequest(request, { outbox: true });
    await close(request.contract_id);
    const before = await repo.findById(request.contract_id);
    const responsesBefore = await responsesOf(request.contract_id);
    const backlogBefore = await repo.backlog();
    const sessionBefore = await repo.findSession(request.session_id);
    expect(before).toMatchObject({ status });

    const late = makeResponse(request);
    const attempt = repo.completeRequest(
      request,
      { status: 'completed', result: { late: true }, error: null, completed_at: nextTime(), to_agent: 'agent_other', metadata: { late: true } },
      late,
      { outbox: true },
    );
    await expect(attempt).rejects.toBeInstanceOf(RequestAlreadyClosedError);
    await expect(attempt).rejects.toMatchObject({ stored: before });

    expect(await repo.findById(request.contract_id)).toEqual(before);
    expect(await repo.findById(late.contract_id)).toBeUndefined();
    expect(await responsesOf(request.contract_id)).toEqual(responsesBefore);
    expect(await repo.backlog()).toEqual(backlogBefore);
    expect(await repo.findSession(request.session_id)).toEqual(sessionBefore);
  });

  it('a late writer in the same group commit as other writes fails alone', async () => {
    const closed = makeRequest();
    await repo.insertRequest(closed, { outbox: false });
    await repo.failInterrupted('orchestrator restarted before the task finished', nextTime());
    const reopened = makeRequest();
    await repo.insertRequest(reopened, { outbox: false });

    const [late, onTime] = await Promise.allSettled([
      repo.completeRequest(closed, { status: 'completed', result: null, error: null, completed_at: nextTime() }, makeResponse(closed), { outbox: false }),
      repo.completeRequest(reopened, { status: 'completed', result: null, error: null, completed_at: nextTime() }, makeResponse(reopened), { outbox: false }),
    ]);
    expect(late).toMatchObject({ status: 'rejected', reason: expect.any(RequestAlreadyClosedError) });
    expect(onTime).toMatchObject({ status: 'fulfilled' });
    expect(await repo.findById(closed.contract_id)).toMatchObject({ status: 'failed' });
    expect(await repo.findById(reopened.contract_id)).toMatchObject({ status: 'completed' });
  });
});
