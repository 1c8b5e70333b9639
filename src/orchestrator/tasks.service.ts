import { ConflictException, Injectable, NotFoundException, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Contract, ContractFilter, ContractStatus, PageRequest } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { ContractsService } from '../contracts/contracts.service.js';
import type { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import type { TaskDto, TaskListResponseDto, TaskStatus } from './dto/task.dto.js';
import { TaskEventsService, type TaskEvent } from './events/task-events.service.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { OrchestratorService } from './orchestrator.service.js';
import { taskView } from './task-view.js';

/** The state of an asynchronous task, read from its REQUEST contract, and its event stream. */
@Injectable()
export class TasksService {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly contractList: ContractsService,
    private readonly orchestrator: OrchestratorService,
    private readonly events: TaskEventsService,
  ) {}

  /** Cancels a queued or running task; idempotent for a cancelled one; 409 for one that finished otherwise. */
  async cancel(taskId: string): Promise<TaskDto> {
    await this.get(taskId); // 404 before anything else
    await this.orchestrator.cancel(taskId);
    const task = await this.get(taskId);
    if (task.status !== 'cancelled') throw new ConflictException(OrchestratorMessages.alreadyFinished(taskId, task.status));
    return task;
  }

  /** Tasks (REQUEST contracts, sub-tasks included), newest first, filtered and keyset-paged; 400 for a bad cursor. */
  async list(query: ListTasksQueryDto): Promise<TaskListResponseDto> {
    const filter: ContractFilter = { contract_type: 'REQUEST' };
    if (query.status !== undefined) filter.status = STORED_STATUS[query.status];
    if (query.capability !== undefined) filter.capability = query.capability;
    if (query.session_id !== undefined) filter.session_id = query.session_id;
    const page: Partial<PageRequest> = { limit: query.limit, cursor: query.cursor, newestFirst: true };
    const found = await this.contractList.list(filter, page);
    return { tasks: found.items.map((request) => this.view(request)), total: found.total, next_cursor: found.next_cursor };
  }

  async get(taskId: string): Promise<TaskDto> {
    return this.view(await this.findRequest(taskId));
  }

  /**
   * The task's events for `GET /v1/tasks/:id/events`: the current state first (or everything after
   * `lastEventId`), then each change until the final state, when the stream completes. A task with no
   * stream in this process (finished long ago, or before a restart) gets its state once.
   */
  async stream(taskId: string, lastEventId?: string): Promise<Observable<MessageEvent>> {
    const request = await this.findRequest(taskId);
    const after = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
    return new Observable<MessageEvent>((subscriber) => {
      const subscription = this.events.subscribe(taskId, after, (event, final) => {
        subscriber.next(toMessage(event));
        if (final) subscriber.complete();
      });
      if (!subscription) {
        // No live stream: answer from the store (read again, the task may have just finished).
        this.findRequest(taskId).then(
          (latest) => {
            subscriber.next({ type: 'state', data: this.view(latest ?? request) });
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
        return undefined;
      }
      for (const event of subscription.replay) subscriber.next(toMessage(event));
      if (subscription.ended) subscriber.complete();
      return () => subscription.unsubscribe();
    });
  }

  private async findRequest(taskId: string): Promise<Contract> {
    const request = await this.contracts.findById(taskId);
    if (request?.contract_type !== 'REQUEST') throw new NotFoundException(OrchestratorMessages.taskNotFound(taskId));
    return request;
  }

  /** A queued task is `submitted` until an agent takes it; the store only knows it is in progress. */
  private view(request: Contract): TaskDto {
    const live = request.status === 'in_progress' ? this.events.latestState(request.contract_id) : undefined;
    return taskView(request, live?.status === 'submitted' ? 'submitted' : undefined);
  }
}

/** The REQUEST status a task status filter selects (queued and running tasks are both `in_progress`). */
const STORED_STATUS: Record<TaskStatus, ContractStatus> = {
  submitted: 'in_progress',
  working: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

function toMessage(event: TaskEvent): MessageEvent {
  return { id: String(event.id), type: event.type, data: event.data };
}
