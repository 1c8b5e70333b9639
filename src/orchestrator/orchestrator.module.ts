import { Module } from '@nestjs/common';
import { ConditionalModule, ConfigModule } from '@nestjs/config';
import { AgentsModule } from '../agents/agents.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { IntegrationsModule } from '../integrations/integrations.module.js';
import { TaskQueueModule } from '../queue/task-queue.module.js';
import { AttemptRunner } from './attempt-runner.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorController } from './orchestrator.controller.js';
import { OrchestratorService } from './orchestrator.service.js';
import { TaskEventsService } from './events/task-events.service.js';
import { InterruptedTasksRecovery } from './interrupted-tasks.recovery.js';
import { AgentScheduler } from './routing/agent-scheduler.js';
import { OrphanedTasksSweep } from './orphaned-tasks.sweep.js';
import { QueuedTaskRunner } from './queued-task-runner.js';
import { TaskDistribution } from './task-distribution.js';
import { TaskLifecycle } from './task-lifecycle.js';
import { TaskRecorder } from './task-recorder.js';
import { TasksInFlight } from './tasks-in-flight.js';
import { StatusService } from './status.service.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

/**
 * Routing and execution of tasks (synchronous and submitted), compression, status and health, and the
 * restart recovery of tasks a crash interrupted (server only: no CLI imports this module), and with
 * workers the sweep that puts back on the queue the tasks nothing would run.
 */
@Module({
  imports: [
    ConfigModule.forFeature(orchestratorConfig),
    AgentsModule,
    ContractsModule,
    IntegrationsModule,
    // With REDIS_URL, tasks go to workers through the BullMQ task queue (TaskDistribution).
    ConditionalModule.registerWhen(TaskQueueModule, (env) => Boolean(env.REDIS_URL), { debug: false }),
  ],
  controllers: [OrchestratorController, TasksController],
  providers: [
    AgentScheduler,
    AttemptRunner,
    InterruptedTasksRecovery,
    OrchestratorService,
    OrphanedTasksSweep,
    QueuedTaskRunner,
    StatusService,
    TaskDistribution,
    TaskEventsService,
    TaskLifecycle,
    TaskRecorder,
    TasksInFlight,
    TasksService,
  ],
  exports: [OrchestratorService, AgentScheduler, OrphanedTasksSweep, QueuedTaskRunner, TaskLifecycle, TasksService, TaskEventsService],
})
export class OrchestratorModule {}
