import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AgentRegistry } from '../agents/agent.registry.js';
import type { RegisteredCapability, SlotOutcome } from '../agents/interfaces/registered-agent.interface.js';
import type { TaskContext } from '../agents/interfaces/task-context.interface.js';
import type { JsonObject } from '../contracts/contract.model.js';
import type { AcceptedTask } from './accepted-task.js';
import { TaskEventsService } from './events/task-events.service.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { AgentScheduler, type AgentSlot } from './routing/agent-scheduler.js';
import { TaskLifecycle } from './task-lifecycle.js';
import { runTask, TaskCancelledError, type AttemptResult } from './task-runner.js';
import { taskView } from './task-view.js';

/** An agent slot taken for one attempt of a task, with the parameters as that agent's capability validated them. */
export interface AgentPlacement {
  slot: AgentSlot;
  input: unknown;
}

/** The attempts a task made: how the last one ended, the agent that made it, and one entry per attempt for the REQUEST's metadata. */
export interface TaskAttempts {
  result: AttemptResult;
  agentId: string;
  attempts: JsonObject[];
}

/** What the failover loop needs from the task that runs. */
export interface AttemptTarget {
  readonly task: AcceptedTask;
  readonly signal: AbortSignal;
  /** Told the agent of each attempt before that agent is called; `remote`: it is reached over the network (it may call back). */
  onAgent(agentId: string, remote: boolean): void | Promise<void>;
  /** What a handler on that agent gets beside its input. */
  contextFor(agentId: string): Omit<TaskContext, 'signal'>;
}

/**
 * Places a task on an agent and runs its attempts: a transport failure moves it to the next capable
 * agent it has not failed on yet, up to TASK_MAX_ATTEMPTS. Every slot it takes it gives back.
 */
@Injectable()
export class AttemptRunner {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly scheduler: AgentScheduler,
    private readonly events: TaskEventsService,
    private readonly lifecycle: TaskLifecycle,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  /**
   * A slot on an agent for the capability (waiting in its queue when needed) with the parameters
   * validated by that agent's capability; the slot is given back when they are invalid (400).
   */
  async place(
    capability: string,
    parameters: Record<string, unknown>,
    exclude?: ReadonlySet<string>,
    signal?: AbortSignal,
    waitMs?: number,
  ): Promise<AgentPlacement> {
    const slot = await this.scheduler.acquire(capability, exclude, signal, waitMs);
    try {
      return { slot, input: await this.validate(slot.capability, parameters) };
    } catch (error) {
      slot.release('unused');
      throw error;
    }
  }

  /**
   * A placement when an agent is free now; otherwise none, and the task will wait in the queue (its
   * parameters are checked against some agent that provides the capability). `agentId`: the agent the
   * REQUEST names. Throws as `AgentScheduler.tryAcquire` and 400 for invalid parameters.
   */
  async placeOrQueue(capability: string, parameters: Record<string, unknown>): Promise<{ placement?: AgentPlacement; agentId: string }> {
    const slot = this.scheduler.tryAcquire(capability);
    if (!slot) return { agentId: await this.check(capability, parameters) };
    try {
      return { placement: { slot, input: await this.validate(slot.capability, parameters) }, agentId: slot.agent.definition.agent_id };
    } catch (error) {
      slot.release('unused');
      throw error;
    }
  }

  /**
   * The agent a task's REQUEST names, found without taking a slot: the first that provides the
   * capability, whose input rules check the parameters (404 when none provides it, 400 when invalid).
   * For a task that will wait in the queue or run in another process.
   */
  async check(capability: string, parameters: Record<string, unknown>): Promise<string> {
    const agent = this.registry.providers(capability)[0];
    if (!agent) throw new NotFoundException(OrchestratorMessages.noAgent(capability));
    await this.validate(agent.definition.capabilities.get(capability)!, parameters);
    return agent.definition.agent_id;
  }

  /**
   * Runs the task's attempts, starting on `first` when it has a slot already. `priorAttempts`: those
   * an earlier run made (a task run again after a restart); they come first in the returned attempts
   * and count toward TASK_MAX_ATTEMPTS: a task that made them all already fails without running.
   * Never rejects.
   */
  async run(target: AttemptTarget, first: AgentPlacement | undefined, priorAttempts: readonly JsonObject[] = []): Promise<TaskAttempts> {
    const { task, signal } = target;
    const attempts: JsonObject[] = [...priorAttempts];
    const tried = new Set<string>();
    let agentId = task.request.to_agent;
    if (attempts.length >= this.config.maxAttempts) {
      first?.slot.release('unused');
      return { result: { success: false, error: OrchestratorMessages.attemptsExhausted(this.config.maxAttempts) }, agentId, attempts };
    }
    let next = first;
    let result: AttemptResult | undefined;
    for (let n = attempts.length + 1; ; n++) {
      if (!next) {
        // After a transport failure, only agents the task has not failed on. When the scheduler refuses
        // (none left is a 404), that failure stays the task's outcome.
        try {
          next = await this.place(task.capability, task.parameters, tried, signal, this.waitMs(task, n));
        } catch (error) {
          if (error instanceof TaskCancelledError) result = { success: false, error: error.message, cancelled: true };
          else if (result === undefined) result = { success: false, error: OrchestratorMessages.describe(error) };
          break;
        }
      }
      const { slot } = next;
      agentId = slot.agent.definition.agent_id;
      // Awaited only when it shares the running agent (a Redis write): no extra turn on one process.
      const told = target.onAgent(agentId, slot.agent.definition.kind !== 'local');
      if (told) await told;
      // Only submitted tasks have a stream: no view is built for the others.
      if (n === priorAttempts.length + 1 && this.events.has(task.request.contract_id)) {
        this.events.publish(task.request.contract_id, 'state', taskView({ ...task.request, to_agent: agentId }, 'working'));
      }
      this.lifecycle.started({
        task_id: task.request.contract_id,
        session_id: task.request.session_id,
        capability: task.capability,
        agent_id: agentId,
        attempt: n,
      });
      const startedAt = Date.now();
      result = await runTask(slot.agent, next.input, target.contextFor(agentId), this.config.taskTimeoutMs, signal);
      slot.release(slotOutcome(result, signal));
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
    return { result, agentId, attempts };
  }

  /**
   * How long attempt `n` may wait for a slot. A task's first attempt counts QUEUE_TIMEOUT_MS from its
   * acceptance, so that time spent in the task queue before a worker took it counts too; a later attempt
   * (failover, or a run after a crash) waits QUEUE_TIMEOUT_MS afresh.
   */
  private waitMs(task: AcceptedTask, n: number): number {
    if (n > 1) return this.config.queueTimeoutMs;
    return Date.parse(task.request.created_at) + this.config.queueTimeoutMs - Date.now();
  }

  /** Validates the parameters against the capability of the agent that will run them (400 when invalid). */
  private async validate(capability: RegisteredCapability, parameters: Record<string, unknown>): Promise<unknown> {
    const input = await capability.validate(parameters);
    if (!input.ok) throw new BadRequestException(input.errors);
    return input.value;
  }
}

/** How the attempt's slot goes back: an attempt stopped on our side says nothing about the agent. */
function slotOutcome(result: AttemptResult, signal: AbortSignal): SlotOutcome {
  if (result.success) return 'completed';
  if (result.cancelled || result.connectionUnavailable || signal.aborted) return 'interrupted';
  return result.transport ? 'transport_error' : 'failed';
}
