import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
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
  imports: [DiscoveryModule],
  controllers: [AgentsController],
  providers: [AgentRegistry, AgentsExplorer, AgentsService, ExampleAgent],
  exports: [AgentRegistry, AgentsService],
})
export class AgentsModule {}
