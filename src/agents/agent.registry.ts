import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ConcurrencyLimits } from './concurrency-limits.js';
import { agentsConfig } from './agents.config.js';
import { AgentStatistics } from './agent-statistics.js';
import type { AgentStatus } from './agents.constants.js';
import { AgentsMessages } from './agents.messages.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CapabilityIndex } from './capability-index.js';
import { AgentDefinitionError } from './errors/agent-definition.error.js';
import { LocalAgentConflictError } from './errors/local-agent-conflict.error.js';
import type { AgentDefinition, CapabilityRoute, RegisteredAgent, SlotOutcome } from './interfaces/registered-agent.interface.js';

/**
 * The agents the orchestrator can route to, with their runtime state (liveness, attempts in flight;
 * the breaker and the statistics keep theirs there too). In-process agents are registered by the
 * explorer at start-up; remote agents are added, replaced and removed at run time. Attempts start and
 * end only through the slots AgentScheduler hands out.
 */
@Injectable()
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();
  private readonly index = new CapabilityIndex();
  private readonly changeListeners = new Set<(agent: RegisteredAgent) => void>();
  private readonly breaker: CircuitBreaker;
  private readonly statistics = new AgentStatistics();

  constructor(
    @Inject(agentsConfig.KEY) config: ConfigType<typeof agentsConfig>,
    @Optional() private readonly limits: ConcurrencyLimits = new ConcurrencyLimits(),
  ) {
    this.breaker = new CircuitBreaker(config.cooldownMs);
  }

  /** Adds an agent; a second agent with the same id is a definition error (stops start-up). */
  register(definition: AgentDefinition, lastHeartbeat: string | null = null): RegisteredAgent {
    const existing = this.agents.get(definition.agent_id);
    if (existing)
      throw new AgentDefinitionError(AgentsMessages.duplicateAgentId(definition.agent_id, existing.definition.source, definition.source));
    const state = { status: 'available' as const, in_flight: 0, registered_at: new Date().toISOString(), last_heartbeat: lastHeartbeat };
    const agent: RegisteredAgent = {
      definition,
      state: { ...state, ...AgentStatistics.NONE, ...CircuitBreaker.CLOSED },
      limit: this.limits.of(definition),
    };
    this.agents.set(definition.agent_id, agent);
    this.index.add(agent);
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
    this.index.remove(existing);
    existing.definition = definition;
    existing.limit = this.limits.of(definition);
    existing.state.status = 'available';
    if (lastHeartbeat !== null) existing.state.last_heartbeat = lastHeartbeat;
    this.index.add(existing);
    this.changed(existing);
    return existing;
  }

  /** Removes a remote agent; false when unknown. Throws LocalAgentConflictError for an in-process agent. */
  deregister(agentId: string): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    if (agent.definition.kind === 'local') throw new LocalAgentConflictError(AgentsMessages.localAgentConflict(agentId));
    this.index.remove(agent);
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
    return this.index.providers(capabilityName);
  }

  /**
   * Whether an interrupted task of the capability may run again: some agent provides it and every
   * provider's capability is resumable, since a task may land on any of them and a handler that opted
   * out must never run twice.
   */
  resumable(capabilityName: string): boolean {
    const providers = this.index.providers(capabilityName);
    return providers.length > 0 && providers.every((agent) => agent.definition.capabilities.get(capabilityName)?.resumable !== false);
  }

  /**
   * The provider in service with a free slot and the fewest attempts in flight, leaving out the agents in
   * `exclude` (those a task already failed on). `unknown` when no agent outside `exclude` provides it.
   */
  route(capabilityName: string, exclude?: ReadonlySet<string>, now = Date.now()): CapabilityRoute {
    let best: RegisteredAgent | undefined;
    let known = false;
    let inService = false;
    for (const agent of this.index.providers(capabilityName)) {
      if (exclude?.has(agent.definition.agent_id)) continue;
      known = true;
      if (agent.state.status !== 'available' || !this.breaker.allows(agent.state, now)) continue;
      inService = true;
      if (agent.limit !== null && agent.state.in_flight >= agent.limit) continue;
      if (!best || agent.state.in_flight < best.state.in_flight) best = agent;
    }
    if (!known) return { kind: 'unknown' };
    if (best) return { kind: 'ready', agent: best, capability: best.definition.capabilities.get(capabilityName)! };
    return inService ? { kind: 'full' } : { kind: 'unavailable' };
  }

  /** An attempt starts on the agent (its route was `ready` in the same tick). Called by AgentScheduler only. */
  attemptStarted(agent: RegisteredAgent): void {
    agent.state.in_flight += 1;
    this.breaker.attemptStarted(agent.state);
  }

  /** The slot an attempt held is given back, with how it ended. Called by the slot only (`AgentSlot.release`). */
  attemptEnded(agent: RegisteredAgent, outcome: SlotOutcome, now = Date.now()): void {
    agent.state.in_flight -= 1;
    this.breaker.attemptEnded(agent.state, outcome, now);
    this.statistics.record(agent.state, outcome);
    this.changed(agent);
  }

  /** Marks a remote agent online (`available`; `heartbeatAt`: it sent a heartbeat) or `offline`; false when unknown. */
  setStatus(agentId: string, status: 'available' | 'offline', heartbeatAt?: string): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    if (heartbeatAt !== undefined) agent.state.last_heartbeat = heartbeatAt;
    if (agent.state.status === status) return true;
    agent.state.status = status;
    this.changed(agent);
    return true;
  }

  /** The status `/v1/agents` shows. */
  statusOf(agent: RegisteredAgent, now = Date.now()): AgentStatus {
    if (agent.state.status === 'offline') return 'offline';
    if (this.breaker.isOpen(agent.state, now)) return 'error';
    return agent.state.in_flight > 0 ? 'busy' : 'available';
  }

  /** Calls `listener` whenever an agent may have become routable or got a free slot (the scheduler's queue wakes on it). */
  onChange(listener: (agent: RegisteredAgent) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(agent: RegisteredAgent): void {
    for (const listener of this.changeListeners) listener(agent);
  }
}
