import { requestNotFoundMessage } from '../contracts.messages.js';

/** `completeRequest` was asked to close a REQUEST that does not exist; nothing was written. */
export class RequestNotFoundError extends Error {
  constructor(readonly requestId: string) {
    super(requestNotFoundMessage(requestId));
    this.name = 'RequestNotFoundError';
  }
}
