import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database.schema.js';
import { DATABASE_MIGRATIONS, migrateDatabase } from './index.js';

describe('0003_remote_agents', () => {
  it('is registered after 0002 and creates remote_agents keyed by agent_id', async () => {
    const names = Object.keys(DATABASE_MIGRATIONS);
    expect(names.indexOf('0003_remote_agents')).toBe(names.indexOf('0002_outbox_traceparent') + 1);

    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      await migrateDatabase(db);
      const row = { agent_id: 'a', kind: 'http', registration: '{}', registered_at: 't0', updated_at: 't0', last_heartbeat: null };
      await db.insertInto('remote_agents').values(row).execute();
      await expect(db.insertInto('remote_agents').values(row).execute()).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      expect(await db.selectFrom('remote_agents').selectAll().execute()).toEqual([row]);
      await DATABASE_MIGRATIONS['0003_remote_agents']!.down!(db);
    } finally {
      await db.destroy();
    }
  });
});
