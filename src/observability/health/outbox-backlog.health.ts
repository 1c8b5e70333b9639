import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { TraceOutboxDispatcher } from '../../integrations/trace/trace-outbox.dispatcher.js';

/**
 * The Trace outbox backlog against a limit: up while at most `limit` events wait for delivery, down
 * beyond it (Trace has been unreachable for long, or cannot keep up) or when the backlog cannot be
 * read. The figures are in the answer either way.
 */
@Injectable()
export class OutboxBacklogHealthIndicator {
  constructor(
    private readonly dispatcher: TraceOutboxDispatcher,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check<const Key extends string>(key: Key, limit: number): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    let backlog: Awaited<ReturnType<TraceOutboxDispatcher['backlog']>>;
    try {
      backlog = await this.dispatcher.backlog();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error), limit });
    }
    const figures = {
      pending: backlog.pending,
      limit,
      oldest_pending_at: backlog.oldest_created_at,
      delivery_enabled: this.dispatcher.enabled,
    };
    return backlog.pending > limit
      ? indicator.down({ ...figures, message: `${backlog.pending} Trace outbox events wait for delivery (limit ${limit})` })
      : indicator.up(figures);
  }
}
