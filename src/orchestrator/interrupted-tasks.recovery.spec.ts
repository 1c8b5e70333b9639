import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { ContractRepository, OutboxRepository } from '../contracts/contract.repository.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { makeRequest, makeResponse, makeTempDir, nextTime } from '../contracts/testing/contract.fixtures.js';
import { databaseConfig } from '../database/index.js';
import { InterruptedTasksRecovery } from './interrupted-tasks.recovery.js';

describe('InterruptedTasksRecovery (on a real SQLite file)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let moduleRef: TestingModule | undefined;

  async function start(): Promise<ContractRepository> {
    moduleRef = await Test.createTestingModule({ imports: [ContractsModule], providers: [InterruptedTasksRecovery] })
      .overrideProvider(databaseConfig.KEY)
      .useValue({ dataDir: temp.dir, sqliteSynchronous: 'NORMAL' })
      .compile();
    await moduleRef.init();
    return moduleRef.get(ContractRepository);
  }

  beforeEach(() => {
    temp = makeTempDir();
  });

  afterEach(async () => {
    await moduleRef?.close();
    temp.remove();
  });

  it('closes REQUESTs a previous run left in_progress at bootstrap, and logs it', async () => {
    let repo = await start();
    const interrupted = makeRequest();
    const finished = makeRequest();
    await repo.insertRequest(interrupted, { outbox: true });
    await repo.insertRequest(finished, { outbox: true });
    await repo.completeRequest(
      finished,
      { status: 'completed', result: {}, error: null, completed_at: nextTime() },
      makeResponse(finished),
      {
        outbox: true,
      },
    );
    await moduleRef!.close();

    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      repo = await start();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('Closed 1 REQUEST contract left in_progress'));
    } finally {
      warn.mockRestore();
    }
    const closed = await repo.findById(interrupted.contract_id);
    expect(closed).toMatchObject({ status: 'failed', error: 'orchestrator restarted before the task finished' });
    expect(closed!.completed_at).toMatch(/Z$/);
    expect(await repo.findById(finished.contract_id)).toMatchObject({ status: 'completed' });
    // Outbox events survive the restart.
    expect(await moduleRef!.get(OutboxRepository).backlog()).toMatchObject({ pending: 3 });
  });
});
