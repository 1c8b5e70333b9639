import { BadRequestException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { agentIdFromName } from '../a2a/a2a-card.js';
import { DEFAULT_AGENT_VERSION } from '../agents.constants.js';
import { AgentTargetError } from '../errors/agent-target.error.js';
import type { AgentDefinition } from '../interfaces/registered-agent.interface.js';
import { MAX_CAPABILITIES } from '../remote/remote-agents.constants.js';
import { InvalidInputSchemaError } from '../remote/remote-capability-input.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { McpAgentClient } from './mcp-agent.client.js';
import { McpAgentFactory } from './mcp-agent.factory.js';
import { MCP_FALLBACK_AGENT_ID, MCP_REGISTRATION_TIMEOUT_MS } from './mcp.constants.js';
import { McpMessages } from './mcp.messages.js';
import type { McpAgentRegistration, McpRegistrationRequest } from './mcp-registration.js';

/**
 * Registration of MCP servers for the remote agents service: connect, list the tools and build the
 * definition (HTTP errors for the caller); rebuild the agent of a stored registration; follow a
 * server's tool list when it changes.
 */
@Injectable()
export class McpAgentRegistrar {
  constructor(
    private readonly client: McpAgentClient,
    private readonly factory: McpAgentFactory,
    private readonly targets: AgentTargetPolicy,
  ) {}

  /**
   * Connects to the server and lists its tools. 400 when the URL breaks the agent target rules (nothing
   * is sent then) or the agent id is invalid; 422 when the server cannot be reached, lists no tools or
   * a tool's input schema cannot be used.
   */
  async prepare(request: McpRegistrationRequest): Promise<{ definition: AgentDefinition; registration: McpAgentRegistration }> {
    const { url } = request;
    const headers = { ...request.headers };
    const refusal = await this.targets.refusal(url, 'url');
    if (refusal !== undefined) throw new BadRequestException(McpMessages.cannotRegister(refusal));
    let described;
    try {
      described = await this.client.describe({ url, headers }, AbortSignal.timeout(MCP_REGISTRATION_TIMEOUT_MS));
    } catch (error) {
      throw new UnprocessableEntityException(McpMessages.cannotRegister(error instanceof Error ? error.message : String(error)));
    }
    const tools = this.toolsOf(url, described.tools);
    const name = request.name ?? (described.title || described.name || url);
    const registration: McpAgentRegistration = {
      agent_id: request.agent_id ?? agentIdFromName(described.name || name, MCP_FALLBACK_AGENT_ID),
      name,
      description: described.instructions ?? '',
      version: described.version || DEFAULT_AGENT_VERSION,
      url,
      headers,
      max_concurrency: request.max_concurrency ?? null,
      tools,
    };
    return { definition: this.define(registration), registration };
  }

  /**
   * The agent of a stored registration, without a request to the server (host names are resolved for
   * the agent target rules). Throws when the registration is unusable, AgentTargetError when the rules
   * refuse its URL now.
   */
  async restore(stored: Record<string, unknown>): Promise<{ definition: AgentDefinition; registration: McpAgentRegistration }> {
    const registration = stored as Partial<McpAgentRegistration>;
    if (
      typeof registration.agent_id !== 'string' ||
      typeof registration.url !== 'string' ||
      !Array.isArray(registration.tools) ||
      !isPlainObject(registration.headers)
    ) {
      throw new Error(McpMessages.storedMalformed());
    }
    const refusal = await this.targets.refusal(registration.url, 'url', 'allow');
    if (refusal !== undefined) throw new AgentTargetError(refusal);
    const complete = registration as McpAgentRegistration;
    return { definition: this.factory.create(complete), registration: complete };
  }

  /**
   * The registration with the tools a probe listed, or undefined when they did not change. Throws when
   * the new list cannot be used (then the agent keeps its capabilities).
   */
  withTools(
    registration: McpAgentRegistration,
    listed: readonly Tool[],
  ): { definition: AgentDefinition; registration: McpAgentRegistration } | undefined {
    const tools = this.toolsOf(registration.url, listed);
    if (JSON.stringify(tools) === JSON.stringify(registration.tools)) return undefined;
    const updated = { ...registration, tools };
    return { definition: this.factory.create(updated), registration: updated };
  }

  private toolsOf(url: string, listed: readonly Tool[]) {
    if (listed.length === 0) throw new UnprocessableEntityException(McpMessages.cannotRegister(McpMessages.noTools(url)));
    if (listed.length > MAX_CAPABILITIES) {
      throw new UnprocessableEntityException(McpMessages.cannotRegister(McpMessages.tooManyTools(url, listed.length, MAX_CAPABILITIES)));
    }
    return this.factory.toTools(listed);
  }

  private define(registration: McpAgentRegistration): AgentDefinition {
    try {
      return this.factory.create(registration);
    } catch (error) {
      if (error instanceof InvalidInputSchemaError) throw new UnprocessableEntityException(McpMessages.cannotRegister(error.message));
      throw error;
    }
  }
}
