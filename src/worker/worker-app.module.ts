import { Module } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import { TaskWorkerModule } from './task-worker.module.js';

/**
 * What `node dist/worker.js` runs: the application's modules (agents discovered exactly as in the API
 * process, the store, Trace delivery) with a task-queue worker, and no HTTP server.
 */
@Module({ imports: [AppModule, TaskWorkerModule] })
export class WorkerAppModule {}
