import { Module, type FactoryProvider } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import type { Logger } from 'pino';
import type { HttpLogger } from 'pino-http';
import { appConfig } from '../../app.config.js';
import { observabilityConfig } from '../observability.config.js';
import { createHttpLogger } from './http-logger.js';
import { HTTP_LOGGER, ROOT_LOGGER } from './logging.constants.js';
import { createRootLogger } from './root-logger.js';

const rootLoggerProvider: FactoryProvider<Logger> = {
  provide: ROOT_LOGGER,
  inject: [appConfig.KEY, observabilityConfig.KEY],
  useFactory: (app: ConfigType<typeof appConfig>, observability: ConfigType<typeof observabilityConfig>) =>
    createRootLogger({ level: app.logLevel, format: observability.logFormat }),
};

const httpLoggerProvider: FactoryProvider<HttpLogger> = {
  provide: HTTP_LOGGER,
  inject: [ROOT_LOGGER],
  useFactory: (root: Logger) => createHttpLogger(root),
};

/** The app's pino root logger (level from LOG_LEVEL, format from NODE_ENV) and its HTTP request logger. */
@Module({
  imports: [ConfigModule.forFeature(observabilityConfig)],
  providers: [rootLoggerProvider, httpLoggerProvider],
  exports: [ROOT_LOGGER, HTTP_LOGGER],
})
export class LoggingModule {}
