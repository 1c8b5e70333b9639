import { sql, type Kysely, type Migration } from 'kysely';
import { isPostgres } from './migration-helpers.js';

/** The store's tables whose text columns are compared and sorted (every one, so that none is forgotten). */
const TABLES = ['contracts', 'sessions', 'trace_outbox', 'trace_dead_letters', 'store_counters', 'remote_agents', 'api_keys'];

/**
 * Text compares byte by byte on both stores. SQLite does it by default (BINARY); PostgreSQL sorts
 * text by the database's locale unless told otherwise, which would order sessions, agents and keys
 * (and page through them) differently from SQLite. So on PostgreSQL every text column of the store
 * gets `COLLATE "C"` (byte order of UTF-8, as SQLite); its indexes are rebuilt with it. Nothing to do
 * on SQLite. New text columns that are sorted or compared take `textColumnType`.
 */
export const postgresByteOrderTextMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    if (!isPostgres(db)) return;
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and data_type = 'text' and table_name in (${sql.join(TABLES)})
      order by table_name, ordinal_position`.execute(db);
    for (const { table_name, column_name } of rows) {
      await sql`alter table ${sql.table(table_name)} alter column ${sql.ref(column_name)} type text collate "C"`.execute(db);
    }
  },
  async down(): Promise<void> {
    // The locale's collation is not worth restoring: byte order is correct for every column.
  },
};
