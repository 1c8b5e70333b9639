import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { ClusterLimits } from './cluster-limits.js';
import { queueConfig } from './queue.config.js';
import { TASK_QUEUE } from './queue.constants.js';
import { TaskQueue } from './task-queue.js';
import { TaskSignals } from './task-signals.js';

/**
 * The BullMQ task queue on Redis, the pub/sub signals beside it (task events, cancellation) and the
 * limits that hold across the cluster (agents' slots, capability queues).
 * Imported only when REDIS_URL is set (ConditionalModule in OrchestratorModule).
 */
@Module({
  imports: [
    ConfigModule.forFeature(queueConfig),
    BullModule.forRootAsync({
      imports: [ConfigModule.forFeature(queueConfig)],
      inject: [queueConfig.KEY],
      // `maxRetriesPerRequest: null`: a worker's commands wait for Redis to come back instead of failing.
      useFactory: (config: ConfigType<typeof queueConfig>) => ({
        connection: { url: config.redisUrl, maxRetriesPerRequest: null },
        prefix: config.keyPrefix,
      }),
    }),
    BullModule.registerQueue({ name: TASK_QUEUE }),
  ],
  providers: [ClusterLimits, TaskQueue, TaskSignals],
  exports: [ClusterLimits, TaskQueue, TaskSignals],
})
export class TaskQueueModule {}
