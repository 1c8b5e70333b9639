import type { Kysely, Migration } from 'kysely';
import { addSerialPrimaryKey, inTransaction } from './migration-helpers.js';

/**
 * The initial schema: contracts, their sessions, and the Trace outbox. Written with Kysely's schema
 * builder only, so that it runs on SQLite and on PostgreSQL.
 */
export const initialMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await inTransaction(db, async (db) => {
      await addSerialPrimaryKey(db, db.schema.createTable('contracts'), 'seq')
        .addColumn('contract_id', 'text', (col) => col.notNull().unique())
        .addColumn('session_id', 'text', (col) => col.notNull())
        .addColumn('contract_type', 'text', (col) => col.notNull())
        .addColumn('from_agent', 'text', (col) => col.notNull())
        .addColumn('to_agent', 'text', (col) => col.notNull())
        .addColumn('capability', 'text')
        .addColumn('payload', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('metadata', 'text', (col) => col.notNull())
        .addColumn('parent_contract_id', 'text')
        .execute();

      // One index per filter of GET /v1/contracts, each ending in seq so that a filtered page is read
      // in order straight from the index (keyset cursor = seq).
      for (const column of ['session_id', 'from_agent', 'to_agent', 'status', 'capability', 'contract_type']) {
        await db.schema.createIndex(`contracts_${column}_seq_idx`).on('contracts').columns([column, 'seq']).execute();
      }

      await db.schema
        .createTable('sessions')
        .addColumn('session_id', 'text', (col) => col.primaryKey())
        .addColumn('contract_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      // Newest-first listing with a (updated_at, session_id) keyset cursor.
      await db.schema.createIndex('sessions_updated_at_session_id_idx').on('sessions').columns(['updated_at', 'session_id']).execute();

      await addSerialPrimaryKey(db, db.schema.createTable('trace_outbox'), 'id')
        .addColumn('session_id', 'text', (col) => col.notNull())
        .addColumn('event_type', 'text', (col) => col.notNull())
        .addColumn('data', 'text', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      // Per-session order (the "no earlier event of this session is waiting" check) and the due scan.
      await db.schema.createIndex('trace_outbox_session_id_id_idx').on('trace_outbox').columns(['session_id', 'id']).execute();
      await db.schema.createIndex('trace_outbox_next_attempt_at_id_idx').on('trace_outbox').columns(['next_attempt_at', 'id']).execute();
    });
  },

  async down(db: Kysely<any>): Promise<void> {
    await inTransaction(db, async (db) => {
      await db.schema.dropTable('trace_outbox').execute();
      await db.schema.dropTable('sessions').execute();
      await db.schema.dropTable('contracts').execute();
    });
  },
};
