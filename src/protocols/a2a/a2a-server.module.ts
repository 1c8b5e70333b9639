import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AgentsModule } from '../../agents/agents.module.js';
import { AuthModule } from '../../auth/auth.module.js';
import { ContractsModule } from '../../contracts/contracts.module.js';
import { OrchestratorModule } from '../../orchestrator/orchestrator.module.js';
import { A2aAgentCard } from './a2a-agent-card.js';
import { a2aServerConfig } from './a2a-server.config.js';
import { A2aServerController } from './a2a-server.controller.js';
import { OrchestratorA2aHandler } from './orchestrator-a2a.handler.js';

/**
 * The orchestrator as an A2A agent (`/.well-known/agent-card.json`, `POST /a2a`) over the SDK's
 * Express handlers; its tasks are ordinary tasks of OrchestratorModule.
 */
@Module({
  imports: [ConfigModule.forFeature(a2aServerConfig), AgentsModule, AuthModule, ContractsModule, OrchestratorModule],
  controllers: [A2aServerController],
  providers: [A2aAgentCard, OrchestratorA2aHandler],
})
export class A2aServerModule {}
