import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/index.js';
import { AgentsService } from './agents.service.js';
import { AgentListDto } from './dto/agent-metadata.dto.js';

@ApiTags('agents')
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @Scopes('read')
  @ApiOperation({ summary: 'List the registered agents with their capabilities, status and task statistics' })
  @ApiOkResponse({ type: AgentListDto })
  list(): AgentListDto {
    return this.agents.list();
  }
}
