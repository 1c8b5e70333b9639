import type { Contract, ContractStatus, JsonObject } from '../contracts/contract.model.js';
import type { TaskDto, TaskStatus } from './dto/task.dto.js';

const TASK_STATUS: Record<ContractStatus, TaskStatus> = {
  pending: 'submitted',
  in_progress: 'working',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** A task as `GET /v1/tasks/:id` and its event stream show it, from its REQUEST contract. */
export function taskView(request: Contract, status: TaskStatus = TASK_STATUS[request.status]): TaskDto & JsonObject {
  return {
    task_id: request.contract_id,
    session_id: request.session_id,
    capability: request.capability ?? '',
    agent_id: request.to_agent,
    status,
    result: request.result,
    error: request.error,
    created_at: request.created_at,
    completed_at: request.completed_at,
  };
}
