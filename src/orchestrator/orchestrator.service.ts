import { Inject, Injectable, Logger, NotFoundException, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { CAPABILITY_NAME_PATTERN } from '../agents/agents.constants.js';
import type { DelegationResult, TaskContext } from '../agents/interfaces/task-context.interface.js';
import type { Contract, JsonObject, JsonValue } from '../contracts/contract.model.js';
import { ORCHESTRATOR_AGENT_ID } from '../contracts/contract.model.js';
import type { AcceptedTask, Lineage } from './accepted-task.js';
import { AttemptRunner, type AgentPlacement } from './attempt-runner.js';
import type { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { TaskEventsService } from './events/task-events.service.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { TaskDistribution } from './task-distribution.js';
import { TaskRecorder } from './task-recorder.js';
import { taskView } from './task-view.js';
import { TasksInFlight, type RunningTask } from './tasks-in-flight.js';

/**
 * Routes a task to an agent, runs it, and records it (SPEC §5): one transaction for the REQUEST, the
 * agent's run (failing over to another agent on transport failures), one transaction closing the
 * REQUEST and adding the RESPONSE, then the answer. Also runs sub-tasks that agents delegate.
 */
@Injectable()
export class OrchestratorService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OrchestratorService.name);

  constructor(
    private readonly attempts: AttemptRunner,
    private readonly recorder: TaskRecorder,
    private readonly inFlight: TasksInFlight,
    private readonly events: TaskEventsService,
    private readonly distribution: TaskDistribution,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  /**
   * Runs a task and answers once both contracts are committed (`POST /v1/orchestrate`). Waits in the
   * capability's queue while every capable agent is at its limit. `traceparent`: the caller's W3C trace
   * context header, kept in the contracts' metadata and sent with their Trace events; a new trace is
   * started when it is absent or invalid.
   */
  async orchestrate(request: OrchestrateRequestDto, traceparent?: string): Promise<OrchestrateResponseDto> {
    this.inFlight.checkAccepting();
    if (this.distribution.enabled) {
      return this.distribution.runElsewhere(await this.recordAdmitted(request, traceparent, false));
    }
    const first = await this.attempts.place(request.capability, request.parameters ?? {});
    const task = await this.recordRequest(first, () =>
      this.recorder.recordRequest(request, traceparent, first.slot.agent.definition.agent_id),
    );
    return this.run(task, first);
  }

  /**
   * Accepts a task, commits its REQUEST and runs it in the background (`POST /v1/tasks`). Returns the
   * task id (the REQUEST contract id) once the REQUEST is durable. Routing and validation errors, and a
   * full queue, are thrown before anything is written, as for `orchestrate`.
   */
  async submit(request: OrchestrateRequestDto, traceparent?: string): Promise<string> {
    this.inFlight.checkAccepting();
    if (this.distribution.enabled) {
      const task = await this.recordAdmitted(request, traceparent, true);
      this.events.open(task.request.contract_id);
      this.events.publish(task.request.contract_id, 'state', taskView(task.request, 'submitted'));
      await this.distribution.dispatch(task);
      return task.request.contract_id;
    }
    const { placement, agentId } = await this.attempts.placeOrQueue(request.capability, request.parameters ?? {});
    const task = await this.recordRequest(placement, () => this.recorder.recordRequest(request, traceparent, agentId, undefined, true));
    const taskId = task.request.contract_id;
    this.inFlight.inBackground(
      this.runInBackground(task, placement).catch((error: unknown) =>
        this.logger.error(OrchestratorMessages.backgroundTaskFailed(taskId, error)),
      ),
    );
    return taskId;
  }

  /**
   * For a task that runs on a worker: checks routing and parameters (404, 400), takes its place in the
   * capability's queue across the cluster (503 when full) and commits its REQUEST.
   */
  private async recordAdmitted(request: OrchestrateRequestDto, traceparent: string | undefined, submitted: boolean): Promise<AcceptedTask> {
    const agentId = await this.attempts.check(request.capability, request.parameters ?? {});
    const taskId = await this.distribution.admit(request.capability);
    try {
      return await this.recorder.recordRequest(request, traceparent, agentId, undefined, submitted, taskId);
    } catch (error) {
      this.distribution.withdraw(request.capability, taskId);
      throw error;
    }
  }

  /**
   * Runs again a task whose REQUEST is recorded and still `in_progress` but that runs nowhere (a
   * restart interrupted it): as a submitted task in flight here (its event stream, cancellation,
   * delegation, drain at shutdown), waiting in the capability's queue like any task. Its outcome is
   * recorded with `metadata.attempts` = `priorAttempts`, then this run's; the prior ones count toward
   * TASK_MAX_ATTEMPTS. Resolves with the outcome; rejects when the store refuses to record it, and
   * with 503 once shutdown began (nothing is run then).
   */
  async runAgain(request: Contract, priorAttempts: JsonObject[]): Promise<OrchestrateResponseDto> {
    this.inFlight.checkAccepting();
    // A sub-task a replica put on the queue keeps its place in its chain of delegations.
    const task = request.parent_contract_id === null ? this.recorder.acceptedTask(request) : await this.recorder.storedTask(request);
    const done = this.runInBackground(task, undefined, priorAttempts);
    // Shutdown waits for it; the caller gets its failure.
    this.inFlight.inBackground(done.catch(() => undefined));
    return done;
  }

  /** Checked before work that would start a task: false once shutdown began. */
  isAccepting(): boolean {
    return this.inFlight.isAccepting();
  }

  /**
   * Runs a sub-task for the agent running task `parentId` (remote agents' delegation calls). Throws 404
   * when that task is not running. `authorize` is given the agent running the task's current attempt
   * before anything is recorded (agent-bound API keys, issue 11: it throws 403 for another agent).
   *
   * With workers (REDIS_URL) the task usually runs on a worker, which has no HTTP API, and the call
   * reaches any API replica: the replica reads the task from the store (`in_progress`, its lineage and
   * sub-tasks so far), takes the running agent from the key the worker writes in Redis as each attempt
   * starts (one GET; the store's `to_agent` names the agent chosen at submission, not the one a
   * failover moved the task to), and runs the sub-task on a worker through the queue.
   */
  async delegateFor(
    parentId: string,
    request: { capability: string; parameters?: Record<string, unknown>; context?: Record<string, unknown> },
    authorize: (runner: string) => void = () => undefined,
  ): Promise<DelegationResult> {
    const { capability, parameters, context } = request;
    const running = this.inFlight.get(parentId);
    if (running) {
      authorize(running.agentId);
      return this.delegate(running.task, running.agentId, capability, parameters, context);
    }
    // No attempt started (still queued): no agent runs the task, none may delegate for it.
    const runner = this.distribution.enabled ? await this.distribution.runningAgentOf(parentId) : undefined;
    if (runner === undefined) throw new NotFoundException(OrchestratorMessages.noRunningTask(parentId));
    authorize(runner);
    const parent = await this.recorder.inProgress(parentId);
    if (!parent) throw new NotFoundException(OrchestratorMessages.noRunningTask(parentId));
    return this.delegate(parent, runner, capability, parameters, context);
  }

  /**
   * Cancels a task that is queued or running: its `ctx.signal` fires and, unless it finishes first, its
   * REQUEST ends `cancelled`. Resolves once the outcome is committed; false when the task was not running.
   */
  async cancel(taskId: string): Promise<boolean> {
    if (await this.inFlight.cancel(taskId)) return true;
    // With workers, it may wait in the queue or run in another process.
    return this.distribution.enabled ? this.distribution.cancel(taskId) : false;
  }

  /** Tasks accepted and not finished (queued or running). */
  inFlightCount(): number {
    return this.inFlight.count();
  }

  /** Stops taking new tasks: orchestrate and submit answer 503 from now on. Sub-tasks of running tasks still run. */
  stopAccepting(): void {
    this.inFlight.stopAccepting();
  }

  /**
   * Graceful shutdown: stops taking tasks, waits up to `timeoutMs` for the tasks in flight, then cancels
   * what is left (REQUEST `cancelled`, caller answered) and waits for those outcomes to be committed.
   */
  drain(timeoutMs: number): Promise<{ finished: number; cancelled: number }> {
    return this.inFlight.drain(timeoutMs);
  }

  /** Lets background tasks finish (each is bounded by TASK_TIMEOUT_MS) before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.inFlight.settleBackground();
  }

  /** Commits the REQUEST; the slot taken for the first attempt goes back unused when that fails. */
  private async recordRequest(first: AgentPlacement | undefined, record: () => Promise<AcceptedTask>): Promise<AcceptedTask> {
    try {
      return await record();
    } catch (error) {
      first?.slot.release('unused');
      throw error;
    }
  }

  /** Opens the task's event stream (state `submitted`) and runs it. */
  private runInBackground(
    task: AcceptedTask,
    first: AgentPlacement | undefined,
    priorAttempts?: readonly JsonObject[],
  ): Promise<OrchestrateResponseDto> {
    const taskId = task.request.contract_id;
    this.events.open(taskId);
    this.events.publish(taskId, 'state', taskView(task.request, 'submitted'));
    return this.run(task, first, priorAttempts);
  }

  /** Runs the task's attempts as a task in flight and commits the outcome (SPEC §5 steps 2-3). */
  private run(
    task: AcceptedTask,
    first: AgentPlacement | undefined,
    priorAttempts?: readonly JsonObject[],
  ): Promise<OrchestrateResponseDto> {
    return this.inFlight.track(task, async (running) => {
      const taskId = task.request.contract_id;
      // Only a remote agent calls back to delegate (through any replica); an in-process agent delegates
      // with ctx.delegate here, so its attempts cost no Redis write.
      let shared = false;
      const target = {
        task,
        signal: running.signal,
        onAgent: (agentId: string, remote: boolean) => {
          running.agentId = agentId;
          if (!this.distribution.enabled || (!remote && !shared)) return undefined;
          shared = true;
          return this.distribution.attemptStarted(taskId, agentId);
        },
        contextFor: (agentId: string) => this.contextFor(running, agentId),
      };
      try {
        return await this.recorder.recordOutcome(task, await this.attempts.run(target, first, priorAttempts));
      } finally {
        if (shared) this.distribution.taskLeft(taskId);
      }
    });
  }

  /** What a handler gets beside its input. */
  private contextFor({ task }: RunningTask, agentId: string): Omit<TaskContext, 'signal'> {
    const taskId = task.request.contract_id;
    return {
      task_id: taskId,
      session_id: task.request.session_id,
      capability: task.capability,
      context: task.context,
      agent_id: agentId,
      traceparent: task.outbox.traceparent,
      progress: (data: JsonValue) =>
        this.events.publish(taskId, 'progress', { task_id: taskId, progress: data ?? null, at: new Date().toISOString() }),
      delegate: (capability, parameters, context) => this.delegate(task, agentId, capability, parameters, context),
    };
  }

  /**
   * Runs a sub-task through the same routing, recorded under the calling task's REQUEST. Never rejects
   * for a failed sub-task: a refused one (depth, cycle, too many sub-tasks, unknown capability, invalid
   * parameters, no agent free) is recorded as a failed sub-task.
   */
  private async delegate(
    parent: AcceptedTask,
    fromAgent: string,
    capability: string,
    parameters: Record<string, unknown> = {},
    context: Record<string, unknown> = parent.context,
  ): Promise<DelegationResult> {
    const lineage: Lineage = { depth: parent.lineage.depth + 1, chain: [...parent.lineage.chain, parent.capability] };
    // Counted before anything awaits, so that concurrent delegations cannot pass the limit together.
    parent.children += 1;
    let refusal: string | undefined;
    if (typeof capability !== 'string' || !CAPABILITY_NAME_PATTERN.test(capability)) {
      refusal = OrchestratorMessages.invalidDelegation(capability);
      capability = String(capability).slice(0, 64);
    } else if (parent.children > this.config.delegationMaxChildren) {
      refusal = OrchestratorMessages.tooManyDelegations(this.config.delegationMaxChildren, parent.capability);
    } else if (lineage.depth > this.config.delegationMaxDepth) {
      refusal = OrchestratorMessages.delegationTooDeep(this.config.delegationMaxDepth, [...lineage.chain, capability]);
    } else if (lineage.chain.includes(capability)) {
      refusal = OrchestratorMessages.delegationCycle([...lineage.chain, capability]);
    } else if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
      refusal = OrchestratorMessages.invalidDelegationParameters();
      parameters = {};
    }

    // The sub-task is cancelled with the task that started it. A parent running in another process
    // (a replica delegating for a worker's task) is followed through its cancellation requests, and
    // its sub-task runs on a worker too.
    const parentId = parent.request.contract_id;
    const parentSignal = this.inFlight.get(parentId)?.signal;
    const here = parentSignal !== undefined || !this.distribution.enabled;
    let first: AgentPlacement | undefined;
    let agentId: string | undefined;
    if (refusal === undefined) {
      try {
        if (here) first = await this.attempts.place(capability, parameters, undefined, parentSignal);
        else agentId = await this.attempts.check(capability, parameters);
      } catch (error) {
        refusal = OrchestratorMessages.describe(error);
      }
    }

    const parentCancelled = here ? undefined : this.followCancellation(parentId);
    try {
      const task = await this.recordRequest(first, () =>
        this.recorder.recordRequest(
          { session_id: parent.request.session_id, capability, parameters, context },
          parent.outbox.traceparent,
          first?.slot.agent.definition.agent_id ?? agentId ?? ORCHESTRATOR_AGENT_ID,
          { lineage, parentId, fromAgent, parentSignal },
        ),
      );
      const cancelledBefore = refusal === undefined && parentCancelled?.cancelled() === true;
      if (cancelledBefore) refusal = OrchestratorMessages.cancelled();
      const answer =
        refusal !== undefined
          ? await this.recorder.recordOutcome(task, {
              result: cancelledBefore ? { success: false, error: refusal, cancelled: true } : { success: false, error: refusal },
              agentId: task.request.to_agent,
              attempts: [],
            })
          : here
            ? await this.run(task, first)
            : await parentCancelled!.run(task);
      const data = answer.data as JsonObject | null;
      return {
        success: answer.success,
        data,
        error: answer.error,
        contract_id: task.request.contract_id,
        agent_id: refusal === undefined ? answer.agent_id : null,
      };
    } finally {
      parentCancelled?.stop();
    }
  }

  /**
   * Follows the cancellation of a task running in another process, for a sub-task run on a worker on
   * its behalf: `run` puts the sub-task on the queue and cancels it when the parent is cancelled;
   * `cancelled()` says whether that already happened (then the sub-task is not run).
   */
  private followCancellation(parentId: string): {
    cancelled(): boolean;
    run(task: AcceptedTask): Promise<OrchestrateResponseDto>;
    stop(): void;
  } {
    let cancelled = false;
    let subTaskId: string | undefined;
    const cancelSubTask = () =>
      this.distribution.cancel(subTaskId!).catch((error: unknown) => this.logger.error(OrchestratorMessages.describe(error)));
    const stop = this.distribution.onCancelRequest(parentId, () => {
      cancelled = true;
      if (subTaskId !== undefined) void cancelSubTask();
    });
    return {
      cancelled: () => cancelled,
      run: (task) => {
        subTaskId = task.request.contract_id;
        return this.distribution.runElsewhere(task);
      },
      stop,
    };
  }
}
