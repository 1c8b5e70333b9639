import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

/** A remote agent's delegation call: a sub-task of the task it is running. */
export class DelegateRequestDto {
  @ApiProperty({ example: 'uppercase', description: 'The capability to run as a sub-task' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  capability!: string;

  @ApiPropertyOptional({ example: { text: 'hello' } })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional({ example: {}, description: "Defaults to the calling task's context" })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;
}

export class DelegationResultDto {
  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ type: Object, nullable: true, example: { result: 'HELLO' } })
  data!: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: '01JDQ3V6T4W5X6Y7Z8A9B0C1D3', description: "Id of the sub-task's REQUEST contract" })
  contract_id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'agent_example_001' })
  agent_id!: string | null;
}
