import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { OrchestratorModule } from '../orchestrator/orchestrator.module.js';
import { queueConfig } from '../queue/queue.config.js';
import { TaskQueueModule } from '../queue/task-queue.module.js';
import { TaskWorker } from './task-worker.js';

/** A worker of the task queue: `node dist/worker.js`, or inside the API process with WORKER_IN_PROCESS=true. */
@Module({
  imports: [ConfigModule.forFeature(queueConfig), TaskQueueModule, OrchestratorModule],
  providers: [TaskWorker],
  exports: [TaskWorker],
})
export class TaskWorkerModule {}
