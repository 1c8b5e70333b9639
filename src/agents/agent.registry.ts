import { Injectable } from '@nestjs/common';
import { IN_SERVICE_STATUSES, type AgentStatus } from './agents.constants.js';
import { AgentsMessages } from './agents.messages.js';
import { AgentDefinitionError } from './errors/agent-definition.error.js';
import type { AgentDefinition, AgentState, RegisteredCapability } from './interfaces/registered-agent.interface.js';

export interface RegisteredAgent {
  readonly definition: AgentDefinition;
  readonly state: AgentState;
}

/** What routing needs to know about a capability right now. */
export type CapabilityLookup =
  | { found: false }
  | { found: true; inService: false }
  | { found: true; inService: true; agent: RegisteredAgent; capability: RegisteredCapability };

/**
 * The agents the orchestrator can route to, with their runtime state (status, tasks in flight,
 * task statistics since start). Filled by the explorer at start-up; injected by the rest of the app.
 */
@Injectable()
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();
  private readonly byCapability = new Map<string, RegisteredAgent[]>();

  register(definition: AgentDefinition): void {
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
        last_heartbeat: null,
      },
    };
    this.agents.set(definition.agent_id, agent);
    for (const name of definition.capabilities.keys()) {
      const providers = this.byCapability.get(name) ?? [];
      providers.push(agent);
      this.byCapability.set(name, providers);
    }
  }

  get(agentId: string): RegisteredAgent | undefined {
    return this.agents.get(agentId);
  }

  list(): RegisteredAgent[] {
    return [...this.agents.values()];
  }

  /** The in-service agent with the fewest tasks in flight that provides the capability. */
  lookup(capabilityName: string): CapabilityLookup {
    const providers = this.byCapability.get(capabilityName);
    if (!providers?.length) return { found: false };
    let best: RegisteredAgent | undefined;
    for (const agent of providers) {
      if (!IN_SERVICE_STATUSES.has(agent.state.status)) continue;
      if (!best || agent.state.in_flight < best.state.in_flight) best = agent;
    }
    if (!best) return { found: true, inService: false };
    return { found: true, inService: true, agent: best, capability: best.definition.capabilities.get(capabilityName)! };
  }

  setStatus(agentId: string, status: AgentStatus): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.state.status = status;
  }

  taskStarted(agent: RegisteredAgent): void {
    agent.state.in_flight += 1;
  }

  taskFinished(agent: RegisteredAgent, success: boolean): void {
    agent.state.in_flight -= 1;
    if (success) agent.state.tasks_completed += 1;
    else agent.state.tasks_failed += 1;
  }
}
