import { HealthIndicatorService } from '@nestjs/terminus';
import type { TraceOutboxDispatcher } from '../../integrations/trace/trace-outbox.dispatcher.js';
import { OutboxBacklogHealthIndicator } from './outbox-backlog.health.js';

function indicator(backlog: () => Promise<{ pending: number; oldest_created_at: string | null }>) {
  return new OutboxBacklogHealthIndicator({ backlog, enabled: true } as unknown as TraceOutboxDispatcher, new HealthIndicatorService());
}

describe('OutboxBacklogHealthIndicator', () => {
  it('is up while the backlog is at most the limit, with the figures', async () => {
    const check = indicator(async () => ({ pending: 10, oldest_created_at: '2026-01-01T00:00:00.000Z' }));
    await expect(check.check('trace_outbox', 10)).resolves.toEqual({
      trace_outbox: { status: 'up', pending: 10, limit: 10, oldest_pending_at: '2026-01-01T00:00:00.000Z', delivery_enabled: true },
    });
  });

  it('is down beyond the limit', async () => {
    const check = indicator(async () => ({ pending: 1, oldest_created_at: '2026-01-01T00:00:00.000Z' }));
    const result = await check.check('trace_outbox', 0);
    expect(result.trace_outbox).toMatchObject({ status: 'down', pending: 1, limit: 0 });
    expect(result.trace_outbox.message).toContain('1 Trace outbox events wait for delivery (limit 0)');
  });

  it('is down when the backlog cannot be read', async () => {
    const check = indicator(() => Promise.reject(new Error('driver has already been destroyed')));
    await expect(check.check('trace_outbox', 5)).resolves.toEqual({
      trace_outbox: { status: 'down', message: 'driver has already been destroyed', limit: 5 },
    });
  });
});
