import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsSessionId } from '../../common/validation/session-id.js';

export class CompressRequestDto {
  @ApiProperty({ example: 'session_001' })
  @IsSessionId()
  session_id!: string;

  @ApiPropertyOptional({ example: 'Multi-agent image generation task' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  intent?: string;
}

export class CompressResponseDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';

  @ApiProperty({ example: 'session_001' })
  session_id!: string;

  @ApiProperty({ example: true })
  compressed!: true;

  @ApiProperty({
    type: Object,
    description: "MemAgent's reply, or the local compressor's block when MEMAGENT_URL is unset",
    example: { summary: '2 tasks (echo ×1, uppercase ×1) …', source: 'local' },
  })
  memory_block!: Record<string, unknown>;
}
