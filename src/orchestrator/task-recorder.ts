import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { newUlid } from '../common/ids/ulid.js';
import { traceparentFrom } from '../common/tracing/traceparent.js';
import type { Contract, JsonObject } from '../contracts/contract.model.js';
import { ORCHESTRATOR_AGENT_ID } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { RequestAlreadyClosedError } from '../contracts/errors/request-already-closed.error.js';
import { TraceOutboxDispatcher } from '../integrations/trace/trace-outbox.dispatcher.js';
import { acceptedTaskFrom, NO_LINEAGE, type AcceptedTask, type Lineage } from './accepted-task.js';
import type { TaskAttempts } from './attempt-runner.js';
import type { OrchestrateRequestDto } from './dto/orchestrate-request.dto.js';
import type { OrchestrateResponseDto } from './dto/orchestrate-response.dto.js';
import { TaskEventsService } from './events/task-events.service.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { TaskLifecycle } from './task-lifecycle.js';
import { taskView } from './task-view.js';

/** The largest DELEGATION_MAX_DEPTH the configuration accepts: a longer chain is refused whatever the setting. */
const MAX_DELEGATION_DEPTH = 1000;

/** How a sub-task hangs under the task that started it. */
export interface Delegation {
  lineage: Lineage;
  parentId: string;
  fromAgent: string;
  parentSignal?: AbortSignal;
}

/**
 * Records a task's contracts (SPEC §5): the REQUEST when the task is accepted, then the REQUEST closed
 * and the RESPONSE added in one transaction, and tells the task's stream and the lifecycle listeners.
 */
@Injectable()
export class TaskRecorder {
  private readonly logger = new Logger(TaskRecorder.name);

  constructor(
    private readonly contracts: ContractRepository,
    private readonly trace: TraceOutboxDispatcher,
    private readonly events: TaskEventsService,
    private readonly lifecycle: TaskLifecycle,
  ) {}

  /**
   * Commits the REQUEST of a task (SPEC §5 step 1); 503 when the store refuses it. `submitted`: the
   * task runs in the background (`submit`) and so may run again after a restart; its REQUEST says so
   * and, like any REQUEST, keeps a non-empty context, so that the task can be rebuilt from it.
   * `contractId`: the task id, when it was chosen before (a place in the cluster-wide queue is taken for it).
   */
  async recordRequest(
    request: Pick<OrchestrateRequestDto, 'session_id' | 'capability' | 'parameters' | 'context' | 'intent'>,
    traceparent: string | undefined,
    toAgent: string,
    delegation?: Delegation,
    submitted = false,
    contractId: string = newUlid(),
  ): Promise<AcceptedTask> {
    const trace = traceparentFrom(traceparent);
    const outbox = { outbox: this.trace.enabled, traceparent: trace };
    const metadata: JsonObject = request.intent === undefined ? { traceparent: trace } : { intent: request.intent, traceparent: trace };
    if (submitted) metadata.submitted = true;
    // `context: null` is accepted as no context.
    if (request.context != null && Object.keys(request.context).length > 0) metadata.context = request.context as JsonObject;
    const parameters = request.parameters ?? {};
    const contract: Contract = {
      contract_id: contractId,
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

  /** The task of a top-level REQUEST recorded earlier, to run it again (see acceptedTaskFrom). */
  acceptedTask(request: Contract): AcceptedTask {
    return acceptedTaskFrom(request, this.trace.enabled);
  }

  /**
   * A task recorded earlier, as `acceptedTask`, with its place in its chain of delegations read from
   * its ancestors' REQUESTs: a sub-task run on a worker, or a task a replica delegates for, keeps the
   * DELEGATION_MAX_DEPTH bound and the cycle check of the process that started the chain.
   */
  async storedTask(request: Contract): Promise<AcceptedTask> {
    return { ...this.acceptedTask(request), lineage: await this.lineageOf(request) };
  }

  /**
   * Task `taskId` as the store describes it while another process runs it: undefined unless its REQUEST
   * is `in_progress`; `children` counts the sub-tasks recorded under it so far (DELEGATION_MAX_CHILDREN).
   */
  async inProgress(taskId: string): Promise<AcceptedTask | undefined> {
    const request = await this.contracts.findById(taskId);
    if (request?.contract_type !== 'REQUEST' || request.status !== 'in_progress') return undefined;
    const [task, children] = await Promise.all([this.storedTask(request), this.contracts.findChildren([taskId])]);
    task.children = children.filter((child) => child.contract_type === 'REQUEST').length;
    return task;
  }

  /**
   * Closes the REQUEST and adds the RESPONSE in one transaction (SPEC §5 step 3) and answers the caller.
   * When the REQUEST has a final state already (another writer closed it), that state stands and the
   * caller is answered from it. When the store refuses the write, the task's stream ends with an `error`
   * event and the caller gets 503: nobody waits for an outcome that will never be recorded.
   */
  async recordOutcome(task: AcceptedTask, { result, agentId, attempts }: TaskAttempts): Promise<OrchestrateResponseDto> {
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
    const finalStatus =
      closed.status === 'completed' || closed.status === 'failed' || closed.status === 'cancelled' ? closed.status : status;
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

  /** The capabilities of the REQUESTs above `request`, outermost first (walked no further than any depth limit allows). */
  private async lineageOf(request: Contract): Promise<Lineage> {
    const chain: string[] = [];
    let parentId = request.parent_contract_id;
    while (parentId !== null && chain.length <= MAX_DELEGATION_DEPTH) {
      const parent = await this.contracts.findById(parentId);
      if (parent === undefined) break;
      chain.unshift(parent.capability ?? '');
      parentId = parent.parent_contract_id;
    }
    return chain.length === 0 ? NO_LINEAGE : { depth: chain.length, chain };
  }

  /**
   * The store refused to record a task's outcome (disk full, database busy beyond the busy timeout):
   * logs it, ends the task's event stream with an `error` event, and returns the 503 for the caller.
   * The REQUEST stays `in_progress` in the store; the next start runs it again or closes it as interrupted.
   */
  private notRecorded(taskId: string, failure: unknown): ServiceUnavailableException {
    this.logger.error(OrchestratorMessages.outcomeNotRecordedCause(taskId, failure));
    const message = OrchestratorMessages.outcomeNotRecorded(taskId);
    if (this.events.has(taskId))
      this.events.publish(taskId, 'error', { task_id: taskId, error: message, at: new Date().toISOString() }, true);
    return new ServiceUnavailableException(message);
  }
}
