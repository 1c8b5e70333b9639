import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsSessionId } from '../../common/validation/session-id.js';

export class OrchestrateRequestDto {
  @ApiProperty({ example: 'session_001', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  @IsSessionId()
  session_id!: string;

  @ApiProperty({ example: 'echo', description: 'The capability to run' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  capability!: string;

  @ApiPropertyOptional({ example: { text: 'Hello, world!' }, description: "Validated against the capability's input" })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiPropertyOptional({ example: {}, description: 'Handed to the agent as ctx.context' })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Test echo capability', description: "The session's intent, kept in the REQUEST's metadata" })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  intent?: string;
}
