import { applyDecorators } from '@nestjs/common';
import { IsString, Matches } from 'class-validator';

/** SPEC §4: a session id is a name, never a path (no slashes, no leading dot). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const SESSION_ID_MESSAGE =
  'session_id must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit';

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value);
}

/** class-validator decorator for a `session_id` field. */
export function IsSessionId(): PropertyDecorator {
  return applyDecorators(IsString(), Matches(SESSION_ID_PATTERN, { message: SESSION_ID_MESSAGE }));
}
