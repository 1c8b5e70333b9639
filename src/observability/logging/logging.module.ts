import { Module, type FactoryProvider } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import type { Logger } from 'pino';
import { appConfig } from '../../app.config.js';
import { observabilityConfig } from '../observability.config.js';
import { ROOT_LOGGER } from './logging.constants.js';
import { createRootLogger } from './root-logger.js';

const rootLoggerProvider: FactoryProvider<Logger> = {
  provide: ROOT_LOGGER,
  inject: [appConfig.KEY, observabilityConfig.KEY],
  useFactory: (app: ConfigType<typeof appConfig>, observability: ConfigType<typeof observabilityConfig>) =>
    createRootLogger({ level: app.logLevel, format: observability.logFormat }),
};

/** The app's pino root logger (level from LOG_LEVEL, format from NODE_ENV). */
@Module({
  imports: [ConfigModule.forFeature(observabilityConfig)],
  providers: [rootLoggerProvider],
  exports: [ROOT_LOGGER],
})
export class LoggingModule {}
