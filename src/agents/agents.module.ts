import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { agentsConfig } from './agents.config.js';
import { AgentRegistry } from './agent.registry.js';
import { AgentsController } from './agents.controller.js';
import { AgentsExplorer } from './agents.explorer.js';
import { AgentsService } from './agents.service.js';
import { ExampleAgent } from './example/example.agent.js';

/**
 * Agents: the @Agent/@Capability decorators, discovery of decorated providers at start-up, the
 * registry, and `GET /v1/agents`. Agents may be listed in any module's providers; discovery walks
 * them all.
 */
@Module({
  imports: [DiscoveryModule, ConfigModule.forFeature(agentsConfig)],
  controllers: [AgentsController],
  providers: [AgentRegistry, AgentsExplorer, AgentsService, ExampleAgent],
  exports: [AgentRegistry, AgentsService],
})
export class AgentsModule {}
