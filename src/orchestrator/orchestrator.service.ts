import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../agents/agent.registry.js';
import { CAPABILITY_NAME_PATTERN } from '../agents/agents.constants.js';
import type { DelegationResult, TaskContext } from '../agents/interfaces/task-context.interface.js';
import { RetryLaterException } from '../common/exceptions/retry-later.exception.js';
import { settlesWithin } from '../common/shutdown/settles-within.js';
import { newUlid } from '../common/ids/ulid.js';
import { traceparentFrom } from '../common/tracing/traceparent.js';
import type { Contract, JsonObject, JsonValue } from '../contracts/contract.model.js';
import { ORCHESTRATOR_AGENT_ID } from '../contracts/contract.model.js';
import { ContractRepository, type WriteOptions } from '../contracts/contract.repository.js';
import { RequestAlreadyClosedError } from '../contracts/errors/request-already-closed.error.js';
import { TraceOutboxDispatcher } from '../integrations/trace/trace-outbox.dispatcher.js';
import type { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { TaskEventsService } from './events/task-events.service.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { AgentScheduler, type AgentSlot } from './routing/agent-scheduler.js';
import { TaskLifecycle } from './task-lifecycle.js';
import { runTask, TaskCancelledError, type TaskResult } from './task-runner.js';
import { taskView } from './task-view.js';

/** Where a task sits in a chain of delegations. */
interface Lineage {
  /** 0 for a task a caller started; 1 for its sub-tasks, and so on. */
  readonly depth: number;
  /** Capabilities of the tasks above this one, outermost first. */
  readonly chain: readonly string[];
}

interface AcceptedTask {
  request: Contract;
  capability: string;
  parameters: Record<string, unknown>;
  context: Record<string, unknown>;
  outbox: WriteOptions & { traceparent: string };
  lineage: Lineage;
  /** Cancels the task when it fires (a sub-task follows its parent's cancellation). */
  parentSignal?: AbortSignal;
  /** Sub-tasks this task has started (refused ones included), bounded by DELEGATION_MAX_CHILDREN. */
  children: number;
}

/** An agent slot taken for one attempt of a task, with the parameters as that agent's capability validated them. */
interface AgentPlacement {
  slot: AgentSlot;
  input: unknown;
}

interface RunningTask {
  task: AcceptedTask;
  controller: AbortController;
  done: Promise<unknown>;
  /** The agent running the current attempt. */
  agentId: string;
}

/** How a task ended, as `POST /v1/orchestrate` answers it. */
interface TaskAnswer extends OrchestrateResponseDto {
  data: JsonObject | null;
}

/** Seconds a caller is asked to wait while this process shuts down (another instance may take over). */
const RETRY_AFTER_SHUTDOWN_S = 5;

const NO_LINEAGE: Lineage = { depth: 0, chain: [] };

/**
 * Routes a task to an agent, runs it, and records it (SPEC §5): one transaction for the REQUEST, the
 * agent's run (failing over to another agent on transport failures), one transaction closing the
 * REQUEST and adding the RESPONSE, then the answer. Also runs sub-tasks that agents delegate.
 */
@Injectable()
export class OrchestratorService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OrchestratorService.name);

  /** Background tasks (`submit`) still running; shutdown waits for them. */
  private readonly background = new Set<Promise<unknown>>();
  /** Tasks accepted and not finished, by task id. */
  private readonly inFlight = new Map<string, RunningTask>();
  /** False once shutdown began: new tasks get 503. */
  private accepting = true;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly scheduler: AgentScheduler,
    private readonly contracts: ContractRepository,
    private readonly trace: TraceOutboxDispatcher,
    private readonly events: TaskEventsService,
    private readonly lifecycle: TaskLifecycle,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  /**
   * Runs a task and answers once both contracts are committed (`POST /v1/orchestrate`). Waits in the
   * capability's queue while every capable agent is at its limit. `traceparent`: the caller's W3C trace
   * context header, kept in the contracts' metadata and sent with their Trace events; a new trace is
   * started when it is absent or invalid.
   */
  async orchestrate(request: OrchestrateRequestDto, traceparent?: string): Promise<OrchestrateResponseDto> {
    this.checkAccepting();
    const first = await this.acquire(request.capability, request.parameters ?? {});
    let task: AcceptedTask;
    try {
      task = await this.record(request, traceparent, first.slot.agent.definition.agent_id);
    } catch (error) {
      this.registry.release(first.slot.agent, 'unused');
      throw error;
    }
    return this.run(task, first);
  }

  /**
   * Accepts a task, commits its REQUEST and runs it in the background (`POST /v1/tasks`). Returns the
   * task id (the REQUEST contract id) once the REQUEST is durable. Routing and validation errors, and a
   * full queue, are thrown before anything is written, as for `orchestrate`.
   */
  async submit(request: OrchestrateRequestDto, traceparent?: string): Promise<string> {
    this.checkAccepting();
    const slot = this.scheduler.tryAcquire(request.capability);
    let task: AcceptedTask;
    let first: AgentPlacement | undefined;
    try {
      const parameters = request.parameters ?? {};
      // Without a free agent the task waits in the queue; its parameters are checked against one that provides the capability.
      const route = slot ?? this.anyProvider(request.capability);
      const input = await this.validate(route, parameters);
      if (slot) first = { slot, input };
      task = await this.record(request, traceparent, route.agent.definition.agent_id);
    } catch (error) {
      if (slot) this.registry.release(slot.agent, 'unused');
      throw error;
    }
    const taskId = task.request.contract_id;
    this.events.open(taskId);
    this.events.publish(taskId, 'state', taskView(task.request, 'submitted'));
    const done = this.run(task, first)
      .catch((error: unknown) => this.logger.error(OrchestratorMessages.backgroundTaskFailed(taskId, error)))
      .finally(() => this.background.delete(done));
    this.background.add(done);
    return taskId;
  }

  /**
   * Runs a sub-task for the agent running task `parentId` (remote agents' delegation calls). Throws 404
   * when that task is not running here.
   */
  delegateFor(parentId: string, capability: string, parameters?: Record<string, unknown>, context?: Record<string, unknown>): Promise<DelegationResult> {
    const parent = this.inFlight.get(parentId);
    if (!parent) throw new NotFoundException(OrchestratorMessages.noRunningTask(parentId));
    return this.delegate(parent.task, parent.agentId, capability, parameters, context);
  }

  /** The agent running task `taskId` now (its current attempt), or undefined when it is not running here. Agent-bound API keys (issue 11). */
  runningAgentOf(taskId: string): string | undefined {
    return this.inFlight.get(taskId)?.agentId;
  }

  /**
   * Cancels a task that is queued or running: its `ctx.signal` fires and, unless it finishes first, its
   * REQUEST ends `cancelled`. Resolves once the outcome is committed; false when the task was not running.
   */
  async cancel(taskId: string): Promise<boolean> {
    const task = this.inFlight.get(taskId);
    if (!task) return false;
    task.controller.abort(new TaskCancelledError(OrchestratorMessages.cancelled()));
    // Rejects only when the store refused the outcome: the caller gets that 503 too.
    await task.done;
    return true;
  }

  /** Tasks accepted and not finished (queued or running). */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Stops taking new tasks: orchestrate and submit answer 503 from now on. Sub-tasks of running tasks still run. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Graceful shutdown: stops taking tasks, waits up to `timeoutMs` for the tasks in flight, then cancels
   * what is left (REQUEST `cancelled`, caller answered) and waits for those outcomes to be committed.
   */
  async drain(timeoutMs: number): Promise<{ finished: number; cancelled: number }> {
    this.stopAccepting();
    const pending = [...this.inFlight.values()];
    if (await settlesWithin(Promise.allSettled(pending.map((task) => task.done)), timeoutMs)) return { finished: pending.length, cancelled: 0 };
    const left = [...this.inFlight.values()];
    for (const task of left) task.controller.abort(new TaskCancelledError(OrchestratorMessages.cancelledByShutdown()));
    await Promise.allSettled(left.map((task) => task.done));
    return { finished: pending.length - left.length, cancelled: left.length };
  }

  /** Lets background tasks finish (each is bounded by TASK_TIMEOUT_MS) before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopAccepting();
    await Promise.allSettled([...this.background]);
  }

  private checkAccepting(): void {
    if (!this.accepting) throw new RetryLaterException(OrchestratorMessages.shuttingDown(), RETRY_AFTER_SHUTDOWN_S);
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

    // The sub-task is cancelled with the task that started it.
    const parentSignal = this.inFlight.get(parent.request.contract_id)?.controller.signal;
    let first: AgentPlacement | undefined;
    if (refusal === undefined) {
      try {
        first = await this.acquire(capability, parameters, undefined, parentSignal);
      } catch (error) {
        refusal = OrchestratorMessages.describe(error);
      }
    }

    const task = await this.record(
      { session_id: parent.request.session_id, capability, parameters, context },
      parent.outbox.traceparent,
      first?.slot.agent.definition.agent_id ?? ORCHESTRATOR_AGENT_ID,
      { lineage, parentId: parent.request.contract_id, fromAgent, parentSignal },
    );
    const response =
      refusal === undefined
        ? await this.run(task, first)
        : await this.finish(task, { success: false, error: refusal }, task.request.to_agent, []);
    return { success: response.success, data: response.data, error: response.error, contract_id: task.request.contract_id, agent_id: refusal === undefined ? response.agent_id : null };
  }

  /**
   * A slot on an agent for the capability (waiting in its queue when needed) with the parameters
   * validated by that agent's capability; the slot is given back when they are invalid (400).
   */
  private async acquire(capability: string, parameters: Record<string, unknown>, exclude?: ReadonlySet<string>, signal?: AbortSignal): Promise<AgentPlacement> {
    const slot = await this.scheduler.acquire(capability, exclude, signal);
    try {
      return { slot, input: await this.validate(slot, parameters) };
    } catch (error) {
      this.registry.release(slot.agent, 'unused');
      throw error;
    }
  }

  /** Validates the parameters against the capability of the agent that will run them (400 when invalid). */
  private async validate(slot: Pick<AgentSlot, 'capability'>, parameters: Record<string, unknown>): Promise<unknown> {
    const input = await slot.capability.validate(parameters);
    if (!input.ok) throw new BadRequestException(input.errors);
    return input.value;
  }

  /** Some agent that provides the capability, for validating a task that waits in the queue. */
  private anyProvider(capability: string): AgentSlot {
    const agent = this.registry.providers(capability)[0];
    if (!agent) throw new NotFoundException(OrchestratorMessages.noAgent(capability));
    return { agent, capability: agent.definition.capabilities.get(capability)! };
  }

  /** Commits the REQUEST of a task (SPEC §5 step 1). */
  private async record(
    request: Pick<OrchestrateRequestDto, 'session_id' | 'capability' | 'parameters' | 'context' | 'intent'>,
    traceparent: string | undefined,
    toAgent: string,
    delegation?: { lineage: Lineage; parentId: string; fromAgent: string; parentSignal?: AbortSignal },
  ): Promise<AcceptedTask> {
    const trace = traceparentFrom(traceparent);
    const outbox = { outbox: this.trace.enabled, traceparent: trace };
    const metadata: JsonObject = request.intent === undefined ? { traceparent: trace } : { intent: request.intent, traceparent: trace };
    const parameters = request.parameters ?? {};
    const contract: Contract = {
      contract_id: newUlid(),
      session_id: request.session_id,
      contract_type: 'REQUEST',
      from_agent: delegation?.fromAgent ?? ORCHESTRATOR_AGENT_ID,
      to_agent: toAgent,
      capability: request.capability,
      payload: parameters as JsonObject,
      status: 'in_progress',
      created_at: new Date().toISOString(),
      completed_at: null,
      result: null,
      error: null,
      metadata,
      parent_contract_id: delegation?.parentId ?? null,
    };
    try {
      await this.contracts.insertRequest(contract, outbox);
    } catch (error) {
      // Nothing was written and no agent ran: the caller may simply try again.
      this.logger.error(OrchestratorMessages.requestNotRecordedCause(contract.contract_id, error));
      throw new ServiceUnavailableException(OrchestratorMessages.requestNotRecorded());
    }
    return {
      request: contract,
      capability: request.capability,
      parameters,
      context: request.context ?? {},
      outbox,
      lineage: delegation?.lineage ?? NO_LINEAGE,
      parentSignal: delegation?.parentSignal,
      children: 0,
    };
  }

  /** Runs the task's attempts and commits the outcome (SPEC §5 steps 2-3). */
  private run(task: AcceptedTask, first: AgentPlacement | undefined): Promise<TaskAnswer> {
    const controller = new AbortController();
    const { parentSignal } = task;
    const onParentAbort = () => controller.abort(parentSignal!.reason);
    if (parentSignal?.aborted) onParentAbort();
    else parentSignal?.addEventListener('abort', onParentAbort, { once: true });
    const taskId = task.request.contract_id;
    const running: RunningTask = { task, controller, done: Promise.resolve(), agentId: task.request.to_agent };
    running.done = this.attempt(running, first).finally(() => {
      this.inFlight.delete(taskId);
      parentSignal?.removeEventListener('abort', onParentAbort);
    });
    this.inFlight.set(taskId, running);
    return running.done as Promise<TaskAnswer>;
  }

  /**
   * Tries the task on up to TASK_MAX_ATTEMPTS agents: a transport failure moves it to the next capable
   * agent it has not failed on yet, and ends it when there is none; an answer, success or not, ends it.
   */
  private async attempt(running: RunningTask, first: AgentPlacement | undefined): Promise<TaskAnswer> {
    const { task, controller } = running;
    const { signal } = controller;
    const attempts: JsonObject[] = [];
    const tried = new Set<string>();
    let next = first;
    let result: TaskResult | undefined;
    for (let n = 1; ; n++) {
      if (!next) {
        // After a transport failure, only agents the task has not failed on. When the scheduler refuses
        // (none left is a 404), that failure stays the task's outcome.
        try {
          next = await this.acquire(task.capability, task.parameters, tried, signal);
        } catch (error) {
          if (error instanceof TaskCancelledError) result = { success: false, error: error.message, cancelled: true };
          else if (result === undefined) result = { success: false, error: OrchestratorMessages.describe(error) };
          break;
        }
      }
      const { agent } = next.slot;
      const agentId = agent.definition.agent_id;
      running.agentId = agentId;
      // Only submitted tasks have a stream: no view is built for the others.
      if (n === 1 && this.events.has(task.request.contract_id)) {
        this.events.publish(task.request.contract_id, 'state', taskView({ ...task.request, to_agent: agentId }, 'working'));
      }
      this.lifecycle.started({ task_id: task.request.contract_id, session_id: task.request.session_id, capability: task.capability, agent_id: agentId, attempt: n });
      const startedAt = Date.now();
      result = await runTask(agent, next.input, this.contextFor(task, agentId), this.config.taskTimeoutMs, signal);
      this.registry.release(agent, result.success ? 'completed' : result.transport ? 'transport_error' : 'failed');
      attempts.push({
        agent_id: agentId,
        started_at: new Date(startedAt).toISOString(),
        duration_ms: Date.now() - startedAt,
        error: result.success ? null : result.error,
      });
      if (result.success || !result.transport || n >= this.config.maxAttempts || signal.aborted) break;
      tried.add(agentId);
      next = undefined;
    }
    return this.finish(task, result, running.agentId, attempts);
  }

  /** What a handler gets beside its input. */
  private contextFor(task: AcceptedTask, agentId: string): Omit<TaskContext, 'signal'> {
    const taskId = task.request.contract_id;
    return {
      task_id: taskId,
      session_id: task.request.session_id,
      capability: task.capability,
      context: task.context,
      agent_id: agentId,
      traceparent: task.outbox.traceparent,
      progress: (data: JsonValue) => this.events.publish(taskId, 'progress', { task_id: taskId, progress: data ?? null, at: new Date().toISOString() }),
      delegate: (capability, parameters, context) => this.delegate(this.inFlight.get(taskId)?.task ?? task, agentId, capability, parameters, context),
    };
  }

  /**
   * Closes the REQUEST and adds the RESPONSE in one transaction (SPEC §5 step 3). When the REQUEST has
   * a final state already (another writer closed it), that state stands and the caller is answered
   * from it. When the store refuses the write, the task's stream ends with an `error` event and the
   * caller gets 503: nobody waits for an outcome that will never be recorded.
   */
  private async finish(task: AcceptedTask, result: TaskResult, agentId: string, attempts: JsonObject[]): Promise<TaskAnswer> {
    const { request, capability, outbox } = task;
    const completedAt = new Date().toISOString();
    const data = result.success ? result.data : null;
    const error = result.success ? null : result.error;
    const status = result.success ? 'completed' : result.cancelled ? 'cancelled' : 'failed';
    const metadata: JsonObject = { ...request.metadata, attempts };
    let closed: Contract;
    try {
      closed = await this.contracts.completeRequest(
        request,
        { status, result: data, error, completed_at: completedAt, to_agent: agentId === request.to_agent ? undefined : agentId, metadata },
        {
          contract_id: newUlid(),
          session_id: request.session_id,
          contract_type: 'RESPONSE',
          from_agent: agentId,
          to_agent: request.from_agent,
          capability,
          payload: { success: result.success, data, error },
          status,
          created_at: completedAt,
          completed_at: completedAt,
          result: data,
          error,
          metadata: { traceparent: outbox.traceparent },
          parent_contract_id: request.contract_id,
        },
        outbox,
      );
    } catch (failure) {
      if (!(failure instanceof RequestAlreadyClosedError)) throw this.notRecorded(request.contract_id, failure);
      closed = failure.stored;
      this.logger.warn(OrchestratorMessages.closedElsewhere(request.contract_id, closed.status, status));
    }
    this.trace.notify();
    if (this.events.has(request.contract_id)) this.events.publish(request.contract_id, 'state', taskView(closed), true);
    const finalStatus = closed.status === 'completed' || closed.status === 'failed' || closed.status === 'cancelled' ? closed.status : status;
    const finalAgent = closed.to_agent;
    this.lifecycle.finished({
      task_id: request.contract_id,
      session_id: request.session_id,
      capability,
      agent_id: finalAgent,
      status: finalStatus,
      error: closed.error,
      duration_ms: Date.parse(closed.completed_at ?? completedAt) - Date.parse(request.created_at),
      attempts: attempts.length,
    });
    return {
      success: finalStatus === 'completed',
      data: (closed.result ?? null) as JsonObject | null,
      error: closed.error,
      contract_id: request.contract_id,
      agent_id: finalAgent,
      timestamp: closed.completed_at ?? completedAt,
    };
  }

  /**
   * The store refused to record a task's outcome (disk full, database busy beyond the busy timeout):
   * logs it, ends the task's event stream with an `error` event, and returns the 503 for the caller.
   * The REQUEST stays `in_progress` in the store; the next start closes it as interrupted.
   */
  private notRecorded(taskId: string, failure: unknown): ServiceUnavailableException {
    this.logger.error(OrchestratorMessages.outcomeNotRecordedCause(taskId, failure));
    const message = OrchestratorMessages.outcomeNotRecorded(taskId);
    if (this.events.has(taskId)) this.events.publish(taskId, 'error', { task_id: taskId, error: message, at: new Date().toISOString() }, true);
    return new ServiceUnavailableException(message);
  }
}
