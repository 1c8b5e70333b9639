import { Module } from '@nestjs/common';
import { ConditionalModule, ConfigModule } from '@nestjs/config';
import { AgentsModule } from './agents/agents.module.js';
import { appConfig } from './app.config.js';
import { AuthModule } from './auth/auth.module.js';
import { ContractsModule } from './contracts/contracts.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { RetentionModule } from './contracts/retention/retention.module.js';
import { DatabaseModule } from './database/database.module.js';
import { IntegrationsModule } from './integrations/integrations.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { OrchestratorModule } from './orchestrator/orchestrator.module.js';
import { SecurityModule } from './security/security.module.js';
import { A2aServerModule } from './protocols/a2a/a2a-server.module.js';
import { McpServerModule } from './protocols/mcp/mcp-server.module.js';
import { TaskWorkerModule } from './worker/task-worker.module.js';

/** WORKER_IN_PROCESS=true with REDIS_URL: the API process also runs tasks off the queue. */
const runsWorkerInProcess = (env: NodeJS.ProcessEnv) => Boolean(env.REDIS_URL) && ['true', '1'].includes(env.WORKER_IN_PROCESS ?? '');

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: false, load: [appConfig] }),
    // The store's connection, migrations and shutdown; the feature modules import it too, sharing one instance.
    DatabaseModule,
    AgentsModule,
    ContractsModule,
    RetentionModule,
    IntegrationsModule,
    OrchestratorModule,
    A2aServerModule,
    McpServerModule,
    ObservabilityModule,
    // Its rate limit is middleware (mounted in app.setup.ts), so it runs before the API-key guard.
    SecurityModule,
    AuthModule,
    // The web page at /ui; it reads everything through the API above.
    DashboardModule,
    ConditionalModule.registerWhen(TaskWorkerModule, runsWorkerInProcess, { debug: false }),
  ],
})
export class AppModule {}
