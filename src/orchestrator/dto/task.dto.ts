import { ApiProperty } from '@nestjs/swagger';

export const TASK_STATUSES = ['submitted', 'working', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export class TaskAcceptedDto {
  @ApiProperty({ example: '01JDQ3V6T4W5X6Y7Z8A9B0C1D2', description: 'Id of the REQUEST contract' })
  task_id!: string;

  @ApiProperty({ enum: ['submitted'], example: 'submitted' })
  status!: 'submitted';
}

export class TaskDto {
  @ApiProperty({ example: '01JDQ3V6T4W5X6Y7Z8A9B0C1D2' })
  task_id!: string;

  @ApiProperty({ example: 'session_001' })
  session_id!: string;

  @ApiProperty({ example: 'echo' })
  capability!: string;

  @ApiProperty({ example: 'agent_example_001' })
  agent_id!: string;

  @ApiProperty({ enum: TASK_STATUSES, example: 'completed' })
  status!: TaskStatus;

  @ApiProperty({ type: Object, nullable: true, example: { message: 'Echo: Hello' } })
  result!: unknown;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: '2026-11-25T21:42:42.123Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T21:42:42.125Z' })
  completed_at!: string | null;
}

export class TaskListResponseDto {
  @ApiProperty({ type: [TaskDto], description: 'Newest first' })
  tasks!: TaskDto[];

  @ApiProperty({ description: 'Number of all matching tasks, not only this page', example: 1 })
  total!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Pass as `cursor` to get the next (older) page; null on the last page. A page may end before `limit` when its tasks ' +
      'would pass RESPONSE_MAX_BYTES: follow the cursor until it is null.',
    example: 'cjE6MTAw',
  })
  next_cursor!: string | null;
}
