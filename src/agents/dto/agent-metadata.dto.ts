import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATUSES, type AgentStatus } from '../agents.constants.js';

export class CapabilityDto {
  @ApiProperty({ example: 'echo' })
  name!: string;

  @ApiProperty({ example: 'Echo back the input text' })
  description!: string;

  @ApiProperty({ description: 'Flat map of field → type name', example: { text: 'string' } })
  parameters!: Record<string, string>;

  @ApiProperty({
    description: 'JSON Schema of the input DTO, or {}',
    example: { type: 'object', properties: { text: { type: 'string' } } },
  })
  input_schema!: Record<string, unknown>;
}

export class AgentMetadataDto {
  @ApiProperty({ example: 'agent_example_001' })
  agent_id!: string;

  @ApiProperty({ example: 'Example Agent' })
  name!: string;

  @ApiProperty({ example: 'Example agent for testing orchestration' })
  description!: string;

  @ApiProperty({ type: [CapabilityDto] })
  capabilities!: CapabilityDto[];

  @ApiProperty({ enum: AGENT_STATUSES, example: 'available' })
  status!: AgentStatus;

  @ApiProperty({ example: '1.0.0' })
  version!: string;

  @ApiProperty({
    enum: ['local', 'http', 'a2a'],
    example: 'local',
    description: 'How the agent is reached: in-process, a remote HTTP agent, or an A2A agent',
  })
  kind!: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'URL of a remote agent; null in-process' })
  endpoint!: string | null;

  @ApiProperty({ example: '2026-11-25T21:42:42.123Z' })
  registered_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  last_heartbeat!: string | null;

  @ApiProperty({ example: 12, description: 'Tasks completed since start' })
  tasks_completed!: number;

  @ApiProperty({ example: 0, description: 'Tasks failed since start' })
  tasks_failed!: number;

  @ApiProperty({ example: 0, description: 'Tasks running now' })
  in_flight!: number;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Most tasks the agent runs at once; null for no limit' })
  max_concurrency!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description:
      'Most tasks routed to the agent at once: max_concurrency, or less for a remote agent when this process cannot hold that many connections (file descriptors, local ports); the rest wait in the queue. null for no limit',
  })
  effective_max_concurrency!: number | null;
}

export class AgentListDto {
  @ApiProperty({ type: [AgentMetadataDto] })
  agents!: AgentMetadataDto[];

  @ApiProperty({ example: 1 })
  total!: number;
}
