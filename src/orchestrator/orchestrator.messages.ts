import { HttpException } from '@nestjs/common';
import { CAPABILITY_NAME_PATTERN } from '../agents/agents.constants.js';

export const OrchestratorMessages = {
  noRunningTask: (taskId: string) => `No task '${taskId}' is running; a delegation needs the task id of a running task`,
  invalidDelegation: (capability: unknown) =>
    `Cannot delegate to capability ${JSON.stringify(capability)}: a capability name matches ${CAPABILITY_NAME_PATTERN.source}`,
  invalidDelegationParameters: () => 'Cannot delegate: parameters must be a JSON object',
  delegationTooDeep: (max: number, chain: string[]) =>
    `Delegation depth limit (DELEGATION_MAX_DEPTH=${max}) reached: ${chain.join(' -> ')}`,
  delegationCycle: (chain: string[]) => `Delegation cycle: ${chain.join(' -> ')}`,
  tooManyDelegations: (max: number, capability: string) =>
    `Delegation limit (DELEGATION_MAX_CHILDREN=${max}) reached: a task of capability '${capability}' may start at most ${max} sub-tasks`,
  /** The message of an error that stopped a task before an agent ran it. */
  describe: (error: unknown): string => {
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: string | string[] }).message;
      return Array.isArray(message) ? `Invalid parameters: ${message.join('; ')}` : (message ?? error.message);
    }
    return error instanceof Error ? error.message : String(error);
  },
  noAgent: (capability: string) => `No agent provides capability '${capability}'`,
  noAgentInService: (capability: string) => `No agent in service for capability '${capability}'; try again later`,
  queueFull: (capability: string, max: number) =>
    `Every agent for capability '${capability}' is at its limit and ${max} tasks are already waiting; try again later`,
  queueTimeout: (capability: string, ms: number) => `No agent for capability '${capability}' became free within ${ms} ms; try again later`,
  timedOut: (ms: number) => `Task timed out after ${ms} ms`,
  notJson: (reason: string) => `Agent returned a value that cannot be stored as JSON: ${reason}`,
  backgroundTaskFailed: (taskId: string, error: unknown) =>
    `Task ${taskId} could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
  requestNotRecorded: () => 'The task could not be recorded: the contract store refused the write; try again later',
  requestNotRecordedCause: (taskId: string, error: unknown) =>
    `REQUEST of task ${taskId} could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
  outcomeNotRecorded: (taskId: string) =>
    `The outcome of task '${taskId}' could not be recorded: the contract store refused the write; try again later`,
  outcomeNotRecordedCause: (taskId: string, error: unknown) =>
    `Task ${taskId} finished but its outcome could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
  closedElsewhere: (taskId: string, stored: string, outcome: string) =>
    `Task ${taskId} was already ${stored} in the store; its ${outcome} outcome was not recorded`,
  notQueued: () => 'The task could not be put on the task queue (Redis refused it); try again later',
  notQueuedCause: (taskId: string, error: unknown) =>
    `Task ${taskId} could not be queued: ${error instanceof Error ? error.message : String(error)}`,
  runningAgentNotShared: (taskId: string, error: unknown) =>
    `The agent running task ${taskId} could not be recorded in Redis (its delegation calls through other replicas may be refused): ${error instanceof Error ? error.message : String(error)}`,
  workerStopped: () => 'the worker running the task stopped before it finished; the task runs again',
  failedRunPutBack: (reason: string) =>
    `a run of the task on a worker ended without recording its outcome (${reason}); the task runs again`,
  tasksPutBack: (notQueued: number, failedRuns: number) =>
    `Put ${notQueued + failedRuns} in_progress task${notQueued + failedRuns === 1 ? '' : 's'} back on the task queue: ` +
    `${notQueued} never queued (the API replica stopped between commit and queue), ${failedRuns} whose run ended without recording an outcome`,
  orphanSweepFailed: (error: unknown) =>
    `The sweep for in_progress tasks missing from the task queue failed; the next round tries again: ${error instanceof Error ? error.message : String(error)}`,
  cancelled: () => 'Task cancelled',
  cancelledByShutdown: () => 'Task cancelled: the orchestrator shut down before it finished',
  shuttingDown: () => 'The orchestrator is shutting down and takes no new tasks; try again later',
  alreadyFinished: (taskId: string, status: string) => `Task '${taskId}' already finished (${status}); it cannot be cancelled`,
  taskNotFound: (taskId: string) => `Task '${taskId}' not found`,
  interruptedTasksClosed: (count: number) =>
    `Closed ${count} REQUEST contract${count === 1 ? '' : 's'} left in_progress by a previous run as failed`,
  interruptedTasksResumed: (count: number) =>
    `Running ${count} submitted task${count === 1 ? '' : 's'} left in_progress by a previous run again`,
  resumeFailed: (taskId: string, error: unknown) =>
    `Task ${taskId} left in_progress by a previous run could not be run again: ${error instanceof Error ? error.message : String(error)}`,
  interruptedAttempt: () => 'the orchestrator stopped before the outcome of this attempt was recorded; the task runs again',
  attemptsExhausted: (max: number) => `The task was not run again: it already made ${max} attempts (TASK_MAX_ATTEMPTS=${max})`,
  threw: (value: unknown) => (value instanceof Error ? value.message || value.name : `Agent threw ${String(value)}`),
};
