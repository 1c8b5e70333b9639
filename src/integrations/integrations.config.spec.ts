import { loadIntegrationsConfig } from './integrations.config.js';

describe('loadIntegrationsConfig', () => {
  it('has defaults and leaves both integrations disabled when nothing is set', () => {
    expect(loadIntegrationsConfig({})).toEqual({
      trace: {
        url: null,
        displayUrl: null,
        auth: null,
        timeoutMs: 5_000,
        retryBaseMs: 500,
        retryMaxMs: 60_000,
        maxAttempts: 50,
        batchSize: 200,
        concurrency: 16,
        pollIntervalMs: 500,
      },
      memagent: { url: null, displayUrl: null, auth: null, timeoutMs: 30_000 },
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
      TRACE_MAX_ATTEMPTS: '3',
    });
    expect(config.memagent.timeoutMs).toBe(1_500);
    expect(config.trace).toMatchObject({ batchSize: 50, concurrency: 4, maxAttempts: 3 });
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
    ['TRACE_MAX_ATTEMPTS', '0'],
    ['TRACE_MAX_ATTEMPTS', 'many'],
  ])('rejects %s=%j with a message naming it', (name, value) => {
    expect(() => loadIntegrationsConfig({ [name]: value })).toThrow(name);
  });

  it('takes user:pass@ out of the URLs: credentials apart, shown as user:***@', () => {
    const config = loadIntegrationsConfig({
      TRACE_URL: 'http://tracer:s3cr%40t@127.0.0.1:8787/',
      MEMAGENT_URL: 'https://token@mem.example.com/base',
    });
    expect(config.trace).toMatchObject({
      url: 'http://127.0.0.1:8787',
      displayUrl: 'http://tracer:***@127.0.0.1:8787',
      auth: { username: 'tracer', password: 's3cr@t' },
    });
    expect(config.memagent).toMatchObject({
      url: 'https://mem.example.com/base',
      displayUrl: 'https://***@mem.example.com/base',
      auth: { username: 'token', password: '' },
    });
  });

  it.each([
    ['TRACE_URL', 'ftp://u:hunter2@trace:21'],
    ['TRACE_URL', 'http://u:hunter2@trace:8787/?x=1'],
    ['MEMAGENT_URL', 'http://u:hunter2@mem:8799/#f'],
  ])('does not quote the password of a rejected %s', (name, value) => {
    let message = '';
    try {
      loadIntegrationsConfig({ [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(name);
    expect(message).not.toContain('hunter2');
  });

  it('rejects TRACE_RETRY_MAX_MS below TRACE_RETRY_BASE_MS', () => {
    expect(() => loadIntegrationsConfig({ TRACE_RETRY_BASE_MS: '1000', TRACE_RETRY_MAX_MS: '10' })).toThrow('TRACE_RETRY_MAX_MS');
  });
});
