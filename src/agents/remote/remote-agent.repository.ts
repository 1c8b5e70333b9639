import type { StoredRemoteAgent } from './remote-agent-registration.js';

/**
 * Where remote agent registrations are kept so that they survive restarts. An abstract class so that
 * it is the DI token: the SQLite adapter implements it today, a PostgreSQL adapter later.
 */
export abstract class RemoteAgentRepository {
  /**
   * Inserts the agent, or replaces the kind and registration of the stored one with the same id
   * (keeping its `registered_at` and `last_heartbeat`). Returns the stored row.
   */
  abstract save(agent: Pick<StoredRemoteAgent, 'agent_id' | 'kind' | 'registration'>, now: string): Promise<StoredRemoteAgent>;

  /** Every stored agent, by id. */
  abstract list(): Promise<StoredRemoteAgent[]>;

  /** False when no agent had that id. */
  abstract delete(agentId: string): Promise<boolean>;

  /** Records the time of the agent's last heartbeat (a no-op for an unknown id). */
  abstract recordHeartbeat(agentId: string, at: string): Promise<void>;
}
