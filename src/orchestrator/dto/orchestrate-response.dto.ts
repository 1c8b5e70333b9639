import { ApiProperty } from '@nestjs/swagger';

export class OrchestrateResponseDto {
  @ApiProperty({ example: true, description: 'false when the agent threw or timed out (still HTTP 200)' })
  success!: boolean;

  @ApiProperty({ type: Object, nullable: true, example: { message: 'Echo: Hello, world!' } })
  data!: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: '01JDQ3V6T4W5X6Y7Z8A9B0C1D2', description: 'Id of the REQUEST contract' })
  contract_id!: string;

  @ApiProperty({ example: 'agent_example_001' })
  agent_id!: string;

  @ApiProperty({ example: '2026-11-25T21:42:42.123Z' })
  timestamp!: string;
}
