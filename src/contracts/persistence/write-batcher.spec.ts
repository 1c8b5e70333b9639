import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { ContractsDatabase } from './contracts-database.schema.js';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.js';
import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  let dir: string;
  let db: Kysely<ContractsDatabase>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'write-batcher-'));
    db = await openSqliteDatabase({ dataDir: dir, synchronous: 'NORMAL' });
    await sql`CREATE TABLE t (k TEXT PRIMARY KEY)`.execute(db);
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys = async () => (await sql<{ k: string }>`SELECT k FROM t ORDER BY k`.execute(db)).rows.map((r) => r.k);

  it('commits concurrent writes together; a failing write fails alone', async () => {
    const batcher = new WriteBatcher(db);
    const commits: number[] = [];
    const write = (k: string) =>
      batcher.run(async (trx) => {
        await sql`INSERT INTO t (k) VALUES (${k})`.execute(trx);
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(trx);
        commits.push(rows[0].n);
        return k;
      });
    const results = await Promise.allSettled([write('a'), write('b'), write('a'), write('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    // All four ran in one transaction: each saw the rows of the writes before it.
    expect(commits).toEqual([1, 2, 3]);
    expect(await keys()).toEqual(['a', 'b', 'c']);
  });

  it('a write on its own behaves like a plain transaction', async () => {
    const batcher = new WriteBatcher(db);
    await expect(batcher.run(async (trx) => sql`INSERT INTO t (k) VALUES ('x')`.execute(trx).then(() => 'ok'))).resolves.toBe('ok');
    await expect(
      batcher.run(async (trx) => {
        await sql`INSERT INTO t (k) VALUES ('y')`.execute(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await keys()).toEqual(['x']);
  });
});
