import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { ContractsTables } from './contracts.tables.js';
import { PreparedQuery } from './prepared-query.js';

describe('PreparedQuery', () => {
  const db = new Kysely<ContractsTables>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });

  it('compiles once and binds named values (repeated names, constants kept in place)', () => {
    const query = PreparedQuery.prepare<{ now: number; limit: number; type: string }, unknown>((p) =>
      db
        .selectFrom('trace_outbox')
        .selectAll()
        .where('next_attempt_at', '<=', p('now'))
        .where('event_type', '=', 'contract.request')
        .where('attempts', '<', p('now'))
        .limit(p('limit')),
    );
    const bound = query.bind({ now: 42, limit: 7, type: 'ignored' });
    expect(bound.sql).toBe(query.sql);
    expect(bound.parameters).toEqual([42, 'contract.request', 42, 7]);
    expect(query.bind({ now: 1, limit: 2, type: '' }).parameters).toEqual([1, 'contract.request', 1, 2]);
  });

  it('refuses a query in which a placeholder was not bound as a parameter', () => {
    expect(() =>
      PreparedQuery.prepare<{ name: string }, unknown>((p) => {
        p('name'); // used to build nothing
        return db.selectFrom('contracts').selectAll();
      }),
    ).toThrow(/placeholder 'name'/);
  });
});
