/** Page size limits of the list endpoints (SPEC §4). */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** Longest cursor accepted from a caller; session cursors carry `(updated_at, session_id)` and are the longest issued. */
export const MAX_CURSOR_LENGTH = 400;

/** Longest agent/capability name accepted as a filter. */
export const MAX_FILTER_LENGTH = 128;

/** Batch size used when a whole conversation is read (compression). */
export const CONVERSATION_BATCH_SIZE = 500;

/** Error text given to REQUESTs a crash left `in_progress` (SPEC §5). */
export const INTERRUPTED_TASK_ERROR = 'orchestrator restarted before the task finished';

/** Most REQUESTs one `GET /v1/contracts/:id/tree` returns. */
export const MAX_TREE_NODES = 10_000;

/** Time between two retention passes (CONTRACT_RETENTION_DAYS); the first runs right after start-up. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/** At most this many sessions and contracts are deleted per retention transaction. */
export const RETENTION_BATCH_MAX_SESSIONS = 20;
export const RETENTION_BATCH_MAX_CONTRACTS = 500;

/** Bytes of a list, session or tree answer besides its contracts (envelope, session fields, cursor). */
export const RESPONSE_ENVELOPE_BYTES = 4096;
