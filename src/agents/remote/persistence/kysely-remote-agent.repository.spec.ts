import { storesUnderTest, type StoreUnderTest } from '../../../database/testing/stores-under-test.js';
import { KyselyRemoteAgentRepository } from './kysely-remote-agent.repository.js';

const stores = await storesUnderTest('KyselyRemoteAgentRepository');

describe.each(stores)('KyselyRemoteAgentRepository on %s', (_name: string, store: StoreUnderTest) => {
  let close: () => Promise<void>;
  let repository: KyselyRemoteAgentRepository;

  beforeEach(async () => {
    const opened = await store.open();
    close = opened.close;
    repository = new KyselyRemoteAgentRepository(opened.db);
  });
  afterEach(async () => {
    await close();
  });

  it('inserts, then replaces the registration while keeping registered_at and last_heartbeat', async () => {
    const first = await repository.save(
      { agent_id: 'a', kind: 'http', registration: { endpoint: 'http://one' } },
      '2026-01-01T00:00:00.000Z',
    );
    expect(first).toEqual({
      agent_id: 'a',
      kind: 'http',
      registration: { endpoint: 'http://one' },
      registered_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      last_heartbeat: null,
    });
    await repository.recordHeartbeat('a', '2026-01-01T00:00:05.000Z');
    const second = await repository.save(
      { agent_id: 'a', kind: 'http', registration: { endpoint: 'http://two' } },
      '2026-01-01T00:01:00.000Z',
    );
    expect(second).toEqual({
      agent_id: 'a',
      kind: 'http',
      registration: { endpoint: 'http://two' },
      registered_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:01:00.000Z',
      last_heartbeat: '2026-01-01T00:00:05.000Z',
    });
    expect(await repository.list()).toEqual([second]);
  });

  it('lists by id (byte order on both stores), deletes, and ignores a heartbeat of an unknown id', async () => {
    await repository.save({ agent_id: 'b', kind: 'http', registration: {} }, 't');
    await repository.save({ agent_id: 'a', kind: 'a2a', registration: { card: {} } }, 't');
    await repository.save({ agent_id: 'B_agent', kind: 'http', registration: {} }, 't');
    await repository.recordHeartbeat('nobody', 't2');
    expect((await repository.list()).map((r) => [r.agent_id, r.kind])).toEqual([
      ['B_agent', 'http'],
      ['a', 'a2a'],
      ['b', 'http'],
    ]);
    expect(await repository.delete('a')).toBe(true);
    expect(await repository.delete('a')).toBe(false);
    expect((await repository.list()).map((r) => r.agent_id)).toEqual(['B_agent', 'b']);
  });
});
