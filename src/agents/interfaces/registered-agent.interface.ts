import type { AgentStatus } from '../agents.constants.js';
import type { TaskContext } from './task-context.interface.js';

export type ParameterTypes = Record<string, string>;

export type InputValidation = { ok: true; value: unknown } | { ok: false; errors: string[] };

/** A capability as the registry knows it, whatever kind of agent provides it. */
export interface RegisteredCapability {
  readonly name: string;
  readonly description: string;
  /** Flat map field → type name, as the Python service showed it. */
  readonly parameters: ParameterTypes;
  /** JSON Schema of the input, or `{}`. */
  readonly input_schema: Record<string, unknown>;
  /** Validates (and converts) the parameters before the agent runs. */
  validate(parameters: Record<string, unknown>): Promise<InputValidation>;
}

/** Static description of an agent plus the way to run its capabilities. */
export interface AgentDefinition {
  readonly agent_id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly kind: 'local';
  readonly endpoint: string | null;
  /** Name of the class (local agents), for error messages. */
  readonly source: string;
  readonly capabilities: ReadonlyMap<string, RegisteredCapability>;
  execute(capability: string, input: unknown, ctx: TaskContext): Promise<unknown>;
}

/** Runtime state the registry keeps per agent. */
export interface AgentState {
  status: AgentStatus;
  in_flight: number;
  tasks_completed: number;
  tasks_failed: number;
  registered_at: string;
  last_heartbeat: string | null;
}
