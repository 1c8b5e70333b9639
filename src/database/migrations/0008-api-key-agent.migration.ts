import type { Kysely, Migration } from 'kysely';

/**
 * The agent an API key is bound to (`npm run keys -- create --scopes agent --agent <id>`): such a key
 * may send heartbeats and delegate only for that agent. Null for every other key.
 */
export const apiKeyAgentMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('api_keys').addColumn('agent_id', 'text').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('api_keys').dropColumn('agent_id').execute();
  },
};
