import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLoggerService } from 'nestjs-pino';
import { loadAppConfig } from './app.config.js';
import { logLevelsFrom } from './common/logging/log-levels.js';
import { settlesWithin } from './common/shutdown/settles-within.js';
import { loadShutdownConfig } from './common/shutdown/shutdown.config.js';
import { loadQueueConfig } from './queue/queue.config.js';
import { TaskWorker } from './worker/task-worker.js';
import { WorkerAppModule } from './worker/worker-app.module.js';

/**
 * A worker of the task queue (`npm run worker`): runs the tasks API replicas put on it. It serves no
 * HTTP API. SIGTERM/SIGINT: stop taking tasks and let those running finish within SHUTDOWN_TIMEOUT_MS;
 * what is still running then is left to the queue, and another worker runs it again after
 * WORKER_STALL_MS (it is not cancelled: a deploy does not end anyone's task).
 */
async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
  const shutdownConfig = loadShutdownConfig();
  if (loadQueueConfig().redisUrl === undefined) {
    throw new Error('A worker takes its tasks from the task queue: set REDIS_URL (and DATABASE_URL to a postgres:// URL)');
  }
  const app = await NestFactory.createApplicationContext(WorkerAppModule, {
    abortOnError: false,
    logger: logLevelsFrom(config.logLevel),
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLoggerService));
  await app.init();
  const worker = app.get(TaskWorker);
  const logger = new Logger('Worker');
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stopping = true;
    logger.log(`${signal}: taking no more tasks; those running get up to ${shutdownConfig.timeoutMs} ms`);
    if (await settlesWithin(worker.stop(), shutdownConfig.timeoutMs)) {
      await app.close();
      logger.log('Stopped');
    } else {
      logger.warn('Tasks still running are left to the queue: another worker runs them again');
    }
    process.exit(0);
  };
  // A second signal exits at once (the handler sees `stopping`).
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
  worker.start();
}

try {
  await bootstrap();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
}
