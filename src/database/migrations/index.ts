import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { DatabaseMigrationError } from '../errors/database-migration.error.js';
import { initialMigration } from './0001-initial.migration.js';
import { outboxTraceparentMigration } from './0002-outbox-traceparent.migration.js';
import { remoteAgentsMigration } from './0003-remote-agents.migration.js';
import { apiKeysMigration } from './0004-api-keys.migration.js';
import { contractParentIndexMigration } from './0005-contract-parent-index.migration.js';
import { storeCountersMigration } from './0006-store-counters.migration.js';
import { traceDeadLettersMigration } from './0007-trace-dead-letters.migration.js';
import { apiKeyAgentMigration } from './0008-api-key-agent.migration.js';
import { postgresByteOrderTextMigration } from './0009-postgres-byte-order-text.migration.js';

/**
 * Every migration of the store (all modules' tables), by name. Names sort in the order they must run; add new ones
 * at the end (`0002_…`) and never edit one that has shipped.
 */
export const DATABASE_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initialMigration,
  '0002_outbox_traceparent': outboxTraceparentMigration,
  '0003_remote_agents': remoteAgentsMigration,
  '0004_api_keys': apiKeysMigration,
  '0005_contract_parent_index': contractParentIndexMigration,
  '0006_store_counters': storeCountersMigration,
  '0007_trace_dead_letters': traceDeadLettersMigration,
  '0008_api_key_agent': apiKeyAgentMigration,
  '0009_postgres_byte_order_text': postgresByteOrderTextMigration,
});

/** Static, in-code migration provider (no file-system scanning, so it works from `dist/` and in tests). */
export const databaseMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...DATABASE_MIGRATIONS }),
};

/**
 * Brings the schema up to date. Already applied migrations are skipped, so this is safe at every
 * start. Throws DatabaseMigrationError if a migration fails.
 */
export async function migrateDatabase(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: databaseMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new DatabaseMigrationError(failed?.migrationName, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
