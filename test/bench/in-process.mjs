// The orchestration service called directly, without HTTP: a Nest application context over the
// compiled AppModule (dist/), in the bench process, on a temporary DATA_DIR.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, makeDataDir, removeDataDir } from './server.mjs';
import { percentile, round } from './load.mjs';

const distModule = (path) => import(pathToFileURL(join(DIST, path)).href);

/**
 * Awaits `OrchestratorService.orchestrate()` for echo `calls` times, one after the other (fresh
 * session id each), after `warmup` untimed calls; each call timed with process.hrtime.bigint().
 */
export async function inProcess({ warmup, calls }) {
  await import('reflect-metadata');
  const dataDir = makeDataDir('in-process');
  const saved = { DATA_DIR: process.env.DATA_DIR, TRACE_URL: process.env.TRACE_URL, MEMAGENT_URL: process.env.MEMAGENT_URL, LOG_LEVEL: process.env.LOG_LEVEL };
  process.env.DATA_DIR = dataDir;
  process.env.LOG_LEVEL = 'warn';
  delete process.env.TRACE_URL;
  delete process.env.MEMAGENT_URL;
  let app;
  try {
    const { NestFactory } = await import('@nestjs/core');
    const { AppModule } = await distModule('app.module.js');
    const { OrchestratorService } = await distModule('orchestrator/orchestrator.service.js');
    app = await NestFactory.createApplicationContext(AppModule, { logger: ['fatal', 'error', 'warn'], abortOnError: false });
    const service = app.get(OrchestratorService);
    const prefix = `inproc-${Date.now().toString(36)}`;
    let n = 0;
    const call = () =>
      service.orchestrate({ session_id: `${prefix}-${(n++).toString(36)}`, capability: 'echo', parameters: { text: 'Hello, Agent Orchestrator!' } });

    const first = await call();
    if (!first.success) throw new Error(`in-process echo failed: ${JSON.stringify(first)}`);
    for (let i = 0; i < warmup; i++) await call();

    const times = new Float64Array(calls);
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      await call();
      times[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    const sorted = Array.from(times).sort((a, b) => a - b);
    return {
      calls,
      warmup,
      calls_per_sec: round((calls / totalMs) * 1000, 1),
      p50_ms: round(percentile(sorted, 0.5), 4),
      p99_ms: round(percentile(sorted, 0.99), 4),
      mean_ms: round(totalMs / calls, 4),
    };
  } finally {
    if (app) await app.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    removeDataDir(dataDir);
  }
}
