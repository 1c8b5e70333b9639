/** The API's answers, as far as the page reads them (snake_case, as the API sends them). */

export interface Capability {
  name: string;
  description: string;
  parameters: Record<string, string>;
  input_schema: Record<string, unknown>;
}

export interface Agent {
  agent_id: string;
  name: string;
  description: string;
  kind: string;
  status: string;
  version: string;
  endpoint: string | null;
  last_heartbeat: string | null;
  tasks_completed: number;
  tasks_failed: number;
  in_flight: number;
  max_concurrency: number | null;
  capabilities: Capability[];
}

export type TaskStatus = 'submitted' | 'working' | 'completed' | 'failed' | 'cancelled';

export interface Task {
  task_id: string;
  session_id: string;
  capability: string;
  agent_id: string;
  status: TaskStatus;
  result: unknown;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface Session {
  session_id: string;
  contract_count: number;
  created_at: string;
  updated_at: string;
}

export interface Contract {
  contract_id: string;
  session_id: string;
  contract_type: 'REQUEST' | 'RESPONSE';
  from_agent: string;
  to_agent: string;
  capability: string | null;
  payload: unknown;
  status: string;
  created_at: string;
  completed_at: string | null;
  result: unknown;
  error: string | null;
  metadata: Record<string, unknown> | null;
  parent_contract_id: string | null;
}

export interface TraceStatus {
  configured: boolean;
  url: string | null;
  reachable: boolean;
  outbox_backlog: number;
  oldest_pending_at: string | null;
  dead_letters: number;
  oldest_dead_letter_at: string | null;
}

export interface Attempt {
  agent_id: string;
  started_at: string;
  duration_ms: number;
  error: string | null;
}
