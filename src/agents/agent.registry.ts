import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { agentsConfig } from './agents.config.js';
import { BREAKER_FAILURE_THRESHOLD, type AgentStatus } from './agents.constants.js';
import { AgentsMessages } from './agents.messages.js';
import { AgentDefinitionError } from './errors/agent-definition.error.js';
import type { AgentDefinition, AgentState, RegisteredCapability } from './interfaces/registered-agent.interface.js';

export interface RegisteredAgent {
  definition: AgentDefinition;
  readonly state: AgentState;
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

/**
 * How one attempt of a task ended, as far as the agent's health is concerned; `unused` gives back a slot
 * that was never used (the task was rejected before it ran).
 */
export type AttemptOutcome = 'completed' | 'failed' | 'transport_error' | 'unused';

/** Thrown when a remote registration would replace or remove an in-process agent. */
export class LocalAgentConflictError extends Error {}

/**
 * The agents the orchestrator can route to, with their runtime state: liveness, tasks in flight,
 * task statistics since start, and a circuit breaker per agent. In-process agents are registered by the
 * explorer at start-up; remote agents are added, replaced and removed at run time.
 */
@Injectable()
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();
  private readonly byCapability = new Map<string, RegisteredAgent[]>();
  private readonly changeListeners = new Set<(agent: RegisteredAgent) => void>();

  constructor(@Inject(agentsConfig.KEY) private readonly config: ConfigType<typeof agentsConfig>) {}

  /** Adds an agent; a second agent with the same id is a definition error (stops start-up). */
  register(definition: AgentDefinition, lastHeartbeat: string | null = null): RegisteredAgent {
    const existing = this.agents.get(definition.agent_id);
    if (existing) {
      throw new AgentDefinitionError(
        AgentsMessages.duplicateAgentId(definition.agent_id, existing.definition.source, definition.source),
      );
    }
    const agent: RegisteredAgent = {
      definition,
      state: {
        status: 'available',
        in_flight: 0,
        tasks_completed: 0,
        tasks_failed: 0,
        registered_at: new Date().toISOString(),
        last_heartbeat: lastHeartbeat,
        consecutive_failures: 0,
        breaker_opened_at: null,
        trial_in_flight: false,
      },
    };
    this.agents.set(definition.agent_id, agent);
    this.index(agent);
    this.changed(agent);
    return agent;
  }

  /**
   * Adds a remote agent or replaces the definition of the one with the same id, keeping its runtime
   * state. Throws LocalAgentConflictError for the id of an in-process agent.
   */
  upsert(definition: AgentDefinition, lastHeartbeat: string | null = null): RegisteredAgent {
    const existing = this.agents.get(definition.agent_id);
    if (!existing) return this.register(definition, lastHeartbeat);
    if (existing.definition.kind === 'local' || definition.kind === 'local') {
      throw new LocalAgentConflictError(AgentsMessages.localAgentConflict(definition.agent_id));
    }
    this.unindex(existing);
    existing.definition = definition;
    existing.state.status = 'available';
    if (lastHeartbeat !== null) existing.state.last_heartbeat = lastHeartbeat;
    this.index(existing);
    this.changed(existing);
    return existing;
  }

  /** Removes a remote agent; false when unknown. Throws LocalAgentConflictError for an in-process agent. */
  deregister(agentId: string): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    if (agent.definition.kind === 'local') throw new LocalAgentConflictError(AgentsMessages.localAgentConflict(agentId));
    this.unindex(agent);
    this.agents.delete(agentId);
    return true;
  }

  get(agentId: string): RegisteredAgent | undefined {
    return this.agents.get(agentId);
  }

  list(): RegisteredAgent[] {
    return [...this.agents.values()];
  }

  /** Agents that provide the capability, whatever their state. */
  providers(capabilityName: string): readonly RegisteredAgent[] {
    return this.byCapability.get(capabilityName) ?? [];
  }

  /**
   * The routable provider with the fewest tasks in flight, leaving out the agents in `exclude` (those a
   * task already failed on). An agent whose breaker is open is routable again for one trial task once
   * AGENT_COOLDOWN_MS has passed. `unknown` when no agent (outside `exclude`) provides the capability.
   */
  route(capabilityName: string, exclude: ReadonlySet<string> = EMPTY, now = Date.now()): CapabilityRoute {
    const providers = this.byCapability.get(capabilityName);
    let best: RegisteredAgent | undefined;
    let known = false;
    let inService = false;
    for (const agent of providers ?? []) {
      if (exclude.size > 0 && exclude.has(agent.definition.agent_id)) continue;
      known = true;
      if (!this.isRoutable(agent, now)) continue;
      inService = true;
      if (!this.hasSlot(agent)) continue;
      if (!best || agent.state.in_flight < best.state.in_flight) best = agent;
    }
    if (!known) return { kind: 'unknown' };
    if (best) return { kind: 'ready', agent: best, capability: best.definition.capabilities.get(capabilityName)! };
    return inService ? { kind: 'full' } : { kind: 'unavailable' };
  }

  /** Takes a slot of the agent for one attempt (the route was `ready` in the same tick). */
  acquire(agent: RegisteredAgent): void {
    agent.state.in_flight += 1;
    if (agent.state.breaker_opened_at !== null) agent.state.trial_in_flight = true;
  }

  /**
   * Gives the slot back and records how the attempt ended. BREAKER_FAILURE_THRESHOLD transport errors
   * in a row open the agent's breaker; a failed trial opens it again; any answer closes it.
   */
  release(agent: RegisteredAgent, outcome: AttemptOutcome, now = Date.now()): void {
    const { state } = agent;
    state.in_flight -= 1;
    const trial = state.trial_in_flight;
    state.trial_in_flight = false;
    if (outcome === 'unused') {
      this.changed(agent);
      return;
    }
    if (outcome === 'completed') state.tasks_completed += 1;
    else state.tasks_failed += 1;
    if (outcome === 'transport_error') {
      state.consecutive_failures += 1;
      if (trial || state.consecutive_failures >= BREAKER_FAILURE_THRESHOLD) state.breaker_opened_at = now;
    } else {
      state.consecutive_failures = 0;
      state.breaker_opened_at = null;
    }
    this.changed(agent);
  }

  /** Marks a remote agent online (`available`) or `offline`; false when unknown. */
  setStatus(agentId: string, status: 'available' | 'offline'): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    const was = agent.state.status;
    agent.state.status = status;
    if (was !== status) this.changed(agent);
    return true;
  }

  /** Records a heartbeat: the agent is online again. False when unknown. */
  heartbeat(agentId: string, at = new Date().toISOString()): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    agent.state.last_heartbeat = at;
    this.setStatus(agentId, 'available');
    return true;
  }

  /** The status `/v1/agents` shows. */
  statusOf(agent: RegisteredAgent, now = Date.now()): AgentStatus {
    const { state } = agent;
    if (state.status === 'offline') return 'offline';
    if (state.breaker_opened_at !== null && !this.cooledDown(agent, now)) return 'error';
    return state.in_flight > 0 ? 'busy' : 'available';
  }

  /**
   * Calls `listener` whenever an agent may have become routable or got a free slot (registered,
   * replaced, back online, attempt finished). The task queue wakes its waiters on it.
   */
  onChange(listener: (agent: RegisteredAgent) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private isRoutable(agent: RegisteredAgent, now: number): boolean {
    const { state } = agent;
    if (state.status !== 'available') return false;
    if (state.breaker_opened_at === null) return true;
    return this.cooledDown(agent, now) && !state.trial_in_flight;
  }

  private cooledDown(agent: RegisteredAgent, now: number): boolean {
    return now - agent.state.breaker_opened_at! >= this.config.cooldownMs;
  }

  private hasSlot(agent: RegisteredAgent): boolean {
    const limit = agent.definition.max_concurrency;
    return limit === null || agent.state.in_flight < limit;
  }

  private changed(agent: RegisteredAgent): void {
    for (const listener of this.changeListeners) listener(agent);
  }

  private index(agent: RegisteredAgent): void {
    for (const name of agent.definition.capabilities.keys()) {
      const providers = this.byCapability.get(name) ?? [];
      providers.push(agent);
      this.byCapability.set(name, providers);
    }
  }

  private unindex(agent: RegisteredAgent): void {
    for (const name of agent.definition.capabilities.keys()) {
      const providers = (this.byCapability.get(name) ?? []).filter((a) => a !== agent);
      if (providers.length) this.byCapability.set(name, providers);
      else this.byCapability.delete(name);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();
