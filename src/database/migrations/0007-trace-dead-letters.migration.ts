import type { Kysely, Migration } from 'kysely';
import { inTransaction } from './migration-helpers.js';

/**
 * Trace events that will not be delivered as they are: refused for good by Trace (400, 404, 413,
 * 422) or failed TRACE_MAX_ATTEMPTS times. A row keeps the outbox event (same id, so a requeued event
 * gets its place and identity back) with the last outcome, the attempts made and when it was set aside.
 */
export const traceDeadLettersMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await inTransaction(db, async (trx) => {
      await trx.schema
        .createTable('trace_dead_letters')
        .addColumn('id', 'integer', (col) => col.primaryKey())
        .addColumn('session_id', 'text', (col) => col.notNull())
        .addColumn('event_type', 'text', (col) => col.notNull())
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('traceparent', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text', (col) => col.notNull())
        .addColumn('dead_at', 'text', (col) => col.notNull())
        .execute();
      await trx.schema.createIndex('trace_dead_letters_dead_at').on('trace_dead_letters').column('dead_at').execute();
    });
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('trace_dead_letters').execute();
  },
};
