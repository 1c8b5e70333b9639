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
  /**
   * Whether an interrupted task of it may run again after a restart (`@Capability({ resumable })`;
   * always true for remote agents, which cannot opt out).
   */
  readonly resumable: boolean;
}

export type AgentKind = 'local' | 'http' | 'a2a' | 'mcp';

/** Static description of an agent plus the way to run its capabilities. */
export interface AgentDefinition {
  readonly agent_id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly kind: AgentKind;
  /** Base URL of a remote agent; null for in-process agents. */
  readonly endpoint: string | null;
  /** Most tasks the agent runs at once; null for no limit. */
  readonly max_concurrency: number | null;
  /** Name of the class (local agents), for error messages. */
  readonly source: string;
  readonly capabilities: ReadonlyMap<string, RegisteredCapability>;
  /**
   * Runs one capability and resolves with its result data. Rejects with an AgentTransportError when a
   * remote agent could not be reached or answered garbage (the orchestrator fails over), with any other
   * error for a failed task.
   */
  execute(capability: string, input: unknown, ctx: TaskContext): Promise<unknown>;
}

/** Runtime state the registry keeps per agent. */
export interface AgentState {
  /** Liveness: a remote agent that missed its heartbeats and health probes is `offline`. */
  status: Extract<AgentStatus, 'available' | 'offline'>;
  in_flight: number;
  tasks_completed: number;
  tasks_failed: number;
  registered_at: string;
  last_heartbeat: string | null;
  /** Transport failures in a row (circuit breaker). */
  consecutive_failures: number;
  /** When the breaker opened (epoch ms), or null while it is closed. */
  breaker_opened_at: number | null;
  /** A trial task of a half-open breaker is running. */
  trial_in_flight: boolean;
}

/**
 * How an agent slot was given back: the attempt it served ended `completed`, `failed` (the agent
 * answered with a failure), `transport_error` (it could not be reached) or `interrupted` (stopped on
 * the orchestrator's side: cancelled, shut down, no connection could be opened; it says nothing about
 * the agent), or the slot was `unused` (the task was refused before it ran). The breaker and the
 * statistics read it.
 */
export type SlotOutcome = 'completed' | 'failed' | 'transport_error' | 'interrupted' | 'unused';

/** An agent the registry knows: its definition (replaced when a remote agent re-registers) and its runtime state. */
export interface RegisteredAgent {
  definition: AgentDefinition;
  readonly state: AgentState;
  /**
   * Most attempts routed to the agent at once: its `max_concurrency`, or less for an agent reached over
   * the network when this process cannot hold that many connections (ConnectionBudget); null for none.
   */
  limit: number | null;
}

/** What routing can do with a capability right now. */
export type CapabilityRoute =
  /** No agent provides it. */
  | { kind: 'unknown' }
  /** Every provider is offline or has its circuit breaker open. */
  | { kind: 'unavailable' }
  /** Providers are in service but every one is at its concurrency limit. */
  | { kind: 'full' }
  | { kind: 'ready'; agent: RegisteredAgent; capability: RegisteredCapability };
