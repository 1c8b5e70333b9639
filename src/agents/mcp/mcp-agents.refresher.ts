import { Injectable, Logger } from '@nestjs/common';
import { AgentRegistry } from '../agent.registry.js';
import { RemoteAgentRepository } from '../remote/remote-agent.repository.js';
import { McpAgentClient } from './mcp-agent.client.js';
import { McpAgentRegistrar } from './mcp-agent.registrar.js';
import { McpMessages } from './mcp.messages.js';
import type { McpAgentRegistration } from './mcp-registration.js';

/**
 * Liveness and tool lists of MCP agents: a probe pings the server (the protocol's `ping`) and lists its
 * tools again; when they changed, the agent's capabilities follow and the stored registration too.
 * Servers are not asked for list-changed notifications: that needs a stream held open per server.
 */
@Injectable()
export class McpAgentsRefresher {
  private readonly logger = new Logger('McpAgents');
  /** The registration of each MCP agent in the registry (how to reach it: URL and headers). */
  private readonly registrations = new Map<string, McpAgentRegistration>();

  constructor(
    private readonly client: McpAgentClient,
    private readonly registrar: McpAgentRegistrar,
    private readonly registry: AgentRegistry,
    private readonly repository: RemoteAgentRepository,
  ) {}

  track(registration: McpAgentRegistration): void {
    this.registrations.set(registration.agent_id, registration);
  }

  forget(agentId: string): void {
    this.registrations.delete(agentId);
  }

  /** Pings the agent's server and re-lists its tools; true when it answered within `timeoutMs`. */
  async probe(agentId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const registration = this.registrations.get(agentId);
    if (!registration) return false;
    let tools;
    try {
      tools = await this.client.probe(registration, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
    } catch {
      return false;
    }
    try {
      const updated = this.registrar.withTools(registration, tools);
      // Unless the agent was registered again or removed meanwhile.
      if (updated && this.registrations.get(agentId) === registration) {
        this.registry.upsert(updated.definition);
        this.registrations.set(agentId, updated.registration);
        await this.repository.save({ agent_id: agentId, kind: 'mcp', registration: { ...updated.registration } }, new Date().toISOString());
        this.logger.log(McpMessages.toolsChanged(agentId, updated.registration.tools.length));
      }
    } catch (error) {
      this.logger.warn(McpMessages.relistFailed(agentId, error instanceof Error ? error.message : String(error)));
    }
    return true;
  }
}
