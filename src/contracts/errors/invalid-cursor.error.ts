import { INVALID_CURSOR_MESSAGE } from '../contracts.messages.js';

/**
 * A page cursor that this store did not issue (or issued for another list). The service turns it into
 * a 400.
 */
export class InvalidCursorError extends Error {
  constructor(message: string = INVALID_CURSOR_MESSAGE) {
    super(message);
    this.name = 'InvalidCursorError';
  }
}
