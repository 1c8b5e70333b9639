import { ApiProperty } from '@nestjs/swagger';
import type { SessionSummary } from '../contract.model.js';
import { ContractDto } from './contract.dto.js';

export class SessionSummaryDto implements SessionSummary {
  @ApiProperty({ example: 'session_demo_001' })
  session_id!: string;

  @ApiProperty({ description: 'Number of contracts in the session', example: 2 })
  contract_count!: number;

  @ApiProperty({ description: 'Time of the first contract (ISO-8601 UTC)', example: '2026-11-25T12:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ description: 'Time of the latest contract (ISO-8601 UTC)', example: '2026-11-25T12:00:00.042Z' })
  updated_at!: string;
}

export class SessionListResponseDto {
  @ApiProperty({ type: [SessionSummaryDto], description: 'Most recently updated first' })
  sessions!: SessionSummaryDto[];

  @ApiProperty({ description: 'Number of all sessions (matching the filter, if any)', example: 1 })
  total!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` to get the next page; null on the last page',
    example: null,
  })
  next_cursor!: string | null;
}

export class SessionDetailResponseDto extends SessionSummaryDto {
  @ApiProperty({ type: [ContractDto], description: 'The session’s contracts, oldest first (one page)' })
  conversation!: ContractDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Pass as `cursor` to get the next page of the conversation; null on the last page. A page may end before ' +
      '`limit` to stay within RESPONSE_MAX_BYTES.',
    example: null,
  })
  next_cursor!: string | null;
}
