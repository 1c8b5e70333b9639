import { BadRequestException, ConflictException, HttpException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  TaskState,
  type AgentCard,
  type CancelTaskRequest,
  type GetTaskRequest,
  type ListTasksRequest,
  type ListTasksResponse,
  type Message,
  type SendMessageRequest,
  type StreamResponse,
  type SubscribeToTaskRequest,
  type Task,
  type TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import { STATE_HEADERS_KEY, type A2ARequestHandler, type RequestHeaders, type ServerCallContext } from '@a2a-js/sdk/server';
import {
  ExtendedAgentCardNotConfiguredError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { newUlid } from '../../common/ids/ulid.js';
import { isSessionId } from '../../common/validation/session-id.js';
import type { ContractFilter } from '../../contracts/contract.model.js';
import { ContractsService } from '../../contracts/contracts.service.js';
import type { TaskDto } from '../../orchestrator/dto/task.dto.js';
import { TaskEventsService } from '../../orchestrator/events/task-events.service.js';
import { OrchestratorMessages } from '../../orchestrator/orchestrator.messages.js';
import { OrchestratorService } from '../../orchestrator/orchestrator.service.js';
import { taskView } from '../../orchestrator/task-view.js';
import { TasksService } from '../../orchestrator/tasks.service.js';
import { followTask, untilTaskEnds } from '../follow-task.js';
import { A2aAgentCard } from './a2a-agent-card.js';
import { a2aServerConfig } from './a2a-server.config.js';
import { A2A_DEFAULT_PAGE_SIZE, A2A_MAX_PAGE_SIZE } from './a2a-server.constants.js';
import { A2aServerMessages } from './a2a-server.messages.js';
import { A2aTaskRequestError, readA2aTaskRequest } from './a2a-task-request.js';
import { a2aStatus, agentMessage, contractStatusOf, dataPart, isFinalState, resultArtifact, toA2aTask } from './a2a-task-view.js';

/**
 * The orchestrator as an A2A agent, behind the SDK's JSON-RPC transport. Every method goes through the
 * orchestrator's task services: a message is a submitted task (`POST /v1/tasks`), the A2A task id is
 * its REQUEST contract id and the context id its session id; tasks are read from the contracts and
 * followed through the task event streams. Nothing about a task is kept here.
 */
@Injectable()
export class OrchestratorA2aHandler implements A2ARequestHandler {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly tasks: TasksService,
    private readonly events: TaskEventsService,
    private readonly contracts: ContractsService,
    private readonly card: A2aAgentCard,
    @Inject(a2aServerConfig.KEY) private readonly config: ConfigType<typeof a2aServerConfig>,
  ) {}

  /** The card the transport checks protocol versions against (the card route builds its own, with the request's URL). */
  getAgentCard(): Promise<AgentCard> {
    return this.card.build(this.config.publicUrl ?? '');
  }

  getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return Promise.reject(new ExtendedAgentCardNotConfiguredError(A2aServerMessages.noExtendedCard()));
  }

  /** Runs the message's capability as a task; answers once it ended, or at once with `returnImmediately`. */
  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const taskId = await this.start(params, context);
    if (!params.configuration?.returnImmediately) {
      await untilTaskEnds(this.events, taskId);
    }
    return toA2aTask(await this.tasks.get(taskId));
  }

  /** Runs the message's capability as a task and streams it: the task, its state changes and progress, its result. */
  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    const taskId = await this.start(params, context);
    yield* this.stream(await this.tasks.get(taskId), 0);
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    return toA2aTask(await this.find(params.id));
  }

  /** The REQUEST contracts, oldest first, filtered by context (session) and state; `pageToken` is the contracts' cursor. */
  async listTasks(params: ListTasksRequest): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? A2A_DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > A2A_MAX_PAGE_SIZE) {
      throw new RequestMalformedError(`pageSize must be a whole number from 1 to ${A2A_MAX_PAGE_SIZE}`);
    }
    const filter: ContractFilter = { contract_type: 'REQUEST' };
    if (params.contextId) filter.session_id = params.contextId;
    // TASK_STATE_UNSPECIFIED (0): no filter.
    if (params.status) {
      const status = contractStatusOf(params.status);
      if (status === undefined) return { tasks: [], nextPageToken: '', pageSize, totalSize: 0 };
      filter.status = status;
    }
    try {
      const page = await this.contracts.list(filter, { limit: pageSize, cursor: params.pageToken || undefined });
      return {
        tasks: page.items.map((request) => toA2aTask(taskView(request), { includeArtifacts: params.includeArtifacts === true })),
        nextPageToken: page.next_cursor ?? '',
        pageSize,
        totalSize: page.total,
      };
    } catch (error) {
      throw toA2aError(error);
    }
  }

  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    try {
      return toA2aTask(await this.tasks.cancel(params.id));
    } catch (error) {
      if (error instanceof NotFoundException) throw new TaskNotFoundError(error.message);
      throw toA2aError(error);
    }
  }

  /** Follows a task that is still running: its current state, then what follows. */
  async *resubscribe(params: SubscribeToTaskRequest): AsyncGenerator<StreamResponse, void, undefined> {
    const task = await this.find(params.id);
    if (isFinalState(task.status)) throw new UnsupportedOperationError(A2aServerMessages.alreadyFinished(task.task_id, task.status));
    yield* this.stream(task, undefined);
  }

  createTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    return Promise.reject(new PushNotificationNotSupportedError(A2aServerMessages.noPushNotifications()));
  }

  getTaskPushNotificationConfig(): Promise<TaskPushNotificationConfig> {
    return Promise.reject(new PushNotificationNotSupportedError(A2aServerMessages.noPushNotifications()));
  }

  listTaskPushNotificationConfigs(): Promise<never> {
    return Promise.reject(new PushNotificationNotSupportedError(A2aServerMessages.noPushNotifications()));
  }

  deleteTaskPushNotificationConfig(): Promise<void> {
    return Promise.reject(new PushNotificationNotSupportedError(A2aServerMessages.noPushNotifications()));
  }

  /** Submits the message's task; resolves with its id once its REQUEST is committed. */
  private async start(params: SendMessageRequest, context: ServerCallContext): Promise<string> {
    const message = params.message;
    if (!message) throw new RequestMalformedError(A2aServerMessages.noMessage());
    if (message.taskId) throw new UnsupportedOperationError(A2aServerMessages.noFollowUp(message.taskId));
    let request;
    try {
      request = readA2aTaskRequest(message, this.config.defaultCapability);
    } catch (error) {
      if (error instanceof A2aTaskRequestError) throw new RequestMalformedError(error.message);
      throw error;
    }
    const sessionId = message.contextId || `a2a-${newUlid()}`;
    if (!isSessionId(sessionId)) throw new RequestMalformedError(A2aServerMessages.badContextId(sessionId));
    const headers = context.state.get(STATE_HEADERS_KEY) as RequestHeaders | undefined;
    const traceparent = typeof headers?.traceparent === 'string' ? headers.traceparent : undefined;
    try {
      return await this.orchestrator.submit({ session_id: sessionId, ...request }, traceparent);
    } catch (error) {
      throw toA2aError(error);
    }
  }

  /**
   * The stream of a task from `task` on: the task first, then a status update per change of state and
   * per progress report (a data part), and at the end the result artifact and the final status.
   * `after`: the event id to replay from (0: all), absent for the latest state.
   */
  private async *stream(task: TaskDto, after: number | undefined): AsyncGenerator<StreamResponse, void, undefined> {
    yield { payload: { $case: 'task', value: toA2aTask(task) } };
    let status = task.status;
    for await (const event of followTask(this.events, task.task_id, { after })) {
      if (event.type === 'error') throw new Error(event.data.error as string);
      if (event.type === 'progress') {
        const message = agentMessage(task, [dataPart(event.data.progress ?? null)]);
        yield this.statusUpdate(
          task,
          { state: TaskState.TASK_STATE_WORKING, message, timestamp: event.data.at as string },
          { progress: true },
        );
        continue;
      }
      const view = event.data as unknown as TaskDto;
      if (view.status === status && !isFinalState(view.status)) continue;
      status = view.status;
      const artifact = resultArtifact(view);
      if (artifact) {
        yield {
          payload: {
            $case: 'artifactUpdate',
            value: { taskId: task.task_id, contextId: task.session_id, artifact, append: false, lastChunk: true, metadata: undefined },
          },
        };
      }
      yield this.statusUpdate(task, a2aStatus(view));
    }
  }

  private statusUpdate(task: TaskDto, status: Task['status'], metadata?: Record<string, unknown>): StreamResponse {
    return { payload: { $case: 'statusUpdate', value: { taskId: task.task_id, contextId: task.session_id, status, metadata } } };
  }

  private async find(taskId: string): Promise<TaskDto> {
    try {
      return await this.tasks.get(taskId);
    } catch (error) {
      if (error instanceof NotFoundException) throw new TaskNotFoundError(error.message);
      throw toA2aError(error);
    }
  }
}

/**
 * The A2A error for an error of the orchestrator: a task that already ended is not cancelable, any
 * other refusal (unknown capability, invalid parameters, bad cursor) is an invalid request; the rest
 * (503: no agent in service, full queue, shutting down) keeps its message.
 */
function toA2aError(error: unknown): Error {
  if (error instanceof ConflictException) return new TaskNotCancelableError(error.message);
  const message = OrchestratorMessages.describe(error);
  if (error instanceof BadRequestException || (error instanceof HttpException && error.getStatus() < 500)) {
    return new RequestMalformedError(message);
  }
  return error instanceof HttpException ? new Error(message) : (error as Error);
}
