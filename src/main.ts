import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLoggerService } from 'nestjs-pino';
import { loadAppConfig } from './app.config.js';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { connectionBudgetMessage, outboundConnectionBudget } from './common/http/connection-budget.js';
import { logLevelsFrom } from './common/logging/log-levels.js';
import { installGracefulShutdown } from './common/shutdown/graceful-shutdown.js';
import { loadShutdownConfig } from './common/shutdown/shutdown.config.js';
import { OrchestratorService } from './orchestrator/orchestrator.service.js';
import { loadQueueConfig } from './queue/queue.config.js';
import { TaskWorker } from './worker/task-worker.js';

async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
  const shutdownConfig = loadShutdownConfig();
  const queueConfig = loadQueueConfig();
  const app = await NestFactory.create(AppModule, {
    bodyParser: false,
    abortOnError: false,
    logger: logLevelsFrom(config.logLevel),
    // Held until pino takes over below, so that start-up lines come out in the same format.
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLoggerService));
  configureApp(app, config);
  await app.listen(config.port, config.host);
  // SIGTERM/SIGINT: refuse new tasks, let those in flight finish (then cancel them), close, exit 0.
  // Installed before the "listening" line, so a signal sent as soon as that line appears is handled.
  installGracefulShutdown({
    app,
    server: app.getHttpServer(),
    tasks: app.get(OrchestratorService),
    timeoutMs: shutdownConfig.timeoutMs,
    logger: new Logger('Shutdown'),
    exit: (code) => process.exit(code),
  });
  const address = app.getHttpServer().address() as AddressInfo;
  Logger.log(`Agent Orchestrator listening on http://${config.host}:${address.port} (dashboard at /ui, docs at /docs)`, 'Bootstrap');
  Logger.log(connectionBudgetMessage(outboundConnectionBudget()), 'Bootstrap');
  if (queueConfig.redisUrl !== undefined) {
    Logger.log(`Tasks run on workers of the task queue at ${new URL(queueConfig.redisUrl).host}`, 'Bootstrap');
    // WORKER_IN_PROCESS: this process is one of them too (AppModule imports the worker then).
    if (queueConfig.workerInProcess) app.get(TaskWorker).start();
  }
}

try {
  await bootstrap();
} catch (error) {
  // A bad configuration or an agent that breaks the rules stops start-up with its message.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
}
