import { createRootLogger, pinoLevel } from './root-logger.js';
import { CapturedLines } from '../testing/captured-lines.js';

describe('root logger', () => {
  it('maps LOG_LEVEL onto pino levels (verbose is trace)', () => {
    expect(pinoLevel('verbose')).toBe('trace');
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug'] as const) expect(pinoLevel(level)).toBe(level);
  });

  it('json: one JSON object per line with the level by name', () => {
    const out = new CapturedLines();
    const logger = createRootLogger({ level: 'info', format: 'json' }, out);
    logger.info({ context: 'Spec' }, 'hello');
    logger.debug('not at info');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', context: 'Spec', msg: 'hello' });
    expect(typeof lines[0].time).toBe('number');
  });

  it('LOG_LEVEL=error keeps everything below error out', () => {
    const out = new CapturedLines();
    const logger = createRootLogger({ level: 'error', format: 'json' }, out);
    logger.info('no');
    logger.warn('no');
    logger.error('yes');
    expect(out.lines().map((l) => l.msg)).toEqual(['yes']);
  });

  it('redacts credentials in headers, HTTP client errors and key fields', () => {
    const out = new CapturedLines();
    const logger = createRootLogger({ level: 'info', format: 'json' }, out);
    logger.info(
      { req: { headers: { authorization: 'Bearer s3cret-1', 'x-api-key': 's3cret-2', cookie: 's3cret-3', accept: 'json' } } },
      'request',
    );
    logger.info({ headers: { authorization: 'Bearer s3cret-4' } }, 'headers');
    logger.info(
      { err: { message: 'boom', config: { headers: { Authorization: 'Bearer s3cret-5', 'X-API-Key': 's3cret-6' } } } },
      'client error',
    );
    logger.info({ apiKey: 's3cret-7', api_key: 's3cret-8', key: 's3cret-9' }, 'keys');
    expect(out.raw()).not.toMatch(/s3cret/);
    const [request] = out.lines();
    expect(request.req).toEqual({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', accept: 'json' },
    });
  });
});
