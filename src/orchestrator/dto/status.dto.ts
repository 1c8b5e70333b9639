import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATUSES } from '../../agents/agents.constants.js';

export class HealthDto {
  @ApiProperty({ example: 'agent-orchestrator' })
  service!: string;

  @ApiProperty({ example: 'healthy' })
  status!: 'healthy';

  @ApiProperty({ example: '1.0.0' })
  version!: string;
}

export class ServiceInfoDto {
  @ApiProperty({ example: 'agent-orchestrator' })
  service!: string;

  @ApiProperty({ example: 'Multi-agent coordination for TraceOS' })
  description!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;

  @ApiProperty({ example: { health: '/v1/health', orchestrate: '/v1/orchestrate' } })
  endpoints!: Record<string, string>;

  @ApiProperty({ example: '/docs' })
  docs!: string;
}

class RegisteredAgentSummaryDto {
  @ApiProperty({ example: 'agent_example_001' })
  agent_id!: string;

  @ApiProperty({ example: 'Example Agent' })
  name!: string;

  @ApiProperty({ enum: AGENT_STATUSES, example: 'available' })
  status!: string;

  @ApiProperty({ example: ['echo', 'uppercase'] })
  capabilities!: string[];

  @ApiProperty({ example: 3 })
  tasks_completed!: number;

  @ApiProperty({ example: 0 })
  tasks_failed!: number;
}

class AgentsStatusDto {
  @ApiProperty({ example: 1 })
  total!: number;

  @ApiProperty({ example: { available: 1 } })
  by_status!: Record<string, number>;

  @ApiProperty({ type: [RegisteredAgentSummaryDto] })
  registered!: RegisteredAgentSummaryDto[];
}

class ContractsStatusDto {
  @ApiProperty({ example: 2 })
  total_sessions!: number;

  @ApiProperty({ example: 8 })
  total_contracts!: number;

  @ApiProperty({ example: { completed: 7, failed: 1 } })
  by_status!: Record<string, number>;
}

class IntegrationsStatusDto {
  @ApiProperty({ example: false, description: 'MemAgent configured and reachable' })
  memagent!: boolean;

  @ApiProperty({ example: true, description: 'Trace configured and reachable' })
  trace!: boolean;

  @ApiProperty({ example: true, description: 'Every configured integration is reachable' })
  all_healthy!: boolean;

  @ApiProperty({
    example: {
      memagent: { configured: false, url: null, reachable: false, mode: 'local compressor' },
      trace: {
        configured: true,
        url: 'http://tracer:***@localhost:8787',
        reachable: true,
        outbox_backlog: 0,
        oldest_pending_at: null,
        dead_letters: 1,
        oldest_dead_letter_at: '2026-12-06T04:00:00.000Z',
      },
    },
    description:
      'Per integration: its URL (a password in it shown as ***), reachability; for Trace also the outbox backlog and the ' +
      'dead letters (events refused for good or out of attempts; `npm run outbox -- list|requeue`)',
  })
  details!: Record<string, unknown>;
}

class TasksStatusDto {
  @ApiProperty({
    example: 2,
    description: 'Tasks recorded by this process and not finished: running, or submitted and waiting for an agent',
  })
  in_flight!: number;

  @ApiProperty({ example: { summarize: 3 }, description: 'Tasks waiting for a free agent, per capability' })
  queued!: Record<string, number>;
}

export class StatusDto {
  @ApiProperty({ example: 'healthy' })
  orchestrator!: 'healthy';

  @ApiProperty({ type: AgentsStatusDto })
  agents!: AgentsStatusDto;

  @ApiProperty({ type: ContractsStatusDto })
  contracts!: ContractsStatusDto;

  @ApiProperty({ type: IntegrationsStatusDto })
  integrations!: IntegrationsStatusDto;

  @ApiProperty({ type: TasksStatusDto })
  tasks!: TasksStatusDto;
}
