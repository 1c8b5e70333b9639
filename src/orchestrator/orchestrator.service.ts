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
import { AgentRegistry, type RegisteredAgent } from '../agents/agent.registry.js';
import { newUlid } from '../common/ids/ulid.js';
import { traceparentFrom } from '../common/tracing/traceparent.js';
import type { Contract, JsonObject } from '../contracts/contract.model.js';
import { ORCHESTRATOR_AGENT_ID } from '../contracts/contract.model.js';
import { ContractRepository, type WriteOptions } from '../contracts/contract.repository.js';
import { TraceOutboxDispatcher } from '../integrations/trace/trace-outbox.dispatcher.js';
import type { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { runTask, TaskCancelledError } from './task-runner.js';

interface AcceptedTask {
  request: Contract;
  capability: string;
  agent: RegisteredAgent;
  input: unknown;
  context: Record<string, unknown>;
  outbox: WriteOptions & { traceparent: string };
}

/**
 * Routes a task to an agent, runs it, and records it (SPEC §5): one transaction for the REQUEST,
 * the agent's run, one transaction closing the REQUEST and adding the RESPONSE, then the answer.
 */
@Injectable()
export class OrchestratorService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(OrchestratorService.name);

  constructor(
    private readonly registry: AgentRegistry,
    private readonly contracts: ContractRepository,
    private readonly trace: TraceOutboxDispatcher,
    @Inject(orchestratorConfig.KEY) private readonly config: ConfigType<typeof orchestratorConfig>,
  ) {}

  /** Background tasks (`submit`) still running; shutdown waits for them. */
  private readonly running = new Set<Promise<unknown>>();
  /** Tasks whose agent is running, by task id, with the way to cancel them and their completion. */
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<unknown> }>();

  /**
   * Runs a task and answers once both contracts are committed (`POST /v1/orchestrate`).
   * `traceparent`: the caller's W3C trace context header; kept in the contracts' metadata and sent with
   * their Trace events. A new trace is started when it is absent or invalid.
   */
  async orchestrate(request: OrchestrateRequestDto, traceparent?: string): Promise<OrchestrateResponseDto> {
    const task = await this.accept(request, traceparent);
    return this.run(task);
  }

  /**
   * Accepts a task, commits its REQUEST and runs it in the background (`POST /v1/tasks`). Returns the
   * task id (the REQUEST contract id) once the REQUEST is durable; routing and validation errors are
   * thrown before anything is written, as for `orchestrate`.
   */
  async submit(request: OrchestrateRequestDto, traceparent?: string): Promise<string> {
    const task = await this.accept(request, traceparent);
    const done = this.run(task)
      .catch((error: unknown) => this.logger.error(OrchestratorMessages.backgroundTaskFailed(task.request.contract_id, error)))
      .finally(() => this.running.delete(done));
    this.running.add(done);
    return task.request.contract_id;
  }

  /**
   * Cancels a running task: its `ctx.signal` fires and, unless it finishes first, its REQUEST ends
   * `cancelled`. Resolves once the outcome is committed; false when the task was not running.
   */
  async cancel(taskId: string): Promise<boolean> {
    const task = this.inFlight.get(taskId);
    if (!task) return false;
    task.controller.abort(new TaskCancelledError(OrchestratorMessages.cancelled()));
    await task.done.catch(() => undefined);
    return true;
  }

  /** Lets background tasks finish (each is bounded by TASK_TIMEOUT_MS) before the store closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Routes and validates the task, then commits its REQUEST (SPEC §5 step 1). */
  private async accept(request: OrchestrateRequestDto, traceparent: string | undefined): Promise<AcceptedTask> {
    const { session_id, capability: capabilityName } = request;
    const route = this.registry.route(capabilityName);
    if (route.kind === 'unknown') throw new NotFoundException(OrchestratorMessages.noAgent(capabilityName));
    if (route.kind !== 'ready') throw new ServiceUnavailableException(OrchestratorMessages.noAgentInService(capabilityName));
    const { agent, capability } = route;

    const parameters = request.parameters ?? {};
    const input = await capability.validate(parameters);
    if (!input.ok) throw new BadRequestException(input.errors);

    const trace = traceparentFrom(traceparent);
    const outbox = { outbox: this.trace.enabled, traceparent: trace };
    const metadata: JsonObject = request.intent === undefined ? { traceparent: trace } : { intent: request.intent, traceparent: trace };
    const requestContract: Contract = {
      contract_id: newUlid(),
      session_id,
      contract_type: 'REQUEST',
      from_agent: ORCHESTRATOR_AGENT_ID,
      to_agent: agent.definition.agent_id,
      capability: capabilityName,
      payload: parameters as JsonObject,
      status: 'in_progress',
      created_at: new Date().toISOString(),
      completed_at: null,
      result: null,
      error: null,
      metadata,
      parent_contract_id: null,
    };
    await this.contracts.insertRequest(requestContract, outbox);
    return { request: requestContract, capability: capabilityName, agent, input: input.value, context: request.context ?? {}, outbox };
  }

  /** Runs the agent and commits the outcome (SPEC §5 steps 2-3). */
  private run(task: AcceptedTask): Promise<OrchestrateResponseDto> {
    const controller = new AbortController();
    const done = this.execute(task, controller).finally(() => this.inFlight.delete(task.request.contract_id));
    this.inFlight.set(task.request.contract_id, { controller, done });
    return done;
  }

  private async execute({ request, capability, agent, input, context, outbox }: AcceptedTask, controller: AbortController): Promise<OrchestrateResponseDto> {
    const agentId = agent.definition.agent_id;
    const { session_id } = request;
    this.registry.acquire(agent);
    const outcome = await runTask(
      agent,
      input,
      {
        task_id: request.contract_id,
        session_id,
        capability,
        context,
        agent_id: agentId,
        traceparent: outbox.traceparent,
        progress: () => undefined,
        delegate: () => Promise.reject(new Error('delegation is not available')),
      },
      this.config.taskTimeoutMs,
      controller,
    );
    this.registry.release(agent, outcome.success ? 'completed' : 'failed');

    const completedAt = new Date().toISOString();
    const data = outcome.success ? outcome.data : null;
    const error = outcome.success ? null : outcome.error;
    const status = outcome.success ? 'completed' : outcome.cancelled ? 'cancelled' : 'failed';
    await this.contracts.completeRequest(
      request.contract_id,
      { status, result: data, error, completed_at: completedAt },
      {
        contract_id: newUlid(),
        session_id,
        contract_type: 'RESPONSE',
        from_agent: agentId,
        to_agent: ORCHESTRATOR_AGENT_ID,
        capability,
        payload: { success: outcome.success, data, error },
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
    this.trace.notify();

    return { success: outcome.success, data, error, contract_id: request.contract_id, agent_id: agentId, timestamp: completedAt };
  }
}
