import { SQLITE_SYNCHRONOUS_MODES } from './database.config.js';

export const migrationFailedMessage = (migrationName: string | undefined, cause: unknown): string =>
  `Contract store migration ${migrationName ? `'${migrationName}' ` : ''}failed: ${cause instanceof Error ? cause.message : String(cause)}`;

export const unknownSynchronousModeMessage = (mode: string): string =>
  `SQLITE_SYNCHRONOUS must be one of ${SQLITE_SYNCHRONOUS_MODES.join(', ')}, got '${mode}'`;

export const walUnavailableMessage = (fileName: string, journalMode: unknown): string =>
  `Could not switch ${fileName} to WAL mode (journal_mode is '${String(journalMode)}')`;

export const storeOpenedMessage = (path: string, synchronous: string): string =>
  `Contract store: ${path} (SQLite, WAL, synchronous=${synchronous})`;

export const postgresStoreOpenedMessage = (url: string): string => `Contract store: ${url} (PostgreSQL)`;

export const idleConnectionLostMessage = (cause: string): string =>
  `PostgreSQL closed an idle connection of the pool (${cause}); it is replaced on demand`;
