import { Injectable } from '@nestjs/common';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { uniqueCapabilityNames } from '../a2a/a2a-card.js';
import type { AgentDefinition } from '../interfaces/registered-agent.interface.js';
import { compileRemoteCapabilities } from '../remote/remote-capability-input.js';
import { McpAgentClient } from './mcp-agent.client.js';
import { MCP_TOOL_NAME_PREFIX, mcpAgentSource } from './mcp.constants.js';
import { McpMessages } from './mcp.messages.js';
import type { McpAgentRegistration, McpTool } from './mcp-registration.js';

/** What a task of an MCP agent answers: the structured content, or the text and content blocks. */
export function toolResultData(result: CallToolResult): Record<string, unknown> {
  if (isPlainObject(result.structuredContent)) return result.structuredContent;
  const texts = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  return { text: texts.length > 0 ? texts.join('\n') : null, content: result.content };
}

function toolError(tool: string, result: CallToolResult): string {
  const texts = result.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  return texts.join('\n') || McpMessages.toolFailed(tool);
}

/**
 * MCP servers as agents: each tool is a capability (its name mapped to the capability pattern, its
 * input schema checked before the call), and a task is one `tools/call` through the SDK's client.
 */
@Injectable()
export class McpAgentFactory {
  constructor(private readonly client: McpAgentClient) {}

  /** The tools of a server as capabilities: names mapped (`_2`, `_3`… on a clash), `$schema` dropped (ajv speaks draft-07). */
  toTools(listed: readonly Tool[]): McpTool[] {
    const names = uniqueCapabilityNames(
      listed.map((tool) => tool.name),
      MCP_TOOL_NAME_PREFIX,
    );
    return listed.map((tool, index) => {
      const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
      return { name: tool.name, capability: names[index], description: tool.description ?? '', input_schema: schema };
    });
  }

  /** The agent of a registration. Throws InvalidInputSchemaError for a tool schema ajv rejects. */
  create(registration: McpAgentRegistration): AgentDefinition {
    const { url, headers, tools } = registration;
    const capabilities = compileRemoteCapabilities(
      tools.map((tool) => ({
        name: tool.capability,
        description: tool.description ? `${tool.description} (MCP tool '${tool.name}')` : `MCP tool '${tool.name}'`,
        input_schema: tool.input_schema,
      })),
    );
    const toolOf = new Map(tools.map((tool) => [tool.capability, tool.name]));
    return {
      agent_id: registration.agent_id,
      name: registration.name,
      description: registration.description,
      version: registration.version,
      kind: 'mcp',
      endpoint: url,
      max_concurrency: registration.max_concurrency,
      source: mcpAgentSource(url),
      capabilities,
      execute: async (capability, input, ctx) => {
        const tool = toolOf.get(capability) ?? capability;
        const result = await this.client.callTool({ url, headers }, tool, (input ?? {}) as Record<string, unknown>, ctx);
        if (result.isError) throw new Error(toolError(tool, result));
        return toolResultData(result);
      },
    };
  }
}
