import { ApiProperty } from '@nestjs/swagger';

/** Every error answer: `{statusCode, error, message}`. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['session_id must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit'],
    description: 'What went wrong; for validation errors the list of field problems',
  })
  message!: string | string[];
}
