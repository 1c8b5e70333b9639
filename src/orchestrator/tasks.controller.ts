import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Sse, type MessageEvent } from '@nestjs/common';
import type { Observable } from 'rxjs';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { assertKeyMayDelegate } from '../agents/agent-keys.js';
import { Scopes, type AuthenticatedRequest } from '../auth/index.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { DelegateRequestDto, DelegationResultDto } from './dto/delegate-request.dto.js';
import { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { TaskAcceptedDto, TaskDto, TaskListResponseDto } from './dto/task.dto.js';
import { OrchestratorService } from './orchestrator.service.js';
import { TasksService } from './tasks.service.js';
import { ApiTaskSubmission } from './decorators/api-task-submission.decorator.js';

@ApiTags('tasks')
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly tasks: TasksService,
  ) {}

  @Post()
  @Scopes('invoke')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Submit a task and return at once',
    description: 'Same body as /v1/orchestrate. Answers 202 once the REQUEST is committed; poll GET /v1/tasks/{task_id}.',
  })
  @ApiAcceptedResponse({ type: TaskAcceptedDto })
  @ApiTaskSubmission()
  async submit(@Body() body: OrchestrateRequestDto, @Headers('traceparent') traceparent?: string): Promise<TaskAcceptedDto> {
    return { task_id: await this.orchestrator.submit(body, traceparent), status: 'submitted' };
  }

  @Get()
  @Scopes('read')
  @ApiOperation({
    summary: 'List tasks',
    description:
      'Every task (REQUEST contract, sub-tasks included), newest first. Filters combine with AND; `total` counts all matches; ' +
      'page with `limit` and `next_cursor`.',
  })
  @ApiOkResponse({ type: TaskListResponseDto, description: 'One page of matching tasks' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter, `limit` or `cursor` is not valid' })
  list(@Query() query: ListTasksQueryDto): Promise<TaskListResponseDto> {
    return this.tasks.list(query);
  }

  @Post(':task_id/cancel')
  @Scopes('invoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a running task',
    description: "Fires the handler's AbortSignal; the REQUEST ends `cancelled`. Cancelling a cancelled task answers 200 again.",
  })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The task already finished (completed or failed)' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The contract store refused to record the cancellation' })
  cancel(@Param('task_id') taskId: string): Promise<TaskDto> {
    return this.tasks.cancel(taskId);
  }

  @Post(':task_id/delegate')
  @Scopes('agent')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Run a sub-task for a running task (remote agents)',
    description:
      "A remote agent running task {task_id} delegates a capability. The sub-task goes through the same routing; its contracts are recorded under the task's REQUEST.",
  })
  @ApiOkResponse({ type: DelegationResultDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The API key is bound to an agent that does not run this task' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task with this id is running' })
  delegate(
    @Param('task_id') taskId: string,
    @Body() body: DelegateRequestDto,
    @Req() req: AuthenticatedRequest,
  ): Promise<DelegationResultDto> {
    return this.orchestrator.delegateFor(taskId, body, (runner) => assertKeyMayDelegate(req.apiKey, taskId, runner));
  }

  @Sse(':task_id/events')
  @Scopes('read')
  @ApiOperation({
    summary: "Follow a task's state changes and progress (Server-Sent Events)",
    description:
      '`state` events carry the task as GET /v1/tasks/{task_id} shows it; `progress` events what the handler reported. Each event has an id; send it back as `Last-Event-ID` to resume. The stream starts with the current state and closes after the final one, or after an `error` event (`{task_id, error, at}`) when the outcome could not be recorded.',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task has this id' })
  events(@Param('task_id') taskId: string, @Headers('last-event-id') lastEventId?: string): Promise<Observable<MessageEvent>> {
    return this.tasks.stream(taskId, lastEventId);
  }

  @Get(':task_id')
  @Scopes('read')
  @ApiOperation({ summary: 'State of a task' })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task has this id' })
  get(@Param('task_id') taskId: string): Promise<TaskDto> {
    return this.tasks.get(taskId);
  }
}
