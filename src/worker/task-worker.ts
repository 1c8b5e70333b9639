import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Worker, type Job } from 'bullmq';
import { OrphanedTasksSweep } from '../orchestrator/orphaned-tasks.sweep.js';
import { QueuedTaskRunner } from '../orchestrator/queued-task-runner.js';
import { queueConfig } from '../queue/queue.config.js';
import { TASK_QUEUE } from '../queue/queue.constants.js';
import { TaskQueue, type RunTaskJob } from '../queue/task-queue.js';

/**
 * Takes tasks off the BullMQ task queue and runs them here (`node dist/worker.js`, or inside the API
 * process with WORKER_IN_PROCESS=true): the REQUEST is read from the store, the task runs as any task
 * of this process (agents, failover, delegation, events), and its outcome is recorded.
 *
 * A worker that dies mid-task stops renewing the job's lock; after WORKER_STALL_MS another worker's
 * stalled-job check puts it back on the queue, and the next run records the lost attempt first.
 *
 * While it takes tasks, it also takes part in the sweep for tasks nothing would run (OrphanedTasksSweep):
 * a REQUEST left `in_progress` with no job, or with a failed one, goes back on the queue.
 *
 * The worker is built here rather than with `@Processor`, whose options are fixed when the class is
 * declared: these come from the environment at start-up.
 */
@Injectable()
export class TaskWorker implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskWorker.name);
  private worker?: Worker<RunTaskJob>;

  constructor(
    private readonly queue: TaskQueue,
    private readonly runner: QueuedTaskRunner,
    private readonly orphans: OrphanedTasksSweep,
    @Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>,
  ) {}

  /** Starts taking tasks; called once the application is up (every agent discovered and restored). */
  start(): void {
    if (this.worker) return;
    const { connection, prefix } = this.queue.options;
    this.worker = new Worker<RunTaskJob>(TASK_QUEUE, (job) => this.process(job), {
      connection,
      prefix,
      concurrency: this.config.workerConcurrency,
      lockDuration: this.config.stallMs,
      stalledInterval: Math.max(500, Math.floor(this.config.stallMs / 2)),
      // The task's own attempt bound (TASK_MAX_ATTEMPTS) decides when a task stops being run again.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', (error) => this.logger.error(`Task queue: ${error.message}`));
    this.worker.on('failed', (job, error) => this.logger.error(`Task ${job?.id ?? '?'} failed on the queue: ${error.message}`));
    this.orphans.start(this.config.stallMs);
    this.logger.log(
      `Worker taking tasks (up to ${this.config.workerConcurrency} at once; a stopped worker's tasks run again after ${this.config.stallMs} ms)`,
    );
  }

  /** Stops taking tasks and waits for those running here to finish. */
  async stop(): Promise<void> {
    await this.orphans.stop();
    await this.worker?.close();
    this.worker = undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private process(job: Job<RunTaskJob>): Promise<void> {
    // A job started before (attemptsStarted counts each start) lost its worker on the way; one put back
    // after a failed run (its count of starts reset then) says why that run ended.
    return this.runner.run(job.data.task_id, job.attemptsStarted > 1, job.data.failed_run);
  }
}
