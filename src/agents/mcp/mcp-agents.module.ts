import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { contractsConfig } from '../../contracts/contracts.config.js';
import { AgentTargetsModule } from '../targets/agent-targets.module.js';
import { McpAgentClient } from './mcp-agent.client.js';
import { McpAgentFactory } from './mcp-agent.factory.js';
import { McpAgentRegistrar } from './mcp-agent.registrar.js';

/**
 * MCP servers as agents: the SDK's client (through the agent target rules, replies capped at
 * RESPONSE_MAX_BYTES), the factory of their definitions and their registration. AgentsModule stores
 * and refreshes them with the other remote agents.
 */
@Module({
  imports: [ConfigModule.forFeature(contractsConfig), AgentTargetsModule],
  providers: [McpAgentClient, McpAgentFactory, McpAgentRegistrar],
  exports: [McpAgentClient, McpAgentRegistrar],
})
export class McpAgentsModule {}
