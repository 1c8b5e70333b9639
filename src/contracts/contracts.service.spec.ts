import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { databaseConfig } from '../database/index.js';
import type { Contract } from './contract.model.js';
import { ContractRepository, OutboxRepository } from './contract.repository.js';
import { ContractsModule } from './contracts.module.js';
import { ContractsService } from './contracts.service.js';
import { SqliteContractRepository } from './persistence/sqlite/sqlite-contract.repository.js';
import { makeRequest, makeResponse, makeTempDir } from './testing/contract.fixtures.js';

describe('ContractsService (ContractsModule on a real SQLite file)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let moduleRef: TestingModule | undefined;

  async function start(): Promise<{ service: ContractsService; repo: ContractRepository }> {
    moduleRef = await Test.createTestingModule({ imports: [ContractsModule] })
      .overrideProvider(databaseConfig.KEY)
      .useValue({ dataDir: temp.dir, sqliteSynchronous: 'NORMAL' })
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return { service: moduleRef.get(ContractsService), repo: moduleRef.get(ContractRepository) };
  }

  async function stop(): Promise<void> {
    await moduleRef?.close();
    moduleRef = undefined;
  }

  beforeEach(() => {
    temp = makeTempDir();
  });

  afterEach(async () => {
    await stop();
    temp.remove();
  });

  it('registers one repository under both tokens', async () => {
    await start();
    const repository = moduleRef!.get(ContractRepository);
    expect(repository).toBeInstanceOf(SqliteContractRepository);
    expect(moduleRef!.get(OutboxRepository)).toBe(repository);
  });

  it('leaves REQUESTs in_progress alone when the module starts (restart recovery belongs to the server)', async () => {
    let { repo } = await start();
    const running = makeRequest();
    await repo.insertRequest(running, { outbox: true });
    await stop();

    // What a CLI does beside a running server: open the store through this module.
    ({ repo } = await start());
    expect(await moduleRef!.get(ContractsService).get(running.contract_id)).toMatchObject({ status: 'in_progress', error: null });
  });

  it('get: the contract, or a 404 with the documented message', async () => {
    const { service, repo } = await start();
    const request = makeRequest();
    await repo.insertRequest(request, { outbox: false });
    expect(await service.get(request.contract_id)).toEqual(request);
    await expect(service.get('nope')).rejects.toThrow(new NotFoundException("Contract 'nope' not found"));
  });

  it('list and listSessions: default limit, filters, and 400 for a bad cursor', async () => {
    const { service, repo } = await start();
    for (let i = 0; i < 105; i++) await repo.insertRequest(makeRequest({ session_id: `s${i % 2}` }), { outbox: false });

    const first = await service.list({});
    expect(first.items).toHaveLength(100);
    expect(first.total).toBe(105);
    const rest = await service.list({}, { cursor: first.next_cursor! });
    expect(rest).toMatchObject({ total: 105, next_cursor: null });
    expect(rest.items).toHaveLength(5);
    expect((await service.list({ session_id: 's1' }, { limit: 1000 })).total).toBe(52);

    await expect(service.list({}, { cursor: 'bogus' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(service.listSessions({ cursor: first.next_cursor! })).rejects.toBeInstanceOf(BadRequestException);

    const sessions = await service.listSessions();
    expect(sessions).toMatchObject({ total: 2, next_cursor: null });
    expect(sessions.items.map((s) => s.session_id)).toEqual(['s0', 's1']); // s0 got the last contract
  });

  it('getSession: summary plus a page of the conversation; 404 for an unknown session', async () => {
    const { service, repo } = await start();
    const contracts: Contract[] = [];
    for (let i = 0; i < 3; i++) {
      const request = makeRequest({ session_id: 'sess' });
      await repo.insertRequest(request, { outbox: false });
      const response = makeResponse(request);
      const closed = await repo.completeRequest(
        request,
        { status: 'completed', result: response.result, error: null, completed_at: response.created_at },
        response,
        {
          outbox: false,
        },
      );
      contracts.push(closed, response);
    }

    const page1 = await service.getSession('sess', { limit: 4 });
    expect(page1).toEqual({
      session_id: 'sess',
      contract_count: 6,
      created_at: contracts[0]!.created_at,
      updated_at: contracts[5]!.created_at,
      conversation: contracts.slice(0, 4),
      next_cursor: expect.any(String),
    });
    const page2 = await service.getSession('sess', { limit: 4, cursor: page1.next_cursor! });
    expect(page2.conversation).toEqual(contracts.slice(4));
    expect(page2.next_cursor).toBeNull();

    await expect(service.getSession('other')).rejects.toThrow(new NotFoundException("Session 'other' not found"));
    await expect(service.getSession('sess', { cursor: '!!' })).rejects.toBeInstanceOf(BadRequestException);
  });

  it('conversation: every contract of the session, oldest first, across batches', async () => {
    const { service, repo } = await start();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const request = makeRequest({ session_id: i % 4 === 0 ? 'noise' : 'long' });
      await repo.insertRequest(request, { outbox: false });
      if (request.session_id === 'long') ids.push(request.contract_id);
    }
    const seen: string[] = [];
    for await (const contract of service.conversation('long', 5)) seen.push(contract.contract_id);
    expect(seen).toEqual(ids);

    const none: Contract[] = [];
    for await (const contract of service.conversation('unknown')) none.push(contract);
    expect(none).toEqual([]);
  });

  it('stats', async () => {
    const { service, repo } = await start();
    await repo.insertRequest(makeRequest({ session_id: 'a' }), { outbox: false });
    await repo.insertRequest(makeRequest({ session_id: 'b' }), { outbox: false });
    expect(await service.stats()).toEqual({ total_sessions: 2, total_contracts: 2, by_status: { in_progress: 2 } });
  });
});
