import type { Kysely, Migration } from 'kysely';

/**
 * Remote agents registered over the API, so that they survive restarts. One row per agent: its kind
 * (`http` today; `a2a` agents store their card the same way later), the registration as JSON, and
 * the time of its last heartbeat.
 */
export const remoteAgentsMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('remote_agents')
      .addColumn('agent_id', 'text', (col) => col.primaryKey())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('registration', 'text', (col) => col.notNull())
      .addColumn('registered_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addColumn('last_heartbeat', 'text')
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('remote_agents').execute();
  },
};
