import { sql, type Kysely, type Migration } from 'kysely';
import { inTransaction } from './migration-helpers.js';

/**
 * Running totals kept with the writes (`store_counters`), so that `/v1/status`, the readiness check
 * and unfiltered list pages read a few rows instead of counting whole tables. Backfilled from the rows
 * present when it runs. Counter names are listed in STORE_COUNTER (contracts/persistence/contracts.tables.ts).
 */
export const storeCountersMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await inTransaction(db, async (db) => {
      await db.schema
        .createTable('store_counters')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('value', 'bigint', (col) => col.notNull().defaultTo(0))
        .execute();
      for (const table of ['contracts', 'sessions', 'trace_outbox'] as const) {
        await db
          .insertInto('store_counters')
          .columns(['name', 'value'])
          .expression(db.selectFrom(table).select([sql.lit(table).as('name'), (eb) => eb.fn.countAll().as('value')]))
          .execute();
      }
      await db
        .insertInto('store_counters')
        .columns(['name', 'value'])
        .expression(
          db
            .selectFrom('contracts')
            .select([sql<string>`${sql.lit('status:')} || status`.as('name'), (eb) => eb.fn.countAll().as('value')])
            .groupBy('status'),
        )
        .execute();
    });
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('store_counters').execute();
  },
};
