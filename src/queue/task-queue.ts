import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { FAILED_JOBS_KEPT, RUN_TASK_JOB, TASK_QUEUE } from './queue.constants.js';

/** What a job carries: the REQUEST of the task to run (the store holds everything else). */
export interface RunTaskJob {
  task_id: string;
}

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

  /** Whether the queue still has the task (waiting, delayed or running). */
  async holds(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(taskId);
    if (!job) return false;
    const state = await job.getState();
    return state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children';
  }

  /** The queue's connection settings, for the workers that take from it. */
  get options(): Queue['opts'] {
    return this.queue.opts;
  }
}
