import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Scopes } from '../auth/index.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { SESSION_ID_PATTERN } from '../common/validation/session-id.js';
import { ContractsService, type SessionDetail } from './contracts.service.js';
import { ListSessionsQueryDto } from './dto/list-sessions-query.dto.js';
import { PageQueryDto } from './dto/page-query.dto.js';
import { SessionDetailResponseDto, SessionListResponseDto } from './dto/session.dto.js';
import { ParseSessionIdPipe } from './pipes/parse-session-id.pipe.js';

@ApiTags('sessions')
@Scopes('read')
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly contracts: ContractsService) {}

  @Get()
  @ApiOperation({
    summary: 'List sessions',
    description: 'Most recently updated first; `session_id_prefix` narrows the list (and `total`); page with `limit` and `next_cursor`.',
  })
  @ApiOkResponse({ type: SessionListResponseDto, description: 'One page of sessions' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: '`session_id_prefix`, `limit` or `cursor` is not valid' })
  async list(@Query() query: ListSessionsQueryDto): Promise<SessionListResponseDto> {
    const filter = query.session_id_prefix === undefined ? {} : { session_id_prefix: query.session_id_prefix };
    const page = await this.contracts.listSessions({ limit: query.limit, cursor: query.cursor }, filter);
    return { sessions: page.items, total: page.total, next_cursor: page.next_cursor };
  }

  @Get(':session_id')
  @ApiOperation({
    summary: 'Get a session with its conversation',
    description: 'The conversation is oldest first and paged with `limit` and `next_cursor` like `GET /v1/contracts`.',
  })
  @ApiParam({
    name: 'session_id',
    description: 'Session id',
    schema: { type: 'string', pattern: SESSION_ID_PATTERN.source },
    example: 'session_demo_001',
  })
  @ApiOkResponse({ type: SessionDetailResponseDto, description: 'The session and one page of its conversation' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: '`session_id`, `limit` or `cursor` is not valid' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No contract has been recorded for this session' })
  get(@Param('session_id', ParseSessionIdPipe) sessionId: string, @Query() query: PageQueryDto): Promise<SessionDetail> {
    return this.contracts.getSession(sessionId, { limit: query.limit, cursor: query.cursor });
  }
}
