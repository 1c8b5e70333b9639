import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public, Scopes } from '../auth/index.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { CompressionService } from '../integrations/compression/compression.service.js';
import { CompressRequestDto, CompressResponseDto } from './dto/compress.dto.js';
import { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { HealthDto, ServiceInfoDto, StatusDto } from './dto/status.dto.js';
import { ApiTaskSubmission } from './decorators/api-task-submission.decorator.js';
import { OrchestratorService } from './orchestrator.service.js';
import { StatusService } from './status.service.js';

@ApiTags('orchestrator')
@Controller('v1')
export class OrchestratorController {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly compression: CompressionService,
    private readonly statusService: StatusService,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Service information and the list of endpoints' })
  @ApiOkResponse({ type: ServiceInfoDto })
  info(): ServiceInfoDto {
    return this.statusService.info();
  }

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Liveness: answers without touching anything slow' })
  @ApiOkResponse({ type: HealthDto })
  health(): HealthDto {
    return this.statusService.health();
  }

  @Get('status')
  @Scopes('read')
  @ApiOperation({ summary: 'Agents, contract statistics and integration reachability (probes cached a few seconds)' })
  @ApiOkResponse({ type: StatusDto })
  status(): Promise<StatusDto> {
    return this.statusService.status();
  }

  @Post('orchestrate')
  @Scopes('invoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Run a capability in a session',
    description:
      'Routes to an agent that provides the capability, records the REQUEST and RESPONSE contracts and answers once both are committed. An agent that throws or times out is `success:false` with HTTP 200.',
  })
  @ApiOkResponse({ type: OrchestrateResponseDto })
  @ApiTaskSubmission()
  orchestrate(@Body() body: OrchestrateRequestDto, @Headers('traceparent') traceparent?: string): Promise<OrchestrateResponseDto> {
    return this.orchestrator.orchestrate(body, traceparent);
  }

  @Post('compress')
  @Scopes('invoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Compress a session's conversation into a memory block",
    description: 'Through MemAgent when MEMAGENT_URL is set, else with the local compressor.',
  })
  @ApiOkResponse({ type: CompressResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The session has no contracts' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'MemAgent answered with an error' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'MemAgent unreachable or timed out' })
  async compress(@Body() body: CompressRequestDto): Promise<CompressResponseDto> {
    const memoryBlock = await this.compression.compress(body.session_id, body.intent);
    return { status: 'ok', session_id: body.session_id, compressed: true, memory_block: memoryBlock };
  }
}
