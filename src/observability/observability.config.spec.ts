import { ConfigValidationError } from '../common/config/validate-config.js';
import { loadObservabilityConfig } from './observability.config.js';

describe('loadObservabilityConfig', () => {
  it('defaults: readable logs, readiness fails beyond 100 000 pending Trace events', () => {
    expect(loadObservabilityConfig({})).toEqual({ logFormat: 'pretty', readyMaxOutboxBacklog: 100_000 });
  });

  it('NODE_ENV=production writes JSON lines; any other value readable ones', () => {
    expect(loadObservabilityConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadObservabilityConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadObservabilityConfig({ NODE_ENV: 'test' }).logFormat).toBe('pretty');
  });

  it('READY_MAX_OUTBOX_BACKLOG takes a non-negative integer, 0 included', () => {
    expect(loadObservabilityConfig({ READY_MAX_OUTBOX_BACKLOG: '0' }).readyMaxOutboxBacklog).toBe(0);
    expect(loadObservabilityConfig({ READY_MAX_OUTBOX_BACKLOG: '2500' }).readyMaxOutboxBacklog).toBe(2500);
  });

  it.each(['-1', '1.5', 'lots'])('READY_MAX_OUTBOX_BACKLOG=%s stops start-up naming the variable', (value) => {
    expect(() => loadObservabilityConfig({ READY_MAX_OUTBOX_BACKLOG: value })).toThrow(ConfigValidationError);
    expect(() => loadObservabilityConfig({ READY_MAX_OUTBOX_BACKLOG: value })).toThrow(/READY_MAX_OUTBOX_BACKLOG/);
  });
});
