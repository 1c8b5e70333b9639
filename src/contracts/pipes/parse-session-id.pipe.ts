import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { isSessionId, SESSION_ID_MESSAGE } from '../../common/validation/session-id.js';

/** Validates a `:session_id` path parameter against the session id pattern (400 if it does not match). */
@Injectable()
export class ParseSessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isSessionId(value)) throw new BadRequestException([SESSION_ID_MESSAGE]);
    return value;
  }
}
