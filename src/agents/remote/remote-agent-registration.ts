import type { AgentKind } from '../interfaces/registered-agent.interface.js';

/** One capability of a remote agent, as registered. */
export interface RemoteCapabilityRegistration {
  name: string;
  description: string;
  /** Flat map field → type name; derived from `input_schema` when not given. */
  parameters?: Record<string, string>;
  /** JSON Schema the parameters are validated against before the agent is called. */
  input_schema?: Record<string, unknown>;
}

/** A remote HTTP agent as accepted by `POST /v1/agents` and stored (normalized: endpoint without a trailing slash). */
export interface HttpAgentRegistration {
  agent_id: string;
  name: string;
  description: string;
  version: string;
  endpoint: string;
  capabilities: RemoteCapabilityRegistration[];
  max_concurrency: number | null;
}

/** A remote agent as the store keeps it. */
export interface StoredRemoteAgent {
  agent_id: string;
  kind: Exclude<AgentKind, 'local'>;
  /** For `http`: an HttpAgentRegistration; `a2a`: an A2aAgentRegistration; `mcp`: an McpAgentRegistration. */
  registration: Record<string, unknown>;
  registered_at: string;
  updated_at: string;
  last_heartbeat: string | null;
}
