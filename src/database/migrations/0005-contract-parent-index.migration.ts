import type { Kysely, Migration } from 'kysely';

/** Finds a REQUEST's RESPONSE and sub-tasks (`GET /v1/contracts/:id/tree`). */
export const contractParentIndexMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('contracts_parent_contract_id_idx').on('contracts').column('parent_contract_id').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('contracts_parent_contract_id_idx').execute();
  },
};
