import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { dropTestDatabase, testStoreEnv } from './test-database.js';

export interface TestApp {
  app: INestApplication;
  server: Server;
  dataDir: string;
  /** Closes the app (once); removes the data dir unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  /** Environment for this app; DATA_DIR defaults to a new temporary directory. */
  env?: Record<string, string | undefined>;
  /** Extra modules or providers (e.g. test agents) next to AppModule. */
  imports?: Type<unknown>[];
  providers?: Type<unknown>[];
}

const MANAGED_ENV = [
  'DATA_DIR',
  'DATABASE_URL',
  'TRACE_URL',
  'MEMAGENT_URL',
  'MEMAGENT_TIMEOUT_MS',
  'TASK_TIMEOUT_MS',
  'AGENT_TTL_MS',
  'AGENT_COOLDOWN_MS',
  'QUEUE_MAX',
  'QUEUE_TIMEOUT_MS',
  'TASK_MAX_ATTEMPTS',
  'DELEGATION_MAX_DEPTH',
  'AUTH_REQUIRED',
  'OPEN_ACCESS',
  'RATE_LIMIT_PER_MINUTE',
  'DELEGATION_MAX_CHILDREN',
  'AGENT_ALLOWED_HOSTS',
  'RESPONSE_MAX_BYTES',
  'CONTRACT_RETENTION_DAYS',
  'TRACE_MAX_ATTEMPTS',
];

/**
 * The real AppModule, configured as `main.ts` configures it, on a temporary data dir (and, on a
 * PostgreSQL run, a fresh database: see test-database.ts). Every e2e
 * spec starts its apps through this and closes them in `afterAll`/`afterEach`.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.env?.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'orchestrator-e2e-'));
  // The store of this data dir (on a PostgreSQL run, its own database), unless the spec names one.
  const store = options.env !== undefined && 'DATABASE_URL' in options.env ? {} : await testStoreEnv(dataDir);
  const env: Record<string, string | undefined> = { LOG_LEVEL: 'error', ...store, ...options.env, DATA_DIR: dataDir };
  const saved = new Map<string, string | undefined>();
  for (const key of new Set([...MANAGED_ENV, ...Object.keys(env)])) {
    saved.set(key, process.env[key]);
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, ...(options.imports ?? [])],
      providers: options.providers ?? [],
    }).compile();
    const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error'] });
    configureApp(app, { corsOrigins: '*' });
    await app.init();
    let closed = false;
    return {
      app,
      server: app.getHttpServer() as Server,
      dataDir,
      async close({ keepData = false } = {}) {
        if (!closed) {
          closed = true;
          await app.close();
        }
        if (!keepData && !options.env?.DATA_DIR) {
          rmSync(dataDir, { recursive: true, force: true });
          await dropTestDatabase(dataDir);
        }
      },
    };
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
