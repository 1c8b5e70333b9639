import { Inject, Injectable, Logger, Optional, ServiceUnavailableException, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { RetryLaterException } from '../common/exceptions/retry-later.exception.js';
import { newUlid } from '../common/ids/ulid.js';
import type { Contract } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { ClusterLimits } from '../queue/cluster-limits.js';
import { TaskQueue } from '../queue/task-queue.js';
import { TaskSignals } from '../queue/task-signals.js';
import type { AcceptedTask } from './accepted-task.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import type { TaskDto } from './dto/task.dto.js';
import { TaskEventsService, type TaskEvent } from './events/task-events.service.js';
import { recordedAttempts } from './accepted-task.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { TaskLifecycle } from './task-lifecycle.js';
import { TaskRecorder } from './task-recorder.js';
import { taskView } from './task-view.js';
import { TasksInFlight } from './tasks-in-flight.js';

/** How often a caller waiting for a task on a worker reads its REQUEST, in case its final event was missed. */
const OUTCOME_POLL_MS = 1000;
/** How long a cancellation request is remembered for a task no process has started yet. */
const CANCEL_REMEMBERED_MS = 60_000;
/** How long `cancel` waits for the worker running the task to record its cancellation. */
const CANCEL_WAIT_MS = 15_000;
/** Seconds a caller is asked to wait (`Retry-After`) when the capability's queue is full across the cluster. */
const RETRY_AFTER_QUEUE_FULL_S = 1;

/**
 * Hands tasks to workers through the BullMQ task queue when REDIS_URL is set (`enabled`), and follows
 * them there: the outcome a synchronous caller waits for, cancellation of a task that runs in another
 * process. Without REDIS_URL it is not enabled and tasks run in the process that accepted them.
 */
@Injectable()
export class TaskDistribution implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TaskDistribution.name);
  /** Tasks a caller cancelled before any process here started them, with when that is forgotten. */
  private readonly cancelRequested = new Map<string, number>();
  private stopListening?: () => void;

  constructor(
    private readonly contracts: ContractRepository,
    private readonly events: TaskEventsService,
    private readonly inFlight: TasksInFlight,
    private readonly recorder: TaskRecorder,
    private readonly lifecycle: TaskLifecycle,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
    @Optional() private readonly queue?: TaskQueue,
    @Optional() private readonly signals?: TaskSignals,
    @Optional() private readonly limits?: ClusterLimits,
  ) {}

  get enabled(): boolean {
    return this.queue !== undefined;
  }

  onModuleInit(): void {
    if (!this.signals) return;
    this.events.relayThrough(this.signals);
    this.signals.onCancel((taskId) => this.cancelRequestedFor(taskId));
    const limits = this.limits;
    if (limits) {
      // A task leaves its capability's cluster-wide queue when an agent starts it, or when it ends unstarted.
      this.stopListening = this.lifecycle.subscribe({
        started: (event) => limits.leave(event.capability, event.task_id),
        finished: (event) => limits.leave(event.capability, event.task_id),
      });
    }
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /**
   * Takes a place for a new task in its capability's queue across the cluster (QUEUE_MAX) and returns
   * the task id it is held for; 503 with `Retry-After` when the queue is full. Before anything is written.
   */
  async admit(capability: string): Promise<string> {
    const taskId = newUlid();
    if (this.limits && !(await this.limits.admit(capability, taskId, this.config.queueMax, this.config.queueTimeoutMs))) {
      throw new RetryLaterException(OrchestratorMessages.queueFull(capability, this.config.queueMax), RETRY_AFTER_QUEUE_FULL_S);
    }
    return taskId;
  }

  /** Gives back the place `admit` took when the task's REQUEST could not be recorded. */
  withdraw(capability: string, taskId: string): void {
    this.limits?.leave(capability, taskId);
  }

  /**
   * Puts a task whose REQUEST is committed on the queue. When the queue refuses it, the REQUEST is
   * closed as failed and the caller gets 503: nothing is acknowledged that no worker will run.
   */
  async dispatch(task: AcceptedTask): Promise<void> {
    const taskId = task.request.contract_id;
    try {
      await this.queue!.enqueue(taskId);
    } catch (error) {
      this.logger.error(OrchestratorMessages.notQueuedCause(taskId, error));
      const message = OrchestratorMessages.notQueued();
      await this.recorder.recordOutcome(task, { result: { success: false, error: message }, agentId: task.request.to_agent, attempts: [] });
      throw new ServiceUnavailableException(message);
    }
  }

  /** Runs a task on a worker and answers as `orchestrate` does, once its outcome is recorded. */
  async runElsewhere(task: AcceptedTask): Promise<OrchestrateResponseDto> {
    const taskId = task.request.contract_id;
    this.events.open(taskId);
    await this.dispatch(task);
    const closed = await this.outcome(taskId);
    return {
      success: closed.status === 'completed',
      data: closed.result as OrchestrateResponseDto['data'],
      error: closed.error,
      contract_id: taskId,
      agent_id: closed.agent_id,
      timestamp: closed.completed_at ?? new Date().toISOString(),
    };
  }

  /**
   * Cancels a task that runs in another process or still waits in the queue; resolves once its outcome
   * is recorded (or after CANCEL_WAIT_MS). False when the task is not in progress.
   */
  async cancel(taskId: string): Promise<boolean> {
    if (await this.queue!.removeWaiting(taskId)) {
      const request = await this.contracts.findById(taskId);
      if (request?.status !== 'in_progress') return false;
      await this.recordCancelled(request);
      return true;
    }
    await this.signals!.requestCancel(taskId);
    return (await this.outcome(taskId, CANCEL_WAIT_MS)) !== undefined;
  }

  /** Records a task that no agent ran as cancelled. */
  async recordCancelled(request: Contract): Promise<void> {
    await this.recorder.recordOutcome(this.recorder.acceptedTask(request), {
      result: { success: false, error: OrchestratorMessages.cancelled(), cancelled: true },
      agentId: request.to_agent,
      attempts: recordedAttempts(request),
    });
  }

  /**
   * Tells the API replicas which agent runs the current attempt of a task running here: a remote agent's
   * delegation call for the task may reach any replica, which checks the caller and names the sub-task's
   * `from_agent` with it (`runningAgentOf`). Awaited before the agent is called, so that its delegation
   * calls never find an older attempt's agent.
   */
  async attemptStarted(taskId: string, agentId: string): Promise<void> {
    try {
      await this.signals!.recordRunningAgent(taskId, agentId);
    } catch (error) {
      this.logger.error(OrchestratorMessages.runningAgentNotShared(taskId, error));
    }
  }

  /** The task no longer runs here (its outcome is recorded, or this process gave it up). */
  taskLeft(taskId: string): void {
    this.signals!.forgetRunningAgent(taskId).catch((error: unknown) => this.logger.error(OrchestratorMessages.describe(error)));
  }

  /** The agent running the current attempt of a task on some worker; undefined when no attempt of it runs. */
  runningAgentOf(taskId: string): Promise<string | undefined> {
    return this.signals!.runningAgent(taskId);
  }

  /** Calls `listener` when a caller asks to cancel task `taskId` (from any process); returns what stops listening. */
  onCancelRequest(taskId: string, listener: () => void): () => void {
    return this.signals!.onCancel((cancelled) => {
      if (cancelled === taskId) listener();
    });
  }

  /** True once when a caller cancelled the task before this process started it (a worker then records it cancelled without running it). */
  takeCancelRequest(taskId: string): boolean {
    const expires = this.cancelRequested.get(taskId);
    this.cancelRequested.delete(taskId);
    return expires !== undefined && expires > Date.now();
  }

  /**
   * The task once its REQUEST is closed. The final state event carries the closed REQUEST as it was
   * committed, so the store is read only when that event does not come (missed, or no stream of the
   * task in this process) within OUTCOME_POLL_MS, and then every OUTCOME_POLL_MS.
   */
  private outcome(taskId: string): Promise<TaskDto>;
  private outcome(taskId: string, timeoutMs: number): Promise<TaskDto | undefined>;
  private async outcome(taskId: string, timeoutMs = Number.POSITIVE_INFINITY): Promise<TaskDto | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const final = await this.finalStateOrTimeout(taskId, Math.min(OUTCOME_POLL_MS, deadline - Date.now()));
      if (final) return final;
      const request = await this.contracts.findById(taskId);
      if (request && request.status !== 'in_progress') return taskView(request);
      if (Date.now() >= deadline) return undefined;
    }
  }

  /** The data of the task's final state event once it is here; undefined after `ms`. */
  private finalStateOrTimeout(taskId: string, ms: number): Promise<TaskDto | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const subscription = this.events.subscribe(taskId, Number.MAX_SAFE_INTEGER, (event, final) => final && done(event));
      // Without a stream of the task here (this process started after its last event) the timer ends
      // the wait, and the store is read then: never a read loop without a pause.
      // A stream that ended with an `error` event (the outcome was not recorded) has no state to give:
      // the store is read after `ms`, as for a missed event.
      if (subscription?.ended && subscription.replay.at(-1)?.type === 'state') done(subscription.replay.at(-1));
      function done(event?: TaskEvent): void {
        clearTimeout(timer);
        subscription?.unsubscribe();
        resolve(event?.type === 'state' ? (event.data as unknown as TaskDto) : undefined);
      }
    });
  }

  private cancelRequestedFor(taskId: string): void {
    const running = this.inFlight.get(taskId);
    if (running) {
      this.inFlight.cancel(taskId).catch((error: unknown) => this.logger.error(OrchestratorMessages.describe(error)));
      return;
    }
    const now = Date.now();
    for (const [id, expires] of this.cancelRequested) if (expires <= now) this.cancelRequested.delete(id);
    this.cancelRequested.set(taskId, now + CANCEL_REMEMBERED_MS);
  }
}
