import { Injectable } from '@nestjs/common';
import { AgentRegistry } from '../agents/agent.registry.js';
import { RemoteAgentsSync } from '../agents/remote/remote-agents.sync.js';
import type { JsonObject } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { recordedAttempts } from './accepted-task.js';
import { OrchestratorMessages } from './orchestrator.messages.js';
import { OrchestratorService } from './orchestrator.service.js';
import { TaskDistribution } from './task-distribution.js';

/** Runs, on a worker, a task taken off the task queue: its REQUEST says what to run. */
@Injectable()
export class QueuedTaskRunner {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly orchestrator: OrchestratorService,
    private readonly distribution: TaskDistribution,
    private readonly registry: AgentRegistry,
    private readonly remoteAgents: RemoteAgentsSync,
  ) {}

  /**
   * Runs the task of REQUEST `taskId` unless it is finished already (or was cancelled while queued).
   * `interrupted`: the previous start of this job stopped with its worker. Otherwise `failedRun`: a run
   * of the task ended without recording its outcome (why), and the job was put back on the queue. That
   * lost attempt is recorded in the REQUEST first, and counts toward TASK_MAX_ATTEMPTS.
   */
  async run(taskId: string, interrupted: boolean, failedRun?: string): Promise<void> {
    let request = await this.contracts.findById(taskId);
    if (request?.contract_type !== 'REQUEST' || request.status !== 'in_progress') return;
    const lostError = interrupted
      ? OrchestratorMessages.workerStopped()
      : failedRun === undefined
        ? undefined
        : OrchestratorMessages.failedRunPutBack(failedRun);
    if (lostError !== undefined) {
      const lost: JsonObject = { agent_id: request.to_agent, started_at: null, duration_ms: null, error: lostError };
      request = await this.contracts.recordInterruptedAttempt(taskId, lost);
      if (!request) return;
    }
    if (this.distribution.takeCancelRequest(taskId)) {
      await this.distribution.recordCancelled(request);
      return;
    }
    // Accepted by a replica that knows an agent this worker may not have read yet.
    if (this.registry.providers(request.capability ?? '').length === 0) await this.remoteAgents.now();
    const prior = recordedAttempts(request);
    await this.orchestrator.runAgain(request, prior);
  }
}
