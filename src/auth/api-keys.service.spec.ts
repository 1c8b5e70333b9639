import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { hashApiKey } from './api-key.js';
import { ApiKeysRepository, type StoredApiKey } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import {
  INVALID_KEY_CACHE_MAX_ENTRIES,
  INVALID_KEY_CACHE_TTL_MS,
  KEY_CACHE_TTL_MS,
  KEYS_EXIST_TTL_MS,
  LAST_USED_WRITE_INTERVAL_MS,
} from './auth.constants.js';
import type { ApiKeyRecord, NewApiKeyRecord } from './interfaces/api-key.interface.js';

/** An in-memory store that counts the calls the service makes. */
class MemoryApiKeysRepository extends ApiKeysRepository {
  readonly keys = new Map<string, StoredApiKey>();
  readonly calls = { findByHash: 0, anyExists: 0, touch: [] as Array<[string, string]> };

  override async insert(key: NewApiKeyRecord): Promise<void> {
    this.keys.set(key.id, { ...key, agent_id: key.agent_id ?? null, last_used_at: null, revoked_at: null });
  }
  override async findByHash(keyHash: string): Promise<StoredApiKey | undefined> {
    this.calls.findByHash++;
    return [...this.keys.values()].find((k) => k.key_hash === keyHash);
  }
  override async list(): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()].map(({ key_hash: _hash, ...record }) => record);
  }
  override async revoke(id: string, at: string): Promise<{ record: ApiKeyRecord; alreadyRevoked: boolean } | undefined> {
    const key = this.keys.get(id);
    if (!key) return undefined;
    const alreadyRevoked = key.revoked_at !== null;
    key.revoked_at ??= at;
    const { key_hash: _hash, ...record } = key;
    return { record, alreadyRevoked };
  }
  override async touch(id: string, at: string): Promise<void> {
    this.calls.touch.push([id, at]);
  }
  override async anyExists(): Promise<boolean> {
    this.calls.anyExists++;
    return this.keys.size > 0;
  }
  override async countActive(): Promise<number> {
    return [...this.keys.values()].filter((k) => k.revoked_at === null).length;
  }
}

describe('ApiKeysService', () => {
  let now = 1_000_000;
  let repo: MemoryApiKeysRepository;
  let service: ApiKeysService;
  /** A second service over the same store: another process (the CLI) writing while the server runs. */
  let cli: ApiKeysService;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    repo = new MemoryApiKeysRepository();
    service = new ApiKeysService(repo, { authRequired: false, openAccess: 'loopback' });
    cli = new ApiKeysService(repo, { authRequired: false, openAccess: 'loopback' });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('stores only the hash; the key is returned once', async () => {
    const { record, key } = await cli.create(' ci ', ['read']);
    expect(record).toMatchObject({ name: 'ci', scopes: ['read'], last_used_at: null, revoked_at: null });
    const stored = repo.keys.get(record.id)!;
    expect(stored.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(JSON.stringify(await cli.list())).not.toContain(stored.key_hash);
  });

  it('a key bound to an agent keeps its agent_id in the store and in the authenticated principal', async () => {
    const { record, key } = await cli.create('bound', ['agent'], 'agent_a');
    expect(record.agent_id).toBe('agent_a');
    expect(repo.keys.get(record.id)!.agent_id).toBe('agent_a');
    expect(await service.authenticate(key)).toMatchObject({ id: record.id, scopes: ['agent'], agent_id: 'agent_a' });
    const unbound = await cli.create('unbound', ['agent']);
    expect(unbound.record.agent_id).toBeNull();
    expect(await service.authenticate(unbound.key)).toMatchObject({ agent_id: null });
    await expect(cli.create('x', ['read'], 'agent_a')).rejects.toThrow("must be exactly 'agent'");
  });

  it('"keys exist" is re-checked at most once per TTL while none exists, and never again once one does', async () => {
    expect(await service.keysExist()).toBe(false);
    expect(await service.keysExist()).toBe(false);
    expect(repo.calls.anyExists).toBe(1);
    await cli.create('ci', ['read']);
    expect(await service.keysExist()).toBe(false); // still within the TTL
    now += KEYS_EXIST_TTL_MS;
    expect(await service.keysExist()).toBe(true);
    now += 10 * KEYS_EXIST_TTL_MS;
    expect(await service.keysExist()).toBe(true);
    expect(repo.calls.anyExists).toBe(2);
  });

  it('concurrent checks share one query', async () => {
    const answers = await Promise.all([service.keysExist(), service.keysExist(), service.keysExist()]);
    expect(answers).toEqual([false, false, false]);
    expect(repo.calls.anyExists).toBe(1);
  });

  it('a key created elsewhere works at once; while no key exists nothing is looked up', async () => {
    const unknown = `ao_${'u'.repeat(43)}`;
    expect(await service.authenticate(unknown)).toBeUndefined();
    expect(await service.identify(unknown)).toBeUndefined();
    expect(repo.calls.findByHash).toBe(0);
    const { record, key } = await cli.create('ci', ['invoke']);
    now += KEYS_EXIST_TTL_MS;
    expect(await service.authenticate(key)).toEqual({ id: record.id, name: 'ci', scopes: ['invoke'], agent_id: null });
  });

  it('an unknown key is remembered as invalid for INVALID_KEY_CACHE_TTL_MS: sending it again costs no look-up', async () => {
    await cli.create('ci', ['read']);
    const unknown = `ao_${'u'.repeat(43)}`;
    expect(await service.authenticate(unknown)).toBeUndefined();
    expect(repo.calls.findByHash).toBe(1);
    for (let i = 0; i < 100; i++) expect(await service.identify(unknown)).toBeUndefined(); // from memory
    now += INVALID_KEY_CACHE_TTL_MS - 1;
    expect(await service.authenticate(unknown)).toBeUndefined();
    expect(repo.calls.findByHash).toBe(1);
    now += 1;
    expect(await service.authenticate(unknown)).toBeUndefined();
    expect(repo.calls.findByHash).toBe(2);
  });

  it('remembers at most INVALID_KEY_CACHE_MAX_ENTRIES invalid keys, the least recently found out first', async () => {
    await cli.create('ci', ['read']);
    const keyOf = (i: number) => `ao_${i.toString().padStart(43, 'x')}`;
    for (let i = 0; i < INVALID_KEY_CACHE_MAX_ENTRIES + 50; i++) await service.identify(keyOf(i));
    expect(service.invalidKeysRemembered).toBe(INVALID_KEY_CACHE_MAX_ENTRIES);
    const lookups = repo.calls.findByHash;
    expect(await service.identify(keyOf(INVALID_KEY_CACHE_MAX_ENTRIES + 49))).toBeUndefined();
    expect(repo.calls.findByHash).toBe(lookups);
    await service.identify(keyOf(0));
    expect(repo.calls.findByHash).toBe(lookups + 1);
  });

  it('identify does not record a use', async () => {
    const { record, key } = await cli.create('ci', ['read']);
    expect(await service.identify(key)).toMatchObject({ id: record.id });
    expect(repo.calls.touch).toEqual([]);
  });

  it('a found key is served from memory for at most KEY_CACHE_TTL_MS, so a revocation elsewhere takes effect within it', async () => {
    const { record, key } = await cli.create('ci', ['read']);
    expect(await service.authenticate(key)).toBeDefined();
    const lookups = repo.calls.findByHash;
    expect(await service.authenticate(key)).toMatchObject({ id: record.id }); // from the cache
    expect(repo.calls.findByHash).toBe(lookups);

    await cli.revoke(record.id);
    now += KEY_CACHE_TTL_MS - 1;
    expect(await service.authenticate(key)).toMatchObject({ id: record.id });
    now += 1;
    expect(await service.authenticate(key)).toBeUndefined();
    expect(await service.authenticate(key)).toBeUndefined();
  });

  it('a revocation in the same process takes effect at once', async () => {
    const { record, key } = await service.create('ci', ['read']);
    expect(await service.authenticate(key)).toBeDefined();
    expect(await service.revoke(record.id)).toMatchObject({ alreadyRevoked: false, record: { id: record.id } });
    expect(await service.authenticate(key)).toBeUndefined();
    expect(await service.revoke(record.id)).toMatchObject({ alreadyRevoked: true });
    expect(await service.revoke('nope')).toBeUndefined();
  });

  it('writes last_used_at at most once a minute per key', async () => {
    const a = await cli.create('a', ['read']);
    const b = await cli.create('b', ['read']);
    for (let i = 0; i < 50; i++) {
      await service.authenticate(a.key);
      await service.authenticate(b.key);
      now += 1000;
    }
    // 50 s of use: one write per key.
    expect(repo.calls.touch.map(([id]) => id).sort()).toEqual([a.record.id, b.record.id].sort());
    now += LAST_USED_WRITE_INTERVAL_MS;
    await service.authenticate(a.key);
    expect(repo.calls.touch).toHaveLength(3);
    expect(repo.calls.touch[2]).toEqual([a.record.id, new Date(now).toISOString()]);
  });

  it('a failed last_used_at write does not fail authentication', async () => {
    const { key } = await cli.create('a', ['read']);
    repo.touch = () => Promise.reject(new Error('database closed'));
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    await expect(service.authenticate(key)).resolves.toBeDefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(debug).toHaveBeenCalledWith(expect.stringContaining('database closed'));
  });
});
