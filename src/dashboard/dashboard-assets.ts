import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ASSET_CONTENT_TYPES, DASHBOARD_ASSETS_DIR } from './dashboard.constants.js';
import { DashboardMessages } from './dashboard.messages.js';

export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The built page, read once at start-up: a few small files, served from memory so that a request
 * never names a path on disk. Missing when the client was not built (then `/ui` says so).
 */
@Injectable()
export class DashboardAssets implements OnModuleInit {
  private readonly logger = new Logger(DashboardAssets.name);
  private readonly files = new Map<string, DashboardAsset>();

  constructor(private readonly dir: string = DASHBOARD_ASSETS_DIR) {}

  onModuleInit(): void {
    if (!existsSync(this.dir)) {
      this.logger.warn(DashboardMessages.notBuilt(this.dir));
      return;
    }
    for (const name of readdirSync(this.dir)) {
      const contentType = ASSET_CONTENT_TYPES[extname(name)];
      if (contentType !== undefined) this.files.set(name, { body: readFileSync(join(this.dir, name)), contentType });
    }
  }

  get built(): boolean {
    return this.files.size > 0;
  }

  get(name: string): DashboardAsset | undefined {
    return this.files.get(name);
  }
}
