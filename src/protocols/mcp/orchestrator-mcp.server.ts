import { BadRequestException, HttpException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { AgentRegistry } from '../../agents/agent.registry.js';
import { SERVICE_NAME, SERVICE_VERSION } from '../../app.constants.js';
import { newUlid } from '../../common/ids/ulid.js';
import { isPlainObject } from '../../common/validation/plain-object.js';
import { isSessionId } from '../../common/validation/session-id.js';
import type { JsonObject } from '../../contracts/contract.model.js';
import { TaskEventsService } from '../../orchestrator/events/task-events.service.js';
import { OrchestratorMessages } from '../../orchestrator/orchestrator.messages.js';
import { OrchestratorService } from '../../orchestrator/orchestrator.service.js';
import { TasksService } from '../../orchestrator/tasks.service.js';
import { followTask } from '../follow-task.js';
import { MCP_SESSION_META_KEY, MCP_TASK_META_KEY } from './mcp-server.constants.js';
import { McpServerMessages } from './mcp-server.messages.js';

type ToolCallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The orchestrator as an MCP server: each capability is a tool (its input JSON Schema as `/v1/agents`
 * shows it), and a tool call is an ordinary submitted task, followed to its end. A server is built
 * per HTTP request (stateless Streamable HTTP), so any replica can answer any request.
 */
@Injectable()
export class OrchestratorMcpServer {
  private readonly logger = new Logger('McpServer');

  constructor(
    private readonly registry: AgentRegistry,
    private readonly orchestrator: OrchestratorService,
    private readonly tasks: TasksService,
    private readonly events: TaskEventsService,
  ) {}

  /** A new MCP server for one request; `traceparent`: the request's W3C trace context header. */
  create(traceparent?: string): Server {
    const server = new Server(
      { name: SERVICE_NAME, title: 'Agent Orchestrator', version: SERVICE_VERSION },
      {
        // Stateless: no stream stays open to announce changes; clients list the tools again.
        capabilities: { tools: { listChanged: false } },
        instructions: McpServerMessages.instructions(),
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.tools() }));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.call(request.params.name, request.params.arguments, request.params._meta, extra, traceparent),
    );
    return server;
  }

  /** One tool per capability: the first provider's description and input schema. */
  tools(): Tool[] {
    const tools = new Map<string, Tool>();
    for (const agent of this.registry.list()) {
      for (const capability of agent.definition.capabilities.values()) {
        if (tools.has(capability.name)) continue;
        tools.set(capability.name, {
          name: capability.name,
          description: capability.description || undefined,
          inputSchema: { ...capability.input_schema, type: 'object' },
        });
      }
    }
    return [...tools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Runs a tool as a task and answers with its outcome: the agent's data as structured content and as
   * JSON text, or `isError` with the task's error. An unknown tool or invalid arguments is a protocol
   * error (nothing is written); progress reaches the client when it sent a progress token; a cancelled
   * request cancels the task.
   */
  private async call(
    capability: string,
    args: Record<string, unknown> | undefined,
    meta: Record<string, unknown> | undefined,
    extra: ToolCallExtra,
    traceparent: string | undefined,
  ): Promise<CallToolResult> {
    const requested = meta?.[MCP_SESSION_META_KEY];
    if (requested !== undefined && !isSessionId(requested)) {
      throw new McpError(ErrorCode.InvalidParams, McpServerMessages.badSession(MCP_SESSION_META_KEY));
    }
    const sessionId = requested ?? `mcp-${newUlid()}`;
    let taskId: string;
    try {
      taskId = await this.orchestrator.submit({ session_id: sessionId, capability, parameters: args ?? {} }, traceparent);
    } catch (error) {
      return this.refused(capability, error);
    }

    const onAbort = () => void this.orchestrator.cancel(taskId);
    extra.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const progressToken = extra._meta?.progressToken;
      let reports = 0;
      for await (const event of followTask(this.events, taskId, { after: 0 })) {
        if (event.type !== 'progress' || progressToken === undefined) continue;
        reports += 1;
        await extra
          .sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: reports, message: JSON.stringify(event.data.progress) },
          })
          .catch((error: unknown) => this.logger.debug(McpServerMessages.progressNotSent(taskId, error)));
      }
    } finally {
      extra.signal.removeEventListener('abort', onAbort);
    }

    const task = await this.tasks.get(taskId);
    const _meta = { [MCP_TASK_META_KEY]: taskId, [MCP_SESSION_META_KEY]: sessionId };
    if (task.status === 'completed') {
      const data = isPlainObject(task.result) ? (task.result as JsonObject) : { result: task.result ?? null };
      return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data, _meta };
    }
    return { content: [{ type: 'text', text: task.error ?? McpServerMessages.notFinished(taskId, task.status) }], isError: true, _meta };
  }

  /**
   * A task refused before anything was written: an unknown tool or invalid arguments is a protocol
   * error (invalid params, with the field messages); no agent in service, a full queue or a shutdown
   * is a tool error the caller may retry.
   */
  private refused(capability: string, error: unknown): CallToolResult {
    const message = OrchestratorMessages.describe(error);
    if (error instanceof NotFoundException) throw new McpError(ErrorCode.InvalidParams, McpServerMessages.unknownTool(capability, message));
    if (error instanceof BadRequestException) {
      const body = error.getResponse();
      const problems = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
      throw new McpError(ErrorCode.InvalidParams, message, { errors: Array.isArray(problems) ? problems : [message] });
    }
    if (error instanceof HttpException) return { content: [{ type: 'text', text: message }], isError: true };
    throw error;
  }
}
