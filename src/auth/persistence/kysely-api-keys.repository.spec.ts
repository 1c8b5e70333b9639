import { storesUnderTest, type StoreUnderTest } from '../../database/testing/stores-under-test.js';
import { KyselyApiKeysRepository } from './kysely-api-keys.repository.js';

const stores = await storesUnderTest('KyselyApiKeysRepository');

describe.each(stores)('KyselyApiKeysRepository on %s', (_name: string, store: StoreUnderTest) => {
  let close: () => Promise<void>;
  let keys: KyselyApiKeysRepository;

  beforeEach(async () => {
    const opened = await store.open();
    close = opened.close;
    keys = new KyselyApiKeysRepository(opened.db);
  });
  afterEach(async () => {
    await close();
  });

  const key = (id: string, created_at: string, agent_id: string | null = null) => ({
    id,
    name: `key ${id}`,
    key_hash: `hash-${id}`,
    scopes: ['read' as const],
    created_at,
    agent_id,
  });

  it('stores, finds by hash, lists by creation then id, revokes once, touches and counts', async () => {
    expect(await keys.anyExists()).toBe(false);
    await keys.insert(key('b', '2026-01-01T00:00:00.000Z'));
    await keys.insert(key('A', '2026-01-01T00:00:00.000Z', 'agent_x'));
    await keys.insert(key('a', '2025-12-31T00:00:00.000Z'));
    expect(await keys.anyExists()).toBe(true);
    expect((await keys.list()).map((k) => k.id)).toEqual(['a', 'A', 'b']);
    expect(await keys.findByHash('hash-A')).toEqual({
      id: 'A',
      name: 'key A',
      key_hash: 'hash-A',
      scopes: ['read'],
      created_at: '2026-01-01T00:00:00.000Z',
      last_used_at: null,
      revoked_at: null,
      agent_id: 'agent_x',
    });
    expect(await keys.findByHash('nope')).toBeUndefined();

    await keys.touch('b', '2026-01-02T00:00:00.000Z');
    expect((await keys.findByHash('hash-b'))?.last_used_at).toBe('2026-01-02T00:00:00.000Z');
    expect(await keys.revoke('b', '2026-01-03T00:00:00.000Z')).toMatchObject({
      record: { id: 'b', revoked_at: '2026-01-03T00:00:00.000Z' },
      alreadyRevoked: false,
    });
    expect(await keys.revoke('b', '2026-01-04T00:00:00.000Z')).toMatchObject({
      record: { revoked_at: '2026-01-03T00:00:00.000Z' },
      alreadyRevoked: true,
    });
    expect(await keys.revoke('missing', '2026-01-04T00:00:00.000Z')).toBeUndefined();
    expect(await keys.countActive()).toBe(2);
    await expect(keys.insert(key('c', '2026-01-05T00:00:00.000Z'))).resolves.toBeUndefined();
    // Not toThrow(): better-sqlite3's error class may come from another Jest realm.
    await expect(keys.insert({ ...key('d', '2026-01-05T00:00:00.000Z'), key_hash: 'hash-c' })).rejects.toMatchObject({
      message: expect.stringMatching(/unique/i),
    });
  });
});
