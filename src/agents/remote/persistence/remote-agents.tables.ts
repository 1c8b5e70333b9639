import type { Selectable } from 'kysely';

/** Remote agents registered over the API (one row per agent id). */
export interface RemoteAgentsTable {
  agent_id: string;
  /** `http` (or `a2a` later): how the agent is reached and what `registration` holds. */
  kind: string;
  /** JSON object: the registration as accepted (for `a2a`, the agent card). */
  registration: string;
  registered_at: string;
  updated_at: string;
  last_heartbeat: string | null;
}

/** The remote agents' tables; `Database` (src/database) composes them with the others. */
export interface RemoteAgentsTables {
  remote_agents: RemoteAgentsTable;
}

export type RemoteAgentRow = Selectable<RemoteAgentsTable>;
