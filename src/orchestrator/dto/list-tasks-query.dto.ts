import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsSessionId, SESSION_ID_PATTERN } from '../../common/validation/session-id.js';
import { PageQueryDto } from '../../contracts/dto/page-query.dto.js';
import { MAX_FILTER_LENGTH } from '../../contracts/contracts.constants.js';
import { TASK_STATUSES, type TaskStatus } from './task.dto.js';

/** Query of `GET /v1/tasks`: filters (combined with AND) and paging. */
export class ListTasksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: TASK_STATUSES,
    enumName: 'TaskStatus',
    description: 'The store keeps queued and running tasks alike: `submitted` and `working` both select the tasks not finished yet',
    example: 'working',
  })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @ApiPropertyOptional({ type: String, maxLength: MAX_FILTER_LENGTH, example: 'echo' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FILTER_LENGTH)
  capability?: string;

  @ApiPropertyOptional({ type: String, pattern: SESSION_ID_PATTERN.source, example: 'session_demo_001' })
  @IsOptional()
  @IsSessionId()
  session_id?: string;
}
