import type { INestApplication } from '@nestjs/common';
import { HttpObserverMiddleware } from './http-observer.middleware.js';

/**
 * Mounts the request observer (request id, `X-Request-Id`, logging context, one log line and one
 * timing per answer) on the Express app. Call it before anything else that can answer (body
 * parsers, CORS), so that it sees every request.
 */
export function useObservability(app: INestApplication): void {
  app.use(app.get(HttpObserverMiddleware).use);
}
