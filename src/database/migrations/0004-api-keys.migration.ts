import type { Kysely, Migration } from 'kysely';

/**
 * API keys (`npm run keys`): only the SHA-256 of each key is stored, unique so that a presented key
 * is found by its hash. `scopes` is a comma-separated list; `revoked_at` is set instead of deleting,
 * so a revoked key stays listed.
 */
export const apiKeysMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('key_hash', 'text', (col) => col.notNull().unique())
      .addColumn('scopes', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('api_keys').execute();
  },
};
