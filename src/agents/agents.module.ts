import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { DatabaseModule } from '../database/database.module.js';
import { A2aAgentFactory } from './a2a/a2a-agent.factory.js';
import { A2aAgentRegistrar } from './a2a/a2a-agent.registrar.js';
import { agentsConfig } from './agents.config.js';
import { AgentRegistry } from './agent.registry.js';
import { AgentsController } from './agents.controller.js';
import { AgentsExplorer } from './agents.explorer.js';
import { AgentsService } from './agents.service.js';
import { ExampleAgent } from './example/example.agent.js';
import { McpAgentsModule } from './mcp/mcp-agents.module.js';
import { McpAgentsRefresher } from './mcp/mcp-agents.refresher.js';
import { HttpAgentClient } from './remote/http-agent.client.js';
import { HttpAgentFactory } from './remote/http-agent.factory.js';
import { KyselyRemoteAgentRepository } from './remote/persistence/kysely-remote-agent.repository.js';
import { RemoteAgentRepository } from './remote/remote-agent.repository.js';
import { RemoteAgentSockets } from './remote/remote-agent-sockets.js';
import { RemoteAgentsLivenessMonitor } from './remote/remote-agents.liveness.js';
import { RemoteAgentsService } from './remote/remote-agents.service.js';
import { RemoteAgentsSync } from './remote/remote-agents.sync.js';
import { databaseConfig } from '../database/database.config.js';
import { AgentTargetsModule } from './targets/agent-targets.module.js';

/**
 * Agents: the @Agent/@Capability decorators, discovery of decorated providers at start-up, the
 * registry, remote HTTP agents (registration, heartbeats, liveness, stored through DatabaseModule),
 * A2A agents registered by agent card, MCP servers as agents (`mcp/`), and the `/v1/agents` routes. Agents may be listed in any
 * module's providers; discovery walks them all.
 */
@Module({
  imports: [
    DiscoveryModule,
    ConfigModule.forFeature(agentsConfig),
    ConfigModule.forFeature(databaseConfig),
    DatabaseModule,
    AgentTargetsModule,
    McpAgentsModule,
  ],
  controllers: [AgentsController],
  providers: [
    AgentRegistry,
    AgentsExplorer,
    AgentsService,
    ExampleAgent,
    HttpAgentClient,
    HttpAgentFactory,
    KyselyRemoteAgentRepository,
    { provide: RemoteAgentRepository, useExisting: KyselyRemoteAgentRepository },
    RemoteAgentSockets,
    RemoteAgentsLivenessMonitor,
    RemoteAgentsService,
    RemoteAgentsSync,
    A2aAgentFactory,
    A2aAgentRegistrar,
    McpAgentsRefresher,
  ],
  exports: [AgentRegistry, AgentsService, RemoteAgentsSync],
})
export class AgentsModule {}
