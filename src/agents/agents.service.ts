import { Injectable } from '@nestjs/common';
import { AgentRegistry } from './agent.registry.js';
import type { RegisteredAgent } from './interfaces/registered-agent.interface.js';
import type { AgentStatus } from './agents.constants.js';
import type { AgentListDto, AgentMetadataDto } from './dto/agent-metadata.dto.js';

/** Read side of the registry as the API shows it. */
@Injectable()
export class AgentsService {
  constructor(private readonly registry: AgentRegistry) {}

  list(): AgentListDto {
    const agents = this.registry.list().map((agent) => this.toMetadata(agent));
    return { agents, total: agents.length };
  }

  /** Counts per status, for `/v1/status`. */
  countByStatus(): Partial<Record<AgentStatus, number>> {
    const counts: Partial<Record<AgentStatus, number>> = {};
    for (const agent of this.registry.list()) {
      const status = this.statusOf(agent);
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  statusOf(agent: RegisteredAgent): AgentStatus {
    return this.registry.statusOf(agent);
  }

  toMetadata(agent: RegisteredAgent): AgentMetadataDto {
    const { definition, state } = agent;
    return {
      agent_id: definition.agent_id,
      name: definition.name,
      description: definition.description,
      capabilities: [...definition.capabilities.values()].map(({ name, description, parameters, input_schema }) => ({
        name,
        description,
        parameters,
        input_schema,
      })),
      status: this.statusOf(agent),
      version: definition.version,
      kind: definition.kind,
      endpoint: definition.endpoint,
      registered_at: state.registered_at,
      last_heartbeat: state.last_heartbeat,
      tasks_completed: state.tasks_completed,
      tasks_failed: state.tasks_failed,
      in_flight: state.in_flight,
      max_concurrency: definition.max_concurrency,
      effective_max_concurrency: agent.limit,
    };
  }
}
