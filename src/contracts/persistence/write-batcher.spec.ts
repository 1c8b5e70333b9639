import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { ContractsTables } from './contracts.tables.js';
import { openSqliteDatabase } from '../../database/index.js';
import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  let dir: string;
  let db: Kysely<ContractsTables>;

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
    const transactions = jest.spyOn(db, 'transaction');
    // Rows each write saw after its insert, from its last run (a batch with a failure runs again).
    const seen = new Map<string, number>();
    const write = (k: string) =>
      batcher.run(async (trx) => {
        await sql`INSERT INTO t (k) VALUES (${k})`.execute(trx);
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(trx);
        seen.set(k, rows[0].n);
        return k;
      });
    const results = await Promise.allSettled([write('a'), write('b'), write('a'), write('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    // All four ran in one transaction: each saw the rows of the writes before it.
    expect(Object.fromEntries(seen)).toEqual({ a: 1, b: 2, c: 3 });
    expect(await keys()).toEqual(['a', 'b', 'c']);
    // The batch without savepoints failed on the duplicate, then ran again with one per write.
    expect(transactions).toHaveBeenCalledTimes(2);
  });

  it('commits a batch without failures in one transaction, and undoes all of a write that fails after writing', async () => {
    const batcher = new WriteBatcher(db);
    const transactions = jest.spyOn(db, 'transaction');
    const clean = await Promise.all(
      ['p', 'q', 'r'].map((k) => batcher.run(async (trx) => sql`INSERT INTO t (k) VALUES (${k})`.execute(trx).then(() => k))),
    );
    expect(clean).toEqual(['p', 'q', 'r']);
    expect(transactions).toHaveBeenCalledTimes(1);

    const results = await Promise.allSettled([
      batcher.run(async (trx) => sql`INSERT INTO t (k) VALUES ('x')`.execute(trx)),
      batcher.run(async (trx) => {
        await sql`INSERT INTO t (k) VALUES ('y1')`.execute(trx);
        await sql`INSERT INTO t (k) VALUES ('y2')`.execute(trx);
        throw new Error('changed my mind');
      }),
      batcher.run(async (trx) => sql`INSERT INTO t (k) VALUES ('z')`.execute(trx)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('changed my mind'));
    expect(await keys()).toEqual(['p', 'q', 'r', 'x', 'z']);
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
