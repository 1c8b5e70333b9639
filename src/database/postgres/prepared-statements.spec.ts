import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../database.schema.js';
import {
  createTempPostgresDatabase,
  postgresReachable,
  reportPostgresSkipped,
  type TempPostgresDatabase,
} from '../testing/temp-postgres-database.js';
import { openPostgresDatabase } from './open-postgres-database.js';
import { prepareOnEveryConnection } from './prepared-statements.js';

const reachable = await postgresReachable();
if (!reachable) reportPostgresSkipped('prepareOnEveryConnection specs');
const describeWithPostgres = reachable ? describe : describe.skip;

describeWithPostgres('prepareOnEveryConnection (on the PostgreSQL server of TEST_POSTGRES_URL)', () => {
  let database: TempPostgresDatabase;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await createTempPostgresDatabase();
    // One connection: the statements seen are those of the connection the queries ran on.
    db = await openPostgresDatabase({ url: database.url, poolSize: 1 });
  });

  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  const statements = async () =>
    (await db.executeQuery(CompiledQuery.raw('select statement from pg_prepared_statements order by statement'))).rows.map(
      (r) => (r as { statement: string }).statement,
    );

  it('runs a registered text as a named statement, parsed once per connection; other texts stay unnamed', async () => {
    const registered = 'select $1::int + 1 as n';
    prepareOnEveryConnection(registered);
    for (const n of [1, 2, 3]) {
      expect((await db.executeQuery(CompiledQuery.raw(registered, [n]))).rows).toEqual([{ n: n + 1 }]);
    }
    expect((await db.executeQuery(CompiledQuery.raw('select $1::int * 2 as n', [4]))).rows).toEqual([{ n: 8 }]);
    expect(await statements()).toEqual([registered]);
  });
});
