import { Controller, Get, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../../auth/index.js';
import { observabilityConfig } from '../observability.config.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { OutboxBacklogHealthIndicator } from './outbox-backlog.health.js';

const DATABASE_UP = { status: 'up', responseTime: 0 };
const OUTBOX_UP = { status: 'up', pending: 0, limit: 100000, oldest_pending_at: null, delivery_enabled: true };
const OUTBOX_DOWN = {
  status: 'down',
  pending: 150000,
  limit: 100000,
  oldest_pending_at: '2026-01-01T00:00:00.000Z',
  delivery_enabled: true,
  message: '150000 Trace outbox events wait for delivery (limit 100000)',
};
/** Terminus repeats every check under `details`, beside `info` (up) or `error` (down). */
const OK_EXAMPLE = {
  status: 'ok',
  info: { database: DATABASE_UP, trace_outbox: OUTBOX_UP },
  error: {},
  details: { database: DATABASE_UP, trace_outbox: OUTBOX_UP },
};
const ERROR_EXAMPLE = {
  status: 'error',
  info: { database: DATABASE_UP },
  error: { trace_outbox: OUTBOX_DOWN },
  details: { database: DATABASE_UP, trace_outbox: OUTBOX_DOWN },
};
const RESULT_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
};

/**
 * Liveness and readiness probes (@nestjs/terminus). Open to anyone, like `/v1/health`, whose
 * answer stays as §4 describes it. A failed check answers 503 with terminus's result as the body.
 */
@ApiTags('health')
@Public()
@Controller('v1/health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    private readonly outbox: OutboxBacklogHealthIndicator,
    @Inject(observabilityConfig.KEY) private readonly config: ConfigType<typeof observabilityConfig>,
  ) {}

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP; checks nothing else' })
  @ApiOkResponse({
    description: 'Alive',
    schema: {
      ...RESULT_SCHEMA,
      example: {
        status: 'ok',
        info: { process: { status: 'up', uptime_seconds: 42 } },
        error: {},
        details: { process: { status: 'up', uptime_seconds: 42 } },
      },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'Shutting down', schema: RESULT_SCHEMA })
  live(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.run(res, [() => this.indicators.check('process').up({ uptime_seconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness: the database answers and the Trace outbox backlog is under READY_MAX_OUTBOX_BACKLOG',
    description: 'Answers 503 while a check fails and once shutdown has begun.',
  })
  @ApiOkResponse({ description: 'Ready to take traffic', schema: { ...RESULT_SCHEMA, example: OK_EXAMPLE } })
  @ApiServiceUnavailableResponse({
    description: 'Not ready: `error` names the failing checks',
    schema: { ...RESULT_SCHEMA, example: ERROR_EXAMPLE },
  })
  ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.run(res, [
      () => this.database.check('database'),
      () => this.outbox.check('trace_outbox', this.config.readyMaxOutboxBacklog),
    ]);
  }

  /** Terminus throws a 503 carrying its result; answer it as is rather than as an API error. */
  private async run(res: Response, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      if (result.status === 'error') {
        const failing = Object.entries(result.error ?? {}).map(([key, detail]) => `${key}: ${String(detail?.message ?? detail?.status)}`);
        this.logger.warn(`Health check failed (${failing.join('; ')})`);
      }
      res.status(503);
      return result;
    }
  }
}
