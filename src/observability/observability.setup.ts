import type { INestApplication } from '@nestjs/common';
import type { HttpLogger } from 'pino-http';
import { HTTP_LOGGER } from './logging/logging.constants.js';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware.js';

/**
 * Mounts the request logger (request id, `X-Request-Id`, one log line per answer) and the HTTP
 * timer on the Express app. Call it before anything else that can answer (body parsers, CORS), so
 * that they see every request.
 */
export function useObservability(app: INestApplication): void {
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
  app.use(app.get(HttpMetricsMiddleware).use);
}
