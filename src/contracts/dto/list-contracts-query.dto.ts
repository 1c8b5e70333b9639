import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsSessionId, SESSION_ID_PATTERN } from '../../common/validation/session-id.js';
import { CONTRACT_STATUSES, CONTRACT_TYPES, type ContractStatus, type ContractType } from '../contract.model.js';
import { MAX_FILTER_LENGTH } from '../contracts.constants.js';
import { PageQueryDto } from './page-query.dto.js';

/** Query of `GET /v1/contracts`: filters (combined with AND) and paging. */
export class ListContractsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: String, pattern: SESSION_ID_PATTERN.source, example: 'session_demo_001' })
  @IsOptional()
  @IsSessionId()
  session_id?: string;

  @ApiPropertyOptional({ type: String, maxLength: MAX_FILTER_LENGTH, description: 'Sender', example: 'orchestrator' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FILTER_LENGTH)
  from_agent?: string;

  @ApiPropertyOptional({ type: String, maxLength: MAX_FILTER_LENGTH, description: 'Receiver', example: 'agent_example_001' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FILTER_LENGTH)
  to_agent?: string;

  @ApiPropertyOptional({ enum: CONTRACT_TYPES, enumName: 'ContractType', example: 'REQUEST' })
  @IsOptional()
  @IsIn(CONTRACT_TYPES)
  contract_type?: ContractType;

  @ApiPropertyOptional({ enum: CONTRACT_STATUSES, enumName: 'ContractStatus', example: 'completed' })
  @IsOptional()
  @IsIn(CONTRACT_STATUSES)
  status?: ContractStatus;

  @ApiPropertyOptional({ type: String, maxLength: MAX_FILTER_LENGTH, example: 'echo' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FILTER_LENGTH)
  capability?: string;
}
