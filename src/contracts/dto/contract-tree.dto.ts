import { ApiProperty } from '@nestjs/swagger';
import type { Contract } from '../contract.model.js';
import { ContractDto } from './contract.dto.js';

/** A REQUEST with its RESPONSE and the sub-tasks its agent delegated, nested. */
export class ContractTreeDto extends ContractDto {
  @ApiProperty({ type: ContractDto, nullable: true, description: 'The RESPONSE, or null while the task runs' })
  response!: Contract | null;

  @ApiProperty({ type: () => [ContractTreeDto], description: 'Sub-tasks (REQUESTs with this one as parent), oldest first' })
  subtasks!: ContractTreeDto[];
}
