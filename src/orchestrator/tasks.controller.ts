import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import { TaskAcceptedDto, TaskDto } from './dto/task.dto.js';
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

  @Post(':task_id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a running task',
    description: "Fires the handler's AbortSignal; the REQUEST ends `cancelled`. Cancelling a cancelled task answers 200 again.",
  })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The task already finished (completed or failed)' })
  cancel(@Param('task_id') taskId: string): Promise<TaskDto> {
    return this.tasks.cancel(taskId);
  }

  @Get(':task_id')
  @ApiOperation({ summary: 'State of a task' })
  @ApiOkResponse({ type: TaskDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No task has this id' })
  get(@Param('task_id') taskId: string): Promise<TaskDto> {
    return this.tasks.get(taskId);
  }
}
