import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ContractRepository, type RetentionBatch } from '../contract.repository.js';
import { contractsConfig } from '../contracts.config.js';
import { RETENTION_BATCH_MAX_CONTRACTS, RETENTION_BATCH_MAX_SESSIONS, RETENTION_INTERVAL_MS } from '../contracts.constants.js';
import { retentionFailedMessage, retentionPassMessage } from '../contracts.messages.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * CONTRACT_RETENTION_DAYS: deletes whole sessions whose last contract is older, in small transactions
 * (ContractRepository.deleteExpiredSessions) with a turn of the event loop between two, so requests
 * never wait long behind it. Runs once right after start-up, then every RETENTION_INTERVAL_MS, in the
 * server only (RetentionModule is not part of the CLIs).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionBatch> | undefined;
  private stopping = false;

  constructor(
    private readonly repository: ContractRepository,
    @Inject(contractsConfig.KEY) private readonly config: ConfigType<typeof contractsConfig>,
  ) {}

  /** The retention in days, or null when everything is kept. */
  get days(): number | null {
    return this.config.retentionDays ?? null;
  }

  onApplicationBootstrap(): void {
    if (this.days !== null) this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass: batches until no expired session is left (or shutdown begins). Returns what was deleted;
   * deletes nothing when CONTRACT_RETENTION_DAYS is unset. A pass already under way is joined.
   */
  runPass(now: Date = new Date()): Promise<RetentionBatch> {
    const days = this.days;
    if (days === null) return Promise.resolve({ sessions: 0, contracts: 0 });
    this.running ??= this.pass(new Date(now.getTime() - days * DAY_MS).toISOString()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(updatedBefore: string): Promise<RetentionBatch> {
    const total: RetentionBatch = { sessions: 0, contracts: 0 };
    while (!this.stopping) {
      const batch = await this.repository.deleteExpiredSessions(updatedBefore, RETENTION_BATCH_MAX_SESSIONS, RETENTION_BATCH_MAX_CONTRACTS);
      if (batch.sessions === 0 && batch.contracts === 0) break;
      total.sessions += batch.sessions;
      total.contracts += batch.contracts;
      await yieldToEventLoop();
    }
    if (total.contracts > 0 || total.sessions > 0) this.logger.log(retentionPassMessage(total.sessions, total.contracts, updatedBefore));
    return total;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runPass()
        .catch((error: unknown) => this.logger.error(retentionFailedMessage(error)))
        .finally(() => this.schedule(RETENTION_INTERVAL_MS));
    }, delayMs);
    // Never keeps the process alive on its own.
    this.timer.unref();
  }
}
