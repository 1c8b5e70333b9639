import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLoggerService } from 'nestjs-pino';
import { loadAppConfig } from './app.config.js';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { logLevelsFrom } from './common/logging/log-levels.js';

async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
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
  const address = app.getHttpServer().address() as AddressInfo;
  Logger.log(`Agent Orchestrator listening on http://${config.host}:${address.port} (docs at /docs)`, 'Bootstrap');
}

try {
  await bootstrap();
} catch (error) {
  // A bad configuration or an agent that breaks the rules stops start-up with its message.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
}
