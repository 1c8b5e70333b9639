import { readFileSync } from 'node:fs';

/** Name and version of the service, as `/v1/health` reports them. */
export const SERVICE_NAME = 'agent-orchestrator';
export const SERVICE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
export const SERVICE_DESCRIPTION = 'Multi-agent coordination for TraceOS';

/** Largest request body accepted (SPEC §4): larger ones get 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The health checks: `/v1/health` (the Python service's) and the liveness and readiness probes. */
export const HEALTH_ROUTES: readonly string[] = ['/v1/health', '/v1/health/live', '/v1/health/ready'];
