import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AgentsModule } from '../agents/agents.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { IntegrationsModule } from '../integrations/integrations.module.js';
import { OrchestratorModule } from '../orchestrator/orchestrator.module.js';
import { DatabaseHealthIndicator } from './health/database.health.js';
import { HttpObserverMiddleware } from './http-observer.middleware.js';
import { HealthController } from './health/health.controller.js';
import { OutboxBacklogHealthIndicator } from './health/outbox-backlog.health.js';
import { httpSerializers } from './logging/http-logger.js';
import { ROOT_LOGGER } from './logging/logging.constants.js';
import { LoggingModule } from './logging/logging.module.js';
import { TaskLogListener } from './logging/task-log.listener.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { observabilityConfig } from './observability.config.js';

/**
 * Logs, metrics and probes. Structured logs through pino (nestjs-pino for Nest's own `Logger`), one
 * line per HTTP answer and per task start/end; Prometheus metrics at `/metrics`; liveness and
 * readiness at `/v1/health/live` and `/v1/health/ready`. Request ids, request lines, the HTTP timer
 * and each request's logging context are one Express middleware (HttpObserverMiddleware) mounted by
 * `useObservability(app)` (app.setup.ts) ahead of the body parsers, so that every answer, a 404 or a
 * malformed body included, is logged, timed and carries `X-Request-Id`.
 */
@Module({
  imports: [
    ConfigModule.forFeature(observabilityConfig),
    LoggingModule,
    // Nest's Logger writes through nestjs-pino's root, a child of ours: lines written while a request
    // is handled carry `req` through the root's mixin (request-context.ts). nestjs-pino's own
    // per-request middleware is not mounted (forRoutes: []): no child logger per request.
    LoggerModule.forRootAsync({
      imports: [LoggingModule],
      inject: [ROOT_LOGGER],
      useFactory: (root: Logger): Params => ({
        pinoHttp: { logger: root, wrapSerializers: false, serializers: httpSerializers },
        useExisting: true,
        forRoutes: [],
      }),
    }),
    // Failed checks are logged by HealthController at `warn`, not by terminus at `error`.
    TerminusModule.forRoot({ logger: false }),
    AgentsModule,
    ContractsModule,
    DatabaseModule,
    IntegrationsModule,
    OrchestratorModule,
  ],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, HttpObserverMiddleware, TaskLogListener, DatabaseHealthIndicator, OutboxBacklogHealthIndicator],
  exports: [MetricsService],
})
export class ObservabilityModule {}
