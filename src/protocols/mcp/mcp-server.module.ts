import { Module } from '@nestjs/common';
import { AgentsModule } from '../../agents/agents.module.js';
import { OrchestratorModule } from '../../orchestrator/orchestrator.module.js';
import { McpServerController } from './mcp-server.controller.js';
import { OrchestratorMcpServer } from './orchestrator-mcp.server.js';

/** The orchestrator as an MCP server (`/mcp`, Streamable HTTP, stateless) through the MCP TypeScript SDK. */
@Module({
  imports: [AgentsModule, OrchestratorModule],
  controllers: [McpServerController],
  providers: [OrchestratorMcpServer],
})
export class McpServerModule {}
