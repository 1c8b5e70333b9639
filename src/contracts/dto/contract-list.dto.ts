import { ApiProperty } from '@nestjs/swagger';
import { ContractDto } from './contract.dto.js';

export class ContractListResponseDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The `session_id` filter, or null when not filtering by session',
    example: 'session_demo_001',
  })
  session_id!: string | null;

  @ApiProperty({ type: [ContractDto], description: 'Oldest first' })
  contracts!: ContractDto[];

  @ApiProperty({ description: 'Number of all matching contracts, not only this page', example: 2 })
  total!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Pass as `cursor` to get the next page; null on the last page. A page ends before `limit` when its contracts ' +
      'would pass RESPONSE_MAX_BYTES (it always holds at least one): follow the cursor until it is null.',
    example: 'YzE6MTAw',
  })
  next_cursor!: string | null;
}
