import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { DATABASE } from '../../../database/index.js';
import type { StoredRemoteAgent } from '../remote-agent-registration.js';
import { RemoteAgentRepository } from '../remote-agent.repository.js';
import type { RemoteAgentRow, RemoteAgentsTables } from './remote-agents.tables.js';

/**
 * RemoteAgentRepository on the store (table `remote_agents`, migration 0003): the same adapter on
 * SQLite and PostgreSQL, where every process reads the registrations it shares.
 */
@Injectable()
export class KyselyRemoteAgentRepository extends RemoteAgentRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<RemoteAgentsTables>) {
    super();
  }

  async save(agent: Pick<StoredRemoteAgent, 'agent_id' | 'kind' | 'registration'>, now: string): Promise<StoredRemoteAgent> {
    const registration = JSON.stringify(agent.registration);
    const row = await this.db
      .insertInto('remote_agents')
      .values({ agent_id: agent.agent_id, kind: agent.kind, registration, registered_at: now, updated_at: now, last_heartbeat: null })
      .onConflict((oc) => oc.column('agent_id').doUpdateSet({ kind: agent.kind, registration, updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toStored(row);
  }

  async list(): Promise<StoredRemoteAgent[]> {
    const rows = await this.db.selectFrom('remote_agents').selectAll().orderBy('agent_id').execute();
    return rows.map(toStored);
  }

  async delete(agentId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('remote_agents').where('agent_id', '=', agentId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async recordHeartbeat(agentId: string, at: string): Promise<void> {
    await this.db.updateTable('remote_agents').set({ last_heartbeat: at }).where('agent_id', '=', agentId).execute();
  }
}

function toStored(row: RemoteAgentRow): StoredRemoteAgent {
  return {
    agent_id: row.agent_id,
    kind: row.kind as StoredRemoteAgent['kind'],
    registration: JSON.parse(row.registration) as Record<string, unknown>,
    registered_at: row.registered_at,
    updated_at: row.updated_at,
    last_heartbeat: row.last_heartbeat,
  };
}
