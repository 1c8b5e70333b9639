import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

export class TextInput {
  @ApiPropertyOptional({ example: 'Hello, Agent Orchestrator!' })
  @IsOptional()
  @IsString()
  text?: string;
}
