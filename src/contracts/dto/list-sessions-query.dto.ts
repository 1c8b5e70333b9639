import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from './page-query.dto.js';

/** The start of a session id: what a session id may hold, possibly cut short. */
const SESSION_ID_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Query of `GET /v1/sessions`: an optional filter and paging. */
export class ListSessionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: String,
    pattern: SESSION_ID_PREFIX_PATTERN.source,
    description: 'Only sessions whose id starts with this text (case-sensitive)',
    example: 'session_demo',
  })
  @IsOptional()
  @Matches(SESSION_ID_PREFIX_PATTERN, {
    message:
      'session_id_prefix must be the start of a session id: 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
  })
  session_id_prefix?: string;
}
