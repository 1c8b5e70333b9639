import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { ContractStatus } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import type { TaskDto, TaskStatus } from './dto/task.dto.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { OrchestratorService } from './orchestrator.service.js';

const TASK_STATUS: Record<ContractStatus, TaskStatus> = {
  pending: 'submitted',
  in_progress: 'working',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The state of an asynchronous task, read from its REQUEST contract. */
@Injectable()
export class TasksService {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly orchestrator: OrchestratorService,
  ) {}

  /** Cancels a running task; idempotent for a cancelled one; 409 for one that finished otherwise. */
  async cancel(taskId: string): Promise<TaskDto> {
    await this.get(taskId); // 404 before anything else
    await this.orchestrator.cancel(taskId);
    const task = await this.get(taskId);
    if (task.status !== 'cancelled') throw new ConflictException(OrchestratorMessages.alreadyFinished(taskId, task.status));
    return task;
  }

  async get(taskId: string): Promise<TaskDto> {
    const request = await this.contracts.findById(taskId);
    if (request?.contract_type !== 'REQUEST') throw new NotFoundException(OrchestratorMessages.taskNotFound(taskId));
    return {
      task_id: request.contract_id,
      session_id: request.session_id,
      capability: request.capability ?? '',
      agent_id: request.to_agent,
      status: TASK_STATUS[request.status],
      result: request.result,
      error: request.error,
      created_at: request.created_at,
      completed_at: request.completed_at,
    };
  }
}
