/** DI token of the store's Kysely instance (`Kysely<Database>`), provided by DatabaseModule. */
export const DATABASE = Symbol('database');

/** File name of the embedded store inside `DATA_DIR` (SPEC §5). */
export const SQLITE_FILE_NAME = 'orchestrator.db';

/** `busy_timeout` of the embedded store, in milliseconds. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** WAL size (in 4 KiB pages) that triggers an automatic checkpoint. */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Size the WAL file is truncated back to after a checkpoint. */
export const SQLITE_JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Connections each process keeps to the PostgreSQL store at most. */
export const POSTGRES_POOL_SIZE = 10;
