import { loadIntegrationsConfig } from './integrations.config.js';

describe('loadIntegrationsConfig', () => {
  it('has defaults and leaves both integrations disabled when nothing is set', () => {
    expect(loadIntegrationsConfig({})).toEqual({
      trace: {
        url: null,
        timeoutMs: 5_000,
        retryBaseMs: 500,
        retryMaxMs: 60_000,
        batchSize: 200,
        concurrency: 16,
        pollIntervalMs: 500,
      },
      memagent: { url: null, timeoutMs: 30_000 },
      probe: { timeoutMs: 2_000, cacheMs: 5_000 },
    });
  });

  it('treats empty URLs as unset and strips trailing slashes', () => {
    expect(loadIntegrationsConfig({ TRACE_URL: '', MEMAGENT_URL: '' })).toMatchObject({ trace: { url: null }, memagent: { url: null } });
    const config = loadIntegrationsConfig({ TRACE_URL: 'http://localhost:8787/', MEMAGENT_URL: 'https://mem.example.com/base//' });
    expect(config.trace.url).toBe('http://localhost:8787');
    expect(config.memagent.url).toBe('https://mem.example.com/base');
    expect(loadIntegrationsConfig({ TRACE_URL: 'http://trace_svc:8787' }).trace.url).toBe('http://trace_svc:8787');
  });

  it('reads numbers', () => {
    const config = loadIntegrationsConfig({
      MEMAGENT_TIMEOUT_MS: '1500',
      TRACE_BATCH_SIZE: '50',
      TRACE_CONCURRENCY: '4',
      PROBE_TIMEOUT_MS: '2000',
      PROBE_CACHE_MS: '0',
    });
    expect(config.memagent.timeoutMs).toBe(1_500);
    expect(config.trace).toMatchObject({ batchSize: 50, concurrency: 4 });
    expect(config.probe).toEqual({ timeoutMs: 2_000, cacheMs: 0 });
  });

  it.each([
    ['TRACE_URL', 'ftp://trace:21'],
    ['TRACE_URL', 'localhost:8787'],
    ['MEMAGENT_URL', 'not a url'],
    ['MEMAGENT_URL', 'http://mem:8799/?x=1'],
    ['MEMAGENT_TIMEOUT_MS', '0'],
    ['MEMAGENT_TIMEOUT_MS', 'soon'],
    ['TRACE_TIMEOUT_MS', '1.5'],
    ['TRACE_BATCH_SIZE', '-1'],
    ['TRACE_CONCURRENCY', '0'],
    ['TRACE_POLL_INTERVAL_MS', 'x'],
    ['PROBE_TIMEOUT_MS', '5000'],
    ['PROBE_CACHE_MS', '-5'],
  ])('rejects %s=%j with a message naming it', (name, value) => {
    expect(() => loadIntegrationsConfig({ [name]: value })).toThrow(name);
  });

  it('rejects TRACE_RETRY_MAX_MS below TRACE_RETRY_BASE_MS', () => {
    expect(() => loadIntegrationsConfig({ TRACE_RETRY_BASE_MS: '1000', TRACE_RETRY_MAX_MS: '10' })).toThrow('TRACE_RETRY_MAX_MS');
  });
});
