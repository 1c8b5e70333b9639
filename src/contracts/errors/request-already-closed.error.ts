import type { Contract } from '../contract.model.js';
import { requestAlreadyClosedMessage } from '../contracts.messages.js';

/**
 * `completeRequest` was asked to close a REQUEST that is no longer `in_progress` (completed, failed or
 * cancelled by another writer); nothing was written. `stored` is the REQUEST as the store holds it.
 */
export class RequestAlreadyClosedError extends Error {
  constructor(readonly stored: Contract) {
    super(requestAlreadyClosedMessage(stored.contract_id, stored.status));
    this.name = 'RequestAlreadyClosedError';
  }
}
