import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Scopes, type AuthenticatedRequest } from '../auth/index.js';
import { assertKeyMayHeartbeat } from './agent-keys.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { AgentsService } from './agents.service.js';
import { AgentListDto, AgentMetadataDto } from './dto/agent-metadata.dto.js';
import { HeartbeatResponseDto, RegisterRemoteAgentDto } from './dto/register-remote-agent.dto.js';
import { RemoteAgentsService } from './remote/remote-agents.service.js';

@ApiTags('agents')
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly remote: RemoteAgentsService,
  ) {}

  @Get()
  @Scopes('read')
  @ApiOperation({ summary: 'List the registered agents with their capabilities, status and task statistics' })
  @ApiOkResponse({ type: AgentListDto })
  list(): AgentListDto {
    return this.agents.list();
  }

  @Post()
  @Scopes('admin')
  @ApiOperation({
    summary: 'Register a remote HTTP agent, an A2A agent or an MCP server, or update the one with the same id',
    description:
      'HTTP agent: the endpoint must answer `GET {endpoint}/health` with a 2xx (5 s timeout). Tasks are sent as `POST {endpoint}/execute`. ' +
      'A2A agent (`agent_card_url`, or `kind: "a2a"`): the agent card is fetched (10 s timeout), each skill becomes a capability, and tasks go to the agent as A2A messages. ' +
      'MCP server (`kind: "mcp"`, `url`): the orchestrator connects (10 s timeout) and lists its tools; each tool becomes a capability, and tasks are tool calls. ' +
      'The registration (for A2A: with the card; for MCP: with the tools) is stored and restored at start.',
  })
  @ApiBody({ type: RegisterRemoteAgentDto })
  @ApiCreatedResponse({ type: AgentMetadataDto, description: 'Registered' })
  @ApiOkResponse({ type: AgentMetadataDto, description: 'An agent with that id was updated' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid body or input_schema; an agent_card_url that leads to no agent card',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The id belongs to an in-process agent' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'The endpoint failed its health check; the agent card cannot be used; the MCP server cannot be reached or lists no usable tools',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  async register(@Body() body: RegisterRemoteAgentDto, @Res({ passthrough: true }) res: Response): Promise<AgentMetadataDto> {
    const { created, agent } = await this.remote.register(body);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return agent;
  }

  @Post(':agent_id/heartbeat')
  @Scopes('agent')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Heartbeat of a remote agent: it stays (or becomes again) available for AGENT_TTL_MS' })
  @ApiParam({ name: 'agent_id', example: 'agent_summarizer' })
  @ApiOkResponse({ type: HeartbeatResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The API key is bound to another agent' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No agent has that id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An in-process agent needs no heartbeat' })
  heartbeat(@Param('agent_id') agentId: string, @Req() req: AuthenticatedRequest): Promise<HeartbeatResponseDto> {
    assertKeyMayHeartbeat(req.apiKey, agentId);
    return this.remote.heartbeat(agentId);
  }

  @Delete(':agent_id')
  @Scopes('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Deregister a remote agent and delete its stored registration' })
  @ApiParam({ name: 'agent_id', example: 'agent_summarizer' })
  @ApiNoContentResponse({ description: 'Deregistered' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No agent has that id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An in-process agent cannot be removed' })
  async deregister(@Param('agent_id') agentId: string): Promise<void> {
    await this.remote.deregister(agentId);
  }
}
