import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateDatabase } from '../../../database/index.js';
import type { RemoteAgentsTables } from './remote-agents.tables.js';
import { SqliteRemoteAgentRepository } from './sqlite-remote-agent.repository.js';

describe('SqliteRemoteAgentRepository', () => {
  let db: Kysely<RemoteAgentsTables>;
  let repository: SqliteRemoteAgentRepository;

  beforeEach(async () => {
    db = new Kysely<RemoteAgentsTables>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateDatabase(db);
    repository = new SqliteRemoteAgentRepository(db);
  });
  afterEach(async () => {
    await db.destroy();
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

  it('lists by id, deletes, and ignores a heartbeat of an unknown id', async () => {
    await repository.save({ agent_id: 'b', kind: 'http', registration: {} }, 't');
    await repository.save({ agent_id: 'a', kind: 'a2a', registration: { card: {} } }, 't');
    await repository.recordHeartbeat('nobody', 't2');
    expect((await repository.list()).map((r) => [r.agent_id, r.kind])).toEqual([
      ['a', 'a2a'],
      ['b', 'http'],
    ]);
    expect(await repository.delete('a')).toBe(true);
    expect(await repository.delete('a')).toBe(false);
    expect((await repository.list()).map((r) => r.agent_id)).toEqual(['b']);
  });
});
