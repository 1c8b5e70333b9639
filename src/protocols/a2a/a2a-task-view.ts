import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Artifact, type Message, type Part, type Task, type TaskStatus } from '@a2a-js/sdk';
import type { ContractStatus } from '../../contracts/contract.model.js';
import type { TaskDto, TaskStatus as OrchestratorTaskStatus } from '../../orchestrator/dto/task.dto.js';

/** The A2A state of each state of `/v1/tasks`. */
const A2A_STATE: Record<OrchestratorTaskStatus, TaskState> = {
  submitted: TaskState.TASK_STATE_SUBMITTED,
  working: TaskState.TASK_STATE_WORKING,
  completed: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
};

/** The REQUEST status a ListTasks `status` filter selects; undefined: no task can be in that state. */
export function contractStatusOf(state: TaskState): ContractStatus | undefined {
  switch (state) {
    case TaskState.TASK_STATE_SUBMITTED:
    case TaskState.TASK_STATE_WORKING:
      // The store knows a queued task only as in progress.
      return 'in_progress';
    case TaskState.TASK_STATE_COMPLETED:
      return 'completed';
    case TaskState.TASK_STATE_FAILED:
      return 'failed';
    case TaskState.TASK_STATE_CANCELED:
      return 'cancelled';
    default:
      return undefined;
  }
}

export function a2aState(status: OrchestratorTaskStatus): TaskState {
  return A2A_STATE[status];
}

export function isFinalState(status: OrchestratorTaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

export function dataPart(data: unknown): Part {
  return { content: { $case: 'data', value: data }, metadata: undefined, filename: '', mediaType: 'application/json' };
}

/** A message of the orchestrator (role agent) about task `task`. */
export function agentMessage(task: Pick<TaskDto, 'task_id' | 'session_id'>, parts: Part[]): Message {
  return {
    messageId: randomUUID(),
    contextId: task.session_id,
    taskId: task.task_id,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The task's result as one artifact with a data part (completed tasks only). */
export function resultArtifact(task: TaskDto): Artifact | undefined {
  if (task.status !== 'completed') return undefined;
  return {
    artifactId: `${task.task_id}-result`,
    name: 'result',
    description: `Result of capability '${task.capability}'`,
    parts: [dataPart(task.result ?? null)],
    metadata: undefined,
    extensions: [],
  };
}

/** The status of a task; a failed or cancelled one carries its error as the status message. */
export function a2aStatus(task: TaskDto): TaskStatus {
  return {
    state: a2aState(task.status),
    message: task.error ? agentMessage(task, [textPart(task.error)]) : undefined,
    timestamp: task.completed_at ?? task.created_at,
  };
}

/**
 * A task of `/v1/tasks` as an A2A task: the task id is the REQUEST contract id, the context id the
 * session id; the result is an artifact with a data part. No history is kept: the request is the
 * REQUEST contract.
 */
export function toA2aTask(task: TaskDto, options: { includeArtifacts?: boolean } = {}): Task {
  const artifact = options.includeArtifacts === false ? undefined : resultArtifact(task);
  return {
    id: task.task_id,
    contextId: task.session_id,
    status: a2aStatus(task),
    artifacts: artifact ? [artifact] : [],
    history: [],
    metadata: { capability: task.capability, agent_id: task.agent_id, created_at: task.created_at },
  };
}
