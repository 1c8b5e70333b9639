import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Contract } from '../contracts/contract.model.js';
import { ContractRepository } from '../contracts/contract.repository.js';
import { TaskQueue } from '../queue/task-queue.js';
import { OrchestratorMessages } from './orchestrator.messages.js';

/** REQUESTs read per batch; their jobs are looked up together. */
const SWEEP_BATCH_SIZE = 500;

/** The lock (under the task queue's key prefix) that lets one process of the cluster sweep per round. */
const SWEEP_LOCK = 'orphan-sweep';

/** What one round put back on the task queue. */
export interface SweepRound {
  /** Tasks whose REQUEST is `in_progress` with no job: queued now. */
  notQueued: number;
  /** Tasks whose job failed (the run threw) while their REQUEST stayed `in_progress`: put back. */
  failedRuns: number;
}

/**
 * With workers, the counterpart of InterruptedTasksRecovery: puts back on the task queue the tasks
 * that nothing would ever run. An API replica commits a task's REQUEST, then queues it; one killed in
 * between leaves a REQUEST `in_progress` with no job. A run that threw (the store refused its outcome)
 * leaves a failed job and the REQUEST `in_progress`. Both are put back, so every acknowledged task
 * finishes; a put-back failed run is recorded as a lost attempt and counts toward TASK_MAX_ATTEMPTS.
 *
 * TaskWorker starts it with the worker, so it runs where workers run. A round runs at start, then every
 * `periodMs` (WORKER_STALL_MS); of all the processes, the one that takes the round's Redis lock sweeps.
 * Only top-level REQUESTs older than `periodMs` are considered: a replica queues a task within one Redis
 * round trip of committing it, and a sub-task is run (or not) by its parent's run.
 */
@Injectable()
export class OrphanedTasksSweep {
  private readonly logger = new Logger(OrphanedTasksSweep.name);
  private timer?: NodeJS.Timeout;
  private round: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(
    private readonly contracts: ContractRepository,
    @Optional() private readonly queue?: TaskQueue,
  ) {}

  /** Sweeps now, then every `periodMs`, until `stop`. */
  start(periodMs: number): void {
    if (this.running || !this.queue) return;
    this.running = true;
    const next = () => {
      this.round = this.sweep(periodMs)
        .then((swept) => this.report(swept))
        .catch((error: unknown) => this.logger.error(OrchestratorMessages.orphanSweepFailed(error)))
        .finally(() => {
          // Rounds never overlap in one process; the timer does not keep a stopping process alive.
          if (this.running) this.timer = setTimeout(next, periodMs).unref();
        });
    };
    next();
  }

  /** Stops sweeping; resolves once a round under way has ended. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
  }

  /**
   * One round: undefined when another process holds the round's lock (it sweeps), else what was put
   * back. `graceMs`: how old a REQUEST must be to count as never queued; also how long the lock is held.
   */
  async sweep(graceMs: number): Promise<SweepRound | undefined> {
    const queue = this.queue!;
    if (!(await queue.takeLock(SWEEP_LOCK, graceMs))) return undefined;
    const createdBefore = Date.now() - graceMs;
    const swept: SweepRound = { notQueued: 0, failedRuns: 0 };
    for await (const batch of this.contracts.scanInProgressRequests({ batchSize: SWEEP_BATCH_SIZE })) {
      const candidates = batch.filter((request) => this.candidate(request, createdBefore)).map((request) => request.contract_id);
      if (candidates.length === 0) continue;
      const jobs = await queue.jobsOf(candidates);
      // A job is removed once its task is closed: one that finished since the batch was read has no
      // job now, but its REQUEST, read again, is closed.
      const notQueued = await this.stillInProgress(candidates.filter((_, i) => jobs[i] === 'none'));
      const failed = candidates.filter((_, i) => jobs[i] === 'failed');
      // The job id is the task id: a task queued meanwhile (by a slow replica) is not queued twice.
      await Promise.all(notQueued.map((taskId) => queue.enqueue(taskId)));
      const putBack = await Promise.all(failed.map((taskId) => queue.putBack(taskId)));
      swept.notQueued += notQueued.length;
      swept.failedRuns += putBack.filter(Boolean).length;
    }
    return swept;
  }

  /** Those of `taskIds` whose REQUEST is still `in_progress` (few: tasks with no job are rare). */
  private async stillInProgress(taskIds: string[]): Promise<string[]> {
    const requests = await Promise.all(taskIds.map((taskId) => this.contracts.findById(taskId)));
    return taskIds.filter((_, i) => requests[i]?.status === 'in_progress');
  }

  private candidate(request: Contract, createdBefore: number): boolean {
    return request.parent_contract_id === null && Date.parse(request.created_at) < createdBefore;
  }

  private report(swept: SweepRound | undefined): void {
    if (swept && swept.notQueued + swept.failedRuns > 0)
      this.logger.warn(OrchestratorMessages.tasksPutBack(swept.notQueued, swept.failedRuns));
  }
}
