import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { SERVICE_NAME, SERVICE_VERSION } from '../../app.constants.js';
import { contractsConfig, DEFAULT_RESPONSE_MAX_BYTES } from '../../contracts/contracts.config.js';
import { capResponse } from '../a2a/a2a-fetch.js';
import { describeFetchError } from '../a2a/a2a-agent.client.js';
import { AgentTransportError } from '../errors/agent-transport.error.js';
import type { TaskContext } from '../interfaces/task-context.interface.js';
import { MAX_CAPABILITIES } from '../remote/remote-agents.constants.js';
import { AgentTargetPolicy } from '../targets/agent-target.policy.js';
import { McpMessages } from './mcp.messages.js';

/** Where an MCP server is and what to send it. */
export interface McpServerAddress {
  url: string;
  headers: Record<string, string>;
}

/** What an MCP server says about itself when a client connects, and its tools. */
export interface McpServerDescription {
  name: string;
  title: string | undefined;
  version: string;
  instructions: string | undefined;
  tools: Tool[];
}

/** The server refused a tool call (bad arguments, unknown tool): a failed task, not a transport failure. */
export class McpToolRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpToolRefusedError';
  }
}

/** The server refused the request itself (bad arguments, unknown tool): an answer, so a failed task. */
const REFUSAL_CODES = new Set<number>([ErrorCode.InvalidParams, ErrorCode.InvalidRequest, ErrorCode.MethodNotFound]);

/**
 * Talks to MCP servers (Streamable HTTP) through the MCP SDK's client: a connection per operation, so
 * that a server behind several replicas or one that restarted is simply connected to again. Every
 * request goes through the agent target rules, follows no redirect, and a reply is cut off past
 * RESPONSE_MAX_BYTES.
 */
@Injectable()
export class McpAgentClient {
  private readonly fetch: typeof fetch;

  constructor(targets: AgentTargetPolicy, @Inject(contractsConfig.KEY) config: ConfigType<typeof contractsConfig>) {
    const maxBytes = config.responseMaxBytes ?? DEFAULT_RESPONSE_MAX_BYTES;
    this.fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
      await targets.assertAllowed(url, 'MCP server URL');
      const response = await fetch(input, { ...init, redirect: 'manual' });
      return capResponse(response, maxBytes, () => new AgentTransportError(McpMessages.replyTooLarge(maxBytes)));
    };
  }

  /** Connects, reads the server's name and lists every tool (at most MAX_CAPABILITIES + 1 are read). */
  describe(server: McpServerAddress, signal?: AbortSignal): Promise<McpServerDescription> {
    return this.session(server, signal, async (client) => {
      const info = client.getServerVersion();
      return {
        name: info?.name ?? '',
        title: info?.title,
        version: info?.version ?? '',
        instructions: client.getInstructions(),
        tools: await this.listTools(client, signal),
      };
    });
  }

  /** Liveness: connects, pings, and lists the tools again. Rejects when the server does not answer. */
  probe(server: McpServerAddress, signal?: AbortSignal): Promise<Tool[]> {
    return this.session(server, signal, async (client) => {
      await client.ping({ signal });
      return this.listTools(client, signal);
    });
  }

  /**
   * Calls a tool for a task: progress notifications become `ctx.progress`, `ctx.signal` cancels the
   * request. Resolves with the tool's result (which may say `isError`); rejects with an
   * AgentTransportError when the server cannot be reached or answers garbage, with a plain Error when
   * it refuses the call (invalid arguments, unknown tool).
   */
  callTool(server: McpServerAddress, tool: string, args: Record<string, unknown>, ctx: TaskContext): Promise<CallToolResult> {
    return this.session(server, ctx.signal, async (client) => {
      try {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, {
          signal: ctx.signal,
          // The task's own timeout (TASK_TIMEOUT_MS) ends the call through ctx.signal.
          timeout: 2 ** 31 - 1,
          onprogress: (progress) => ctx.progress({ ...progress }),
        });
        return result as CallToolResult;
      } catch (error) {
        if (error instanceof McpError && REFUSAL_CODES.has(error.code))
          throw new McpToolRefusedError(McpMessages.toolRefused(tool, error.message));
        throw error;
      }
    });
  }

  private async listTools(client: Client, signal?: AbortSignal): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined && tools.length <= MAX_CAPABILITIES);
    return tools;
  }

  /** Runs `work` on a connected client and closes it; connection and protocol failures become AgentTransportError. */
  private async session<T>(server: McpServerAddress, signal: AbortSignal | undefined, work: (client: Client) => Promise<T>): Promise<T> {
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      fetch: this.fetch,
      requestInit: { headers: server.headers },
    });
    const client = new Client({ name: SERVICE_NAME, version: SERVICE_VERSION });
    try {
      await client.connect(transport, { signal });
      return await work(client);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof AgentTransportError || error instanceof McpToolRefusedError) throw error;
      throw new AgentTransportError(McpMessages.unreachable(server.url, describeFetchError(error)), { cause: error });
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
