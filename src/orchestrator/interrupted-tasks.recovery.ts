import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AgentRegistry } from '../agents/agent.registry.js';
import type { Contract, JsonObject } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { INTERRUPTED_TASK_ERROR } from '../contracts/contracts.constants.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { OrchestratorService } from './orchestrator.service.js';
import { TaskDistribution } from './task-distribution.js';

/** REQUESTs read (and those to fail closed) per batch. */
const RECOVERY_BATCH_SIZE = 500;

/**
 * Most interrupted tasks run again at once; the others start as these finish, so that they do not
 * fill the capability queues (QUEUE_MAX) that new tasks need too.
 */
const RESUME_CONCURRENCY = 16;

/** A task to run again: its REQUEST id and the agent its lost attempt was on. */
interface Resumable {
  contractId: string;
  agentId: string;
}

/**
 * SPEC §5: what happens at start to the REQUESTs a crash left `in_progress`. A submitted task (its
 * caller has the task id and expects an outcome) whose capability every provider declares resumable
 * runs again, at least once in all: the lost attempt is added to its REQUEST's `metadata.attempts`
 * first. Every other one is closed as failed: a synchronous task's caller is gone, a sub-task is
 * started again by its parent when the parent runs again, and a capability that opted out (or that
 * no agent provides any more) must not run twice.
 *
 * Only the server runs this: it lives in OrchestratorModule, which no CLI imports, because a CLI
 * opened beside a running server would otherwise take that server's live tasks for interrupted ones.
 * `onApplicationBootstrap` runs once every module is initialised (remote agents restored) and before
 * the HTTP server listens, so no task of this run exists yet while the store is read; the tasks run
 * again in the background, and start-up does not wait for them.
 */
@Injectable()
export class InterruptedTasksRecovery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InterruptedTasksRecovery.name);
  private resuming: Promise<void> = Promise.resolve();

  constructor(
    private readonly contracts: ContractRepository,
    private readonly registry: AgentRegistry,
    private readonly orchestrator: OrchestratorService,
    private readonly distribution: TaskDistribution,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // With workers the task queue owns the tasks in flight: a task whose worker died runs again on
    // another, and no process may take another's live tasks for interrupted ones.
    if (this.distribution.enabled) return;
    const failedAt = new Date().toISOString();
    const toResume: Resumable[] = [];
    let closed = 0;
    for await (const batch of this.contracts.scanInProgressRequests({ batchSize: RECOVERY_BATCH_SIZE })) {
      const toFail: string[] = [];
      for (const request of batch) {
        if (this.resumable(request)) toResume.push({ contractId: request.contract_id, agentId: request.to_agent });
        else toFail.push(request.contract_id);
      }
      closed += await this.contracts.failInterrupted(toFail, INTERRUPTED_TASK_ERROR, failedAt);
    }
    if (closed > 0) this.logger.warn(OrchestratorMessages.interruptedTasksClosed(closed));
    if (toResume.length > 0) {
      this.logger.warn(OrchestratorMessages.interruptedTasksResumed(toResume.length));
      this.resuming = this.resumeAll(toResume);
    }
  }

  /**
   * Shutdown stops starting interrupted tasks (those not started yet stay `in_progress` for the next
   * start); those running are drained with the others.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.orchestrator.stopAccepting();
    await this.resuming;
  }

  private resumable(request: Contract): boolean {
    return request.parent_contract_id === null && request.metadata.submitted === true && this.registry.resumable(request.capability ?? '');
  }

  private async resumeAll(tasks: readonly Resumable[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < tasks.length && this.orchestrator.isAccepting()) await this.resume(tasks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, tasks.length) }, lane));
  }

  /** Records the lost attempt (durably, before anything runs), then runs the task again. */
  private async resume({ contractId, agentId }: Resumable): Promise<void> {
    try {
      const lost: JsonObject = { agent_id: agentId, started_at: null, duration_ms: null, error: OrchestratorMessages.interruptedAttempt() };
      const request = await this.contracts.recordInterruptedAttempt(contractId, lost);
      // No longer in_progress: nothing to run.
      if (request === undefined) return;
      await this.orchestrator.runAgain(request, request.metadata.attempts as JsonObject[]);
    } catch (error) {
      this.logger.error(OrchestratorMessages.resumeFailed(contractId, error));
    }
  }
}
