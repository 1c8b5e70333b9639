import type {
  Contract,
  ContractFilter,
  JsonObject,
  ContractStats,
  OutboxEvent,
  Page,
  PageRequest,
  SessionFilter,
  SessionSummary,
  TaskOutcome,
} from './contract.model.js';

export interface WriteOptions {
  /** Also put a Trace outbox event for the contract, in the same transaction. */
  outbox: boolean;
  /** W3C traceparent of the task, kept with the outbox event. */
  traceparent?: string;
}

export interface ScanOptions {
  /** Contracts per batch (default 500). */
  batchSize?: number;
}

/**
 * The contract store. An abstract class so that it is the DI token: the SQLite adapter implements it
 * today, a PostgreSQL adapter later. Every write is one transaction; a failed write throws.
 */
export abstract class ContractRepository {
  /** Step 1 of a task: insert the REQUEST (and its outbox event), upsert its session. */
  abstract insertRequest(request: Contract, options: WriteOptions): Promise<void>;

  /**
   * Step 3 of a task: close the REQUEST (as `insertRequest` stored it) with its outcome and insert the
   * RESPONSE (and its outbox event), in one transaction. Returns the closed REQUEST. Only a REQUEST
   * still `in_progress` is closed; writing nothing, it throws RequestAlreadyClosedError (with the
   * stored REQUEST) when it has a final state already, RequestNotFoundError when no such REQUEST is
   * stored.
   */
  abstract completeRequest(request: Contract, outcome: TaskOutcome, response: Contract, options: WriteOptions): Promise<Contract>;

  /** Inserts contracts as they are (import). Contracts whose id exists already are skipped. Returns how many were added. */
  abstract importContracts(contracts: Contract[]): Promise<number>;

  /**
   * The REQUESTs `in_progress`, oldest first, in batches of at most `batchSize` (restart recovery):
   * one keyset page per batch, as `scan` reads, so memory is bounded by one batch on any store size.
   */
  abstract scanInProgressRequests(options?: ScanOptions): AsyncIterable<Contract[]>;

  /**
   * Closes those of `contractIds` that are REQUESTs still `in_progress` (a crash interrupted them) as
   * failed with `error`. Returns how many were closed.
   */
  abstract failInterrupted(contractIds: readonly string[], error: string, completedAt: string): Promise<number>;

  /**
   * Appends `attempt` to `metadata.attempts` of a REQUEST still `in_progress` (an attempt a crash cut
   * short) and returns the REQUEST as stored now; returns undefined, writing nothing, when no such
   * REQUEST is `in_progress`.
   */
  abstract recordInterruptedAttempt(contractId: string, attempt: JsonObject): Promise<Contract | undefined>;

  abstract findById(contractId: string): Promise<Contract | undefined>;

  /** Contracts whose `parent_contract_id` is one of `parentIds` (RESPONSEs and sub-task REQUESTs), oldest first. */
  abstract findChildren(parentIds: readonly string[]): Promise<Contract[]>;

  /**
   * Oldest first (newest first with `page.newestFirst`), keyset-paged. Throws InvalidCursorError for a
   * cursor it did not issue for that order.
   */
  abstract find(filter: ContractFilter, page: PageRequest): Promise<Page<Contract>>;

  /**
   * Every contract matching `filter`, in the order of `find` (oldest first), in batches of at most
   * `batchSize` (export). Reads one keyset page per batch and holds no read transaction between
   * batches, so memory is bounded by one batch and a long scan never holds back the WAL. Contracts
   * committed before the scan starts are all in it; those written while it runs may or may not be,
   * and a contract updated meanwhile shows the state it had when its batch was read.
   */
  abstract scan(filter: ContractFilter, options?: ScanOptions): AsyncIterable<Contract[]>;

  abstract findSession(sessionId: string): Promise<SessionSummary | undefined>;

  /** Newest (most recently updated) first, keyset-paged; `filter` narrows the list and its total. */
  abstract listSessions(page: PageRequest, filter?: SessionFilter): Promise<Page<SessionSummary>>;

  abstract stats(): Promise<ContractStats>;

  /**
   * One retention batch, in one transaction: deletes the sessions last updated before `updatedBefore`
   * (oldest first, at most `maxSessions`, at most `maxContracts` contracts in all), skipping every
   * session with a REQUEST still `in_progress`. A session with more than `maxContracts` contracts loses
   * its oldest `maxContracts` and the rest goes in the next batches. Undelivered Trace outbox events
   * are kept. Returns what was deleted; nothing deleted = nothing left to do.
   */
  abstract deleteExpiredSessions(updatedBefore: string, maxSessions: number, maxContracts: number): Promise<RetentionBatch>;
}

export interface RetentionBatch {
  sessions: number;
  contracts: number;
}

/** Why an event left the outbox without being delivered, as recorded with it. */
export interface DeadLetterReason {
  /** HTTP status of the last attempt; null when Trace did not answer. */
  status: number | null;
  error: string;
  /** When the event is set aside. */
  at: Date;
}

/** An outbox event set aside (see OutboxRepository.moveToDeadLetter). */
export interface TraceDeadLetter extends OutboxEvent {
  last_status: number | null;
  last_error: string;
  dead_at: string;
}

/** How many events are set aside and since when. */
export interface DeadLetterSummary {
  count: number;
  /** `dead_at` of the event set aside first, or null when there is none. */
  oldest_dead_at: string | null;
}

/**
 * The Trace outbox: events written by ContractRepository in the contract's transaction, read and
 * retired by the dispatcher in IntegrationsModule.
 */
export abstract class OutboxRepository {
  /**
   * Up to `limit` events due at `now`, oldest first, such that no earlier undelivered event of the
   * same session is left out (per-session order is kept). A store shared by several processes
   * reserves them for the caller until they are delivered, failed, set aside or released.
   */
  abstract claimDue(now: Date, limit: number): Promise<OutboxEvent[]>;

  /** Gives back claimed events that were not attempted (a round cut short): due again at `now`. */
  abstract releaseClaims(ids: number[], now: Date): Promise<void>;

  /** Removes delivered events. */
  abstract markDelivered(ids: number[]): Promise<void>;

  /** Records a failed attempt; the event is due again at `nextAttemptAt`. */
  abstract markFailed(id: number, error: string, nextAttemptAt: Date): Promise<void>;

  /** Undelivered events and the age of the oldest. */
  abstract backlog(): Promise<{ pending: number; oldest_created_at: string | null }>;

  /**
   * Moves an event from the outbox to the dead letters, in one transaction, counting the attempt
   * that failed. Later events of its session are then claimed as if it had been delivered. Returns
   * false (writing nothing) when the event is no longer in the outbox.
   */
  abstract moveToDeadLetter(id: number, reason: DeadLetterReason): Promise<boolean>;

  /** Dead letters and the time the oldest was set aside. */
  abstract deadLetterSummary(): Promise<DeadLetterSummary>;

  /** Up to `limit` dead letters with an id above `afterId`, lowest id first. */
  abstract listDeadLetters(limit: number, afterId?: number): Promise<TraceDeadLetter[]>;

  /**
   * Moves dead letters back to the outbox, due at `now`, with their attempts reset: those of `ids`
   * (unknown ids are skipped), or every one when `ids` is 'all'. Returns the ids moved.
   */
  abstract requeueDeadLetters(ids: readonly number[] | 'all', now: Date): Promise<number[]>;
}
