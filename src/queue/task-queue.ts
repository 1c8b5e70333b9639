import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { FAILED_JOBS_KEPT, RUN_TASK_JOB, TASK_QUEUE } from './queue.constants.js';

/** What a job carries: the REQUEST of the task to run (the store holds everything else). */
export interface RunTaskJob {
  task_id: string;
  /**
   * Set when the job was put back after a run that ended without recording the task's outcome (the
   * job failed while its REQUEST stayed `in_progress`): why that run ended. Its next run records it as
   * a lost attempt.
   */
  failed_run?: string;
}

/** What the queue holds for a task (see TaskQueue.jobsOf). */
export type TaskJob = 'none' | 'queued' | 'failed';

/** The producer side of the task queue: API replicas put accepted tasks on it. */
@Injectable()
export class TaskQueue {
  constructor(@InjectQueue(TASK_QUEUE) private readonly queue: Queue<RunTaskJob>) {}

  /**
   * Puts the task on the queue. The job id is the task id, so adding a task that is queued already
   * adds nothing (an orphan sweep may add a task twice).
   */
  async enqueue(taskId: string): Promise<void> {
    await this.queue.add(RUN_TASK_JOB, { task_id: taskId }, { jobId: taskId, removeOnComplete: true, removeOnFail: FAILED_JOBS_KEPT });
  }

  /** Takes a task off the queue before any worker starts it; false when a worker has it (or it is gone). */
  async removeWaiting(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(taskId);
    if (!job || !(await job.isWaiting())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      // A worker took it meanwhile (a locked job cannot be removed).
      return false;
    }
  }

  /**
   * What the queue holds for each of `taskIds`, in their order: no job, a failed job, or a job still to
   * run or running ('queued'; completed jobs are removed). Two constant-time reads per task, all sent
   * at once: BullMQ's getJobState searches the wait and active lists, slow with thousands in flight.
   */
  async jobsOf(taskIds: readonly string[]): Promise<TaskJob[]> {
    const client = await this.queue.getBackend().client;
    const failedKey = this.queue.keys.failed!;
    return Promise.all(
      taskIds.map(async (taskId): Promise<TaskJob> => {
        // Every job's hash has its `data`.
        const [exists, failedAt] = await Promise.all([client.hexists(this.queue.toKey(taskId), 'data'), client.zscore(failedKey, taskId)]);
        return exists === 0 ? 'none' : failedAt === null ? 'queued' : 'failed';
      }),
    );
  }

  /**
   * Puts back on the queue a task whose job failed (its run threw) while its REQUEST stayed
   * `in_progress`. The job keeps its id, so no other job of the task can exist meanwhile. Its count of
   * starts is reset, so that its next run does not take the failed one for a stopped worker's; that
   * run records it from `failed_run` instead. False when the job is not failed (any more).
   */
  async putBack(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(taskId);
    if (!job || (await job.getState()) !== 'failed') return false;
    await job.updateData({ task_id: taskId, failed_run: job.failedReason });
    try {
      // Atomic: of two processes putting it back at once, one moves it, the other is refused.
      await job.retry('failed', { resetAttemptsStarted: true, resetAttemptsMade: true });
      return true;
    } catch (error) {
      // Refused: another process put it back first (a worker may have it now). Anything else is an error.
      if ((await this.queue.getJobState(taskId)) === 'failed') throw error;
      return false;
    }
  }

  /**
   * Takes the lock `name`, shared by every process on this queue, for `ms` (SET NX PX under the queue's
   * key prefix); false while another process holds it. It is not released: it expires.
   */
  async takeLock(name: string, ms: number): Promise<boolean> {
    const client = (await this.queue.getBackend().client) as unknown as LockClient;
    return (await client.set(this.queue.toKey(name), String(process.pid), 'PX', ms, 'NX')) === 'OK';
  }

  /** The queue's connection settings, for the workers that take from it. */
  get options(): Queue['opts'] {
    return this.queue.opts;
  }
}

/** BullMQ's ioredis client takes SET's options as ioredis does (its own typing lists PX and EX only). */
interface LockClient {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<string | null>;
}
