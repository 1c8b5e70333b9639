import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AgentsModule } from '../agents/agents.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { IntegrationsModule } from '../integrations/integrations.module.js';
import { orchestratorConfig } from './orchestrator.config.js';
import { OrchestratorController } from './orchestrator.controller.js';
import { OrchestratorService } from './orchestrator.service.js';
import { StatusService } from './status.service.js';

/** Routing and execution of tasks, compression, status and health. */
@Module({
  imports: [ConfigModule.forFeature(orchestratorConfig), AgentsModule, ContractsModule, IntegrationsModule],
  controllers: [OrchestratorController],
  providers: [OrchestratorService, StatusService],
  exports: [OrchestratorService],
})
export class OrchestratorModule {}
