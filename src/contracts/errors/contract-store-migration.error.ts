import { migrationFailedMessage } from '../contracts.messages.js';

/** The schema of the contract store could not be brought up to date; start-up stops. */
export class ContractStoreMigrationError extends Error {
  constructor(migrationName: string | undefined, cause: unknown) {
    super(migrationFailedMessage(migrationName, cause), { cause });
    this.name = 'ContractStoreMigrationError';
  }
}
