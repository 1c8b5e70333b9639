import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { sql, type Kysely } from 'kysely';
import { DATABASE, type Database } from '../../database/index.js';

/** Longest the database may take to answer `SELECT 1` before it counts as down. */
export const DATABASE_CHECK_TIMEOUT_MS = 2_000;

/** `SELECT 1` through the store's Kysely instance: up when it answers in time. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(DATABASE) private readonly db: Kysely<Database>,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check<const Key extends string>(key: Key) {
    return this.indicators
      .check(key)
      .attempt(async () => {
        await sql`select 1`.execute(this.db);
      })
      .withTimeout(DATABASE_CHECK_TIMEOUT_MS);
  }
}
