import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { sql, type Kysely } from 'kysely';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseConfig, loadDatabaseConfig } from './database.config.js';
import { DATABASE, SQLITE_FILE_NAME } from './database.constants.js';
import { DatabaseModule } from './database.module.js';
import { redactPostgresUrl } from './postgres/open-postgres-database.js';
import type { Database } from './database.schema.js';
import { DATABASE_MIGRATIONS } from './migrations/index.js';

describe('DatabaseModule', () => {
  it('provides DATABASE: the store under DATA_DIR, migrated before anything can inject it, closed at shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'database-module-'));
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }), DatabaseModule],
      })
        .overrideProvider(databaseConfig.KEY)
        .useValue({ dataDir: dir, sqliteSynchronous: 'NORMAL' })
        .compile();
      const db = moduleRef.get<Kysely<Database>>(DATABASE);
      expect(existsSync(join(dir, SQLITE_FILE_NAME))).toBe(true);
      const applied = await db
        .selectFrom('kysely_migration' as never)
        .select(sql<string>`name`.as('name'))
        .orderBy(sql`name`)
        .execute();
      expect(applied.map((m) => m.name)).toEqual(Object.keys(DATABASE_MIGRATIONS));
      // Every module's tables live in the one store.
      const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db);
      expect(tables.rows.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          'contracts',
          'sessions',
          'trace_outbox',
          'trace_dead_letters',
          'store_counters',
          'remote_agents',
          'api_keys',
        ]),
      );

      await moduleRef.close();
      await expect(sql`select 1`.execute(db)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads DATA_DIR and SQLITE_SYNCHRONOUS, and refuses a bad mode naming the variable', () => {
    expect(loadDatabaseConfig({})).toEqual({ dataDir: './data', sqliteSynchronous: 'NORMAL' });
    expect(loadDatabaseConfig({ DATA_DIR: '/srv/orchestrator', SQLITE_SYNCHRONOUS: 'FULL' })).toEqual({
      dataDir: '/srv/orchestrator',
      sqliteSynchronous: 'FULL',
    });
    expect(() => loadDatabaseConfig({ SQLITE_SYNCHRONOUS: 'SOMETIMES' })).toThrow(/SQLITE_SYNCHRONOUS="SOMETIMES"/);
  });

  it('DATABASE_URL selects PostgreSQL; anything but a postgres:// or postgresql:// URL is refused naming the variable', () => {
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://u:p@db:5432/orchestrator' })).toEqual({
      dataDir: './data',
      sqliteSynchronous: 'NORMAL',
      postgresUrl: 'postgres://u:p@db:5432/orchestrator',
    });
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgresql://db/orchestrator?sslmode=require' }).postgresUrl).toBe(
      'postgresql://db/orchestrator?sslmode=require',
    );
    expect(loadDatabaseConfig({ DATABASE_URL: '' })).not.toHaveProperty('postgresUrl');
    for (const bad of ['mysql://db/x', 'sqlite:./data/orchestrator.db', 'postgres://', 'db.example:5432']) {
      expect(() => loadDatabaseConfig({ DATABASE_URL: bad })).toThrow(/DATABASE_URL=.*must be a postgres:\/\/ \(or postgresql:\/\/\) URL/);
    }
  });

  it('names the store it opened, with the PostgreSQL password hidden', () => {
    expect(redactPostgresUrl('postgres://orchestrator:s3cr%40t@db.example:5432/orchestrator')).toBe(
      'postgres://orchestrator:***@db.example:5432/orchestrator',
    );
    expect(redactPostgresUrl('postgres://db.example/orchestrator')).toBe('postgres://db.example/orchestrator');
  });
});
