import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_SESSION_CURSOR_LENGTH } from '../contracts.constants.js';

/**
 * Query of `GET /v1/sessions`. Its own class (not PageQueryDto) because a session cursor carries
 * `(updated_at, session_id)` and may be longer than a contract cursor.
 */
export class ListSessionsQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    description: 'Page size',
    example: DEFAULT_PAGE_LIMIT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit: number = DEFAULT_PAGE_LIMIT;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_SESSION_CURSOR_LENGTH,
    description: '`next_cursor` of the previous page, unchanged',
    example: 'czE6WyIyMDI2LTExLTI1VDEyOjAwOjAwLjA0MloiLCJzZXNzaW9uX2RlbW9fMDAxIl0',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SESSION_CURSOR_LENGTH)
  cursor?: string;
}
