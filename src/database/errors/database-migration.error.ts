import { migrationFailedMessage } from '../database.messages.js';

/** The schema of the store could not be brought up to date; start-up stops. */
export class DatabaseMigrationError extends Error {
  constructor(migrationName: string | undefined, cause: unknown) {
    super(migrationFailedMessage(migrationName, cause), { cause });
    this.name = 'DatabaseMigrationError';
  }
}
