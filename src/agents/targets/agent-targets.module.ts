import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AgentTargetPolicy } from './agent-target.policy.js';
import { agentTargetsConfig } from './agent-targets.config.js';

/** The agent target rules (AGENT_ALLOWED_HOSTS), for registration and for the sockets of agent calls. */
@Module({
  imports: [ConfigModule.forFeature(agentTargetsConfig)],
  providers: [AgentTargetPolicy],
  exports: [AgentTargetPolicy],
})
export class AgentTargetsModule {}
