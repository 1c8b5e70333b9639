import { Controller, Delete, Get, Headers, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { Scopes } from '../../auth/index.js';
import { MCP_ENDPOINT_PATH } from './mcp-server.constants.js';
import { McpServerMessages } from './mcp-server.messages.js';
import { OrchestratorMcpServer } from './orchestrator-mcp.server.js';

/**
 * The orchestrator as an MCP server over Streamable HTTP, stateless: each POST gets its own server and
 * transport from the SDK, so no session ties a client to one replica. With API keys: `invoke`.
 */
@ApiTags('mcp')
@Controller(MCP_ENDPOINT_PATH)
@Scopes('invoke')
export class McpServerController {
  constructor(private readonly mcp: OrchestratorMcpServer) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'MCP endpoint (Streamable HTTP, stateless)',
    description:
      'tools/list: one tool per capability; tools/call: runs the capability as a task. Accept: application/json, text/event-stream.',
  })
  @ApiBody({ schema: { type: 'object', example: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} } } })
  @ApiOkResponse({ description: 'A JSON-RPC response, as JSON or as a text/event-stream' })
  async handle(@Req() req: Request, @Res() res: Response, @Headers('traceparent') traceparent?: string): Promise<void> {
    const server = this.mcp.create(traceparent);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  /** No session to open a stream on: refused as the SDK's stateless examples do. */
  @Get()
  @ApiOperation({ summary: 'Not used by a stateless MCP server: no stream to open (405)' })
  refuseStream(@Res() res: Response): void {
    methodNotAllowed(res);
  }

  /** No session to end. */
  @Delete()
  @ApiOperation({ summary: 'Not used by a stateless MCP server: no session to end (405)' })
  refuseDelete(@Res() res: Response): void {
    methodNotAllowed(res);
  }
}

function methodNotAllowed(res: Response): void {
  res
    .status(HttpStatus.METHOD_NOT_ALLOWED)
    .setHeader('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: ErrorCode.ConnectionClosed, message: McpServerMessages.methodNotAllowed() }, id: null });
}
