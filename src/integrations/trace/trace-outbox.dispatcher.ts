import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import type { OutboxEvent } from '../../contracts/contract.model.js';
import { OutboxRepository, type DeadLetterSummary } from '../../contracts/contract.repository.js';
import { integrationsConfig } from '../integrations.config.js';
import { IntegrationsMessages } from '../integrations.messages.js';
import { EventLoopLoad } from './event-loop-load.js';
import { TraceClient } from './trace.client.js';

/** Counters since start, shown in `/v1/status`. */
export interface TraceDispatcherStats {
  enabled: boolean;
  delivered: number;
  failed_attempts: number;
  /** Events moved to the dead letters (refused for good, or out of attempts). */
  dead_lettered: number;
  last_error: string | null;
  last_delivery_at: string | null;
  /** Whether delivery is giving way to a saturated request path right now (one event in flight). */
  yielding: boolean;
}

/** What one round did. */
export interface TraceRoundResult {
  claimed: number;
  delivered: number;
  failed: number;
}

/** Answers of Trace that no retry can change: the event is set aside at once. */
const REFUSED_FOR_GOOD = new Set([400, 404, 413, 422]);

/** How many delivered ids go into one `markDelivered` call. */
const DELIVERED_CHUNK = 500;

/** Event-loop utilisation at or above which the request path counts as saturated. */
export const SATURATED_UTILISATION = 0.9;
/** Shortest window over which the loop's utilisation is judged. */
const LOAD_WINDOW_MS = 100;
/** Events a round claims while yielding, so that the pace is judged again soon. */
const YIELDING_BATCH = 20;
/** While yielding, each round is followed by a pause this many times as long as the round took… */
const YIELDING_PAUSE_FACTOR = 4;
/** …but never longer than this, so that a slow Trace does not hold delivery back once the load is gone. */
const YIELDING_MAX_PAUSE_MS = 1_000;

/** Capped exponential backoff with equal jitter: a delay in [cap/2, cap], cap = min(max, base·2^attempt). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const half = cap / 2;
  return Math.round(half + random() * half);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** Shortest gap between two rounds that are not full, while tasks keep committing. */
const COALESCE_ROUNDS_MS = 50;

/**
 * Delivers the Trace outbox (SPEC §6). A single background loop claims due events, sends each
 * session's events strictly in order (sessions in parallel), removes delivered events and records
 * failed attempts with capped exponential backoff. Never throws out of the loop; never blocks the
 * request path (`notify()` only wakes the loop).
 *
 * Delivery is background work and gives way to requests: while tasks keep committing and the event
 * loop is saturated (utilisation ≥ 0.9 over the last window), rounds keep a single event in flight
 * and each is followed by a pause four times its length, so that sending takes little from the
 * request path. The backlog then grows, durably, and drains at
 * full concurrency once the loop has room again.
 */
@Injectable()
export class TraceOutboxDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TraceOutboxDispatcher.name);

  private running = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private sleepWakesOnNotify = false;
  private notified = false;
  /** The request path committed since the pace was last judged. */
  private requestPathWrote = false;
  private yielding = false;
  private paceJudgedAt = 0;

  private counters: Omit<TraceDispatcherStats, 'enabled' | 'yielding'> = {
    delivered: 0,
    failed_attempts: 0,
    dead_lettered: 0,
    last_error: null,
    last_delivery_at: null,
  };

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly client: TraceClient,
    @Inject(integrationsConfig.KEY) private readonly config: ConfigType<typeof integrationsConfig>,
    private readonly load: EventLoopLoad,
  ) {}

  /** Whether Trace is configured; the orchestrator writes outbox events only then. */
  get enabled(): boolean {
    return this.config.trace.url !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.log(IntegrationsMessages.dispatcherDisabled());
      return;
    }
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the loop (idempotent). Called at bootstrap when TRACE_URL is set. */
  start(): void {
    if (this.running || !this.enabled) return;
    this.running = true;
    this.logger.log(IntegrationsMessages.dispatcherStarted(this.config.trace.displayUrl ?? ''));
    this.loopDone = this.loop();
  }

  /** Stops the loop: wakes it if asleep and waits for the in-flight round. No timer is left behind. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake(true);
    await this.loopDone;
    this.loopDone = null;
  }

  /** Wakes the loop after a commit so a new event goes out without waiting for the poll interval. Cheap; never throws. */
  notify(): void {
    if (!this.running) return;
    this.notified = true;
    this.requestPathWrote = true;
    this.wake(false);
  }

  stats(): TraceDispatcherStats {
    return { enabled: this.enabled, ...this.counters, yielding: this.yielding };
  }

  /** Undelivered events and the age of the oldest (for `/v1/status`). */
  backlog(): Promise<{ pending: number; oldest_created_at: string | null }> {
    return this.outbox.backlog();
  }

  /** Events set aside (refused for good or out of attempts) and since when (for `/v1/status`, `/metrics`). */
  deadLetters(): Promise<DeadLetterSummary> {
    return this.outbox.deadLetterSummary();
  }

  /**
   * Events to claim and sessions to send in parallel for the next round: the configured batch and
   * concurrency, or one at a time while the request path saturates the loop (judged at most once per
   * window, from the utilisation since the previous judgement).
   */
  private pace(): { limit: number; concurrency: number } {
    const now = performance.now();
    if (now - this.paceJudgedAt >= LOAD_WINDOW_MS) {
      const utilisation = this.load.sample();
      this.yielding = this.requestPathWrote && utilisation >= SATURATED_UTILISATION;
      this.requestPathWrote = false;
      this.paceJudgedAt = now;
    }
    const { batchSize, concurrency } = this.config.trace;
    return this.yielding ? { limit: Math.min(YIELDING_BATCH, batchSize), concurrency: 1 } : { limit: batchSize, concurrency };
  }

  /** One round: claim due events, deliver them, record the outcomes. Throws only if claiming fails. Runs only while started. */
  private async runOnce(limit: number, concurrency: number): Promise<TraceRoundResult> {
    const { retryBaseMs, retryMaxMs, maxAttempts } = this.config.trace;
    const events = await this.outbox.claimDue(new Date(), limit);
    if (events.length === 0) return { claimed: 0, delivered: 0, failed: 0 };

    const sessions = new Map<string, OutboxEvent[]>();
    for (const event of events) {
      const queue = sessions.get(event.session_id);
      if (queue) queue.push(event);
      else sessions.set(event.session_id, [event]);
    }
    const queues = [...sessions.values()];

    const delivered: number[] = [];
    const attempted = new Set<number>();
    const failures: Promise<void>[] = [];
    let failed = 0;
    let next = 0;
    // Trace down (no answer, or a 5xx): trying every other session's event now would only fail the
    // same way, so the round stops taking events; they stay due for the next round.
    let traceDown = false;
    const worker = async (): Promise<void> => {
      // On shutdown, only the requests already in flight are finished; the rest stay in the outbox.
      while (next < queues.length && this.running && !traceDown) {
        const queue = queues[next++];
        for (const event of queue) {
          if (!this.running || traceDown) break;
          attempted.add(event.id);
          const result = await this.client.send(event);
          if (result.ok) {
            delivered.push(event.id);
            continue;
          }
          this.counters.failed_attempts++;
          this.counters.last_error = result.error;
          const refused = result.status !== null && REFUSED_FOR_GOOD.has(result.status);
          // A refusal is Trace working as meant: it does not count as Trace being down.
          if (!refused) failed++;
          if (result.status === null || result.status >= 500) traceDown = true;
          if (refused || event.attempts + 1 >= maxAttempts) {
            // Set aside, so that the session's later events go on instead of waiting behind it.
            if (await this.deadLetter(event, result)) continue;
            break;
          }
          const retryAt = new Date(Date.now() + backoffDelay(event.attempts, retryBaseMs, retryMaxMs));
          failures.push(
            this.outbox.markFailed(event.id, result.error, retryAt).catch((error: unknown) => {
              this.logger.error(IntegrationsMessages.dispatcherMarkFailed(errorText(error)));
            }),
          );
          break; // the rest of this session waits for the failed event
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));

    // Events the round did not get to (Trace down, shutdown, a failed event ahead of them) are given
    // back, so that a store shared with other processes does not hold them until the claim expires.
    const untouched = events.filter((event) => !attempted.has(event.id)).map((event) => event.id);
    if (untouched.length > 0) {
      failures.push(
        this.outbox.releaseClaims(untouched, new Date()).catch((error: unknown) => {
          this.logger.error(IntegrationsMessages.dispatcherMarkFailed(errorText(error)));
        }),
      );
    }

    for (let i = 0; i < delivered.length; i += DELIVERED_CHUNK) {
      try {
        await this.outbox.markDelivered(delivered.slice(i, i + DELIVERED_CHUNK));
      } catch (error) {
        // They stay in the outbox and are sent again (at least once; Trace can dedupe on X-Event-Id).
        this.logger.error(IntegrationsMessages.dispatcherMarkFailed(errorText(error)));
      }
    }
    await Promise.all(failures);
    if (delivered.length > 0) {
      this.counters.delivered += delivered.length;
      this.counters.last_delivery_at = new Date().toISOString();
    }
    return { claimed: events.length, delivered: delivered.length, failed };
  }

  /** Moves a failed event to the dead letters; false when that could not be recorded (it stays in the outbox). */
  private async deadLetter(event: OutboxEvent, result: { status: number | null; error: string }): Promise<boolean> {
    let moved: boolean;
    try {
      moved = await this.outbox.moveToDeadLetter(event.id, { status: result.status, error: result.error, at: new Date() });
    } catch (error) {
      this.logger.error(IntegrationsMessages.dispatcherMarkFailed(errorText(error)));
      return false;
    }
    // Not moved: it had left the outbox already (requeued and delivered meanwhile); nothing to hold back.
    if (!moved) return true;
    this.counters.dead_lettered++;
    this.logger.warn(IntegrationsMessages.dispatcherDeadLettered(event.id, event.session_id, event.attempts + 1, result.error));
    return true;
  }

  private async loop(): Promise<void> {
    const { pollIntervalMs, retryBaseMs, retryMaxMs } = this.config.trace;
    let failingRounds = 0;
    while (this.running) {
      this.notified = false;
      const { limit, concurrency } = this.pace();
      const roundStarted = performance.now();
      let result: TraceRoundResult;
      let roundFailed = false;
      try {
        result = await this.runOnce(limit, concurrency);
      } catch (error) {
        roundFailed = true;
        result = { claimed: 0, delivered: 0, failed: 0 };
        this.counters.last_error = IntegrationsMessages.dispatcherRoundFailed(errorText(error));
        this.logger.error(this.counters.last_error);
      }
      if (!this.running) break;

      if (result.delivered === 0 && (result.failed > 0 || roundFailed)) {
        // Nothing got through: back off as a whole (commits do not wake the loop meanwhile).
        const waitMs = backoffDelay(failingRounds, retryBaseMs, retryMaxMs);
        if (failingRounds === 0) this.logger.warn(IntegrationsMessages.dispatcherTraceDown(this.counters.last_error ?? '', waitMs));
        failingRounds++;
        await this.sleep(waitMs, false);
        continue;
      }
      if (result.delivered > 0 && failingRounds > 0) {
        this.logger.log(IntegrationsMessages.dispatcherTraceRecovered());
        failingRounds = 0;
      }
      if (this.yielding && result.claimed > 0) {
        // Giving way: a pause after each round bounds delivery to a small share of the loop.
        await this.sleep(Math.min(YIELDING_MAX_PAUSE_MS, (performance.now() - roundStarted) * YIELDING_PAUSE_FACTOR), false);
        continue;
      }
      if (result.claimed >= limit) continue;
      if (this.notified) {
        // New events arrived during the round: gather a few more before the next one, so that under
        // load a round carries many events instead of paying a claim and a delete per commit.
        await this.sleep(COALESCE_ROUNDS_MS, false);
        continue;
      }
      await this.sleep(pollIntervalMs, true);
    }
  }

  private sleep(ms: number, wakesOnNotify: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wakeUp = done;
      this.sleepWakesOnNotify = wakesOnNotify;
    });
  }

  private wake(force: boolean): void {
    if (this.wakeUp && (force || this.sleepWakesOnNotify)) this.wakeUp();
  }
}
