import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../../database/database.config.js';
import { RemoteAgentsService } from './remote-agents.service.js';

/** How often a process on a shared store reads the remote-agent registrations that others changed. */
export const REMOTE_AGENTS_SYNC_MS = 2_000;

/**
 * On a store several processes share (PostgreSQL), every API replica and worker routes to the same
 * remote agents: each reads the stored registrations every REMOTE_AGENTS_SYNC_MS. The embedded SQLite
 * store belongs to one process, which has them all already.
 */
@Injectable()
export class RemoteAgentsSync implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RemoteAgents');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly remoteAgents: RemoteAgentsService,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
  ) {}

  onApplicationBootstrap(): void {
    if (this.database.postgresUrl === undefined) return;
    this.timer = setInterval(() => void this.now(), REMOTE_AGENTS_SYNC_MS);
    this.timer.unref();
  }

  /**
   * Reads the stored registrations now (joining a read under way): a worker given a task for a
   * capability it knows no agent for may be behind an agent registered a moment ago on a replica.
   */
  now(): Promise<void> {
    if (this.database.postgresUrl === undefined) return Promise.resolve();
    this.running ??= this.remoteAgents
      .resync()
      .catch((error: unknown) => this.logger.error(`Reading remote-agent registrations failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
