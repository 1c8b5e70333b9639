import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Contract } from '../contract.model.js';
import { ContractDto } from './contract.dto.js';

/** A REQUEST with its RESPONSE and the sub-tasks its agent delegated, nested. */
export class ContractTreeDto extends ContractDto {
  @ApiProperty({ type: ContractDto, nullable: true, description: 'The RESPONSE, or null while the task runs' })
  response!: Contract | null;

  @ApiProperty({ type: () => [ContractTreeDto], description: 'Sub-tasks (REQUESTs with this one as parent), oldest first' })
  subtasks!: ContractTreeDto[];

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'Present (true) on the root only when the tree was cut: it would have passed RESPONSE_MAX_BYTES or 10,000 REQUESTs. ' +
      'What is shown is complete level by level up to the cut; read the missing parts with `GET /v1/contracts?session_id=…`.',
    example: true,
  })
  truncated?: boolean;
}
