import type { Kysely, Migration } from 'kysely';

/** The W3C `traceparent` of the task an outbox event belongs to, sent to Trace as a header. */
export const outboxTraceparentMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('trace_outbox').addColumn('traceparent', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('trace_outbox').dropColumn('traceparent').execute();
  },
};
