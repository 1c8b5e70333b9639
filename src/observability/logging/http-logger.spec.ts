import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapturedLines } from '../testing/captured-lines.js';
import { requestFields, requestLine, requestLineLogger, requestLogLevel } from './http-logger.js';
import { requestIdFor } from './request-id.js';
import { createRootLogger } from './root-logger.js';

function exchange(url: string, status: number) {
  return [{ url, originalUrl: url } as IncomingMessage & { originalUrl: string }, { statusCode: status } as ServerResponse] as const;
}

describe('requestLogLevel', () => {
  it.each([
    ['/v1/orchestrate', 200, 'info'],
    ['/v1/contracts?limit=5', 200, 'info'],
    ['/v1/health', 200, 'debug'],
    ['/v1/health/live', 200, 'debug'],
    ['/v1/health/ready?x=1', 200, 'debug'],
    ['/metrics', 200, 'debug'],
    ['/v1/orchestrate', 400, 'warn'],
    ['/nope', 404, 'warn'],
    ['/metrics', 401, 'warn'],
    ['/v1/health/ready', 503, 'warn'],
    ['/v1/orchestrate', 500, 'error'],
    ['/v1/compress', 502, 'error'],
  ])('%s answered %i is logged at %s', (url, status, level) => {
    const [req, res] = exchange(url, status);
    expect(requestLogLevel(req, res)).toBe(level);
  });
});

describe('requestLine', () => {
  let server: Server;
  let base: string;
  const out = new CapturedLines();

  beforeAll(async () => {
    const root = createRootLogger({ level: 'info', format: 'json' }, out);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const fields = requestFields(req, requestIdFor(req, res));
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
      requestLine(root, fields, res, 1);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('writes one small line per answer with the request id, and no headers', async () => {
    const res = await fetch(`${base}/v1/orchestrate?x=1`, {
      headers: { 'X-Request-Id': 'client-id-1', Authorization: 'Bearer secret-a', 'X-API-Key': 'secret-b', Cookie: 'secret-c' },
    });
    expect(res.headers.get('x-request-id')).toBe('client-id-1');
    const missing = await fetch(`${base}/missing`);
    const generated = missing.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      req: { id: 'client-id-1', method: 'GET', url: '/v1/orchestrate?x=1' },
      res: { statusCode: 200 },
      msg: 'request completed',
    });
    expect(Object.keys(lines[0].req as object).sort()).toEqual(['id', 'method', 'url']);
    expect(typeof lines[0].responseTime).toBe('number');
    expect(lines[1]).toMatchObject({ level: 'warn', req: { id: generated }, res: { statusCode: 404 } });
    expect(out.raw()).not.toMatch(/secret-/);
  });
});

describe('requestLineLogger', () => {
  it('writes to the root logger at its level, redacting everything but paths under req and res', () => {
    const out = new CapturedLines();
    const root = createRootLogger({ level: 'info', format: 'json' }, out);
    const lines = requestLineLogger(root);

    lines.debug({ msg: 'below the level' });
    const err = Object.assign(new Error('boom'), { config: { headers: { authorization: 'Bearer secret-a' } } });
    lines.error(
      { req: { id: 'r1', method: 'GET', url: '/v1/x' }, res: { statusCode: 500 }, err, key: 'secret-b', responseTime: 3 },
      'request errored',
    );
    // The root logger keeps its own redaction of a request's headers.
    root.info({ req: { id: 'r2', headers: { 'x-api-key': 'secret-c' } } }, 'root line');
    // Request lines never hold headers (RequestFields), so their logger does not look under req at all.
    lines.info({ req: { id: 'r3', headers: { 'x-api-key': 'not-looked-at' } } }, 'request line');

    const [line, rootLine, unredacted] = out.lines();
    expect(out.lines()).toHaveLength(3);
    expect(line).toMatchObject({
      level: 'error',
      req: { id: 'r1', method: 'GET', url: '/v1/x' },
      res: { statusCode: 500 },
      err: { message: 'boom', config: { headers: { authorization: '[redacted]' } } },
      key: '[redacted]',
      msg: 'request errored',
    });
    expect(rootLine).toMatchObject({ req: { id: 'r2', headers: { 'x-api-key': '[redacted]' } }, msg: 'root line' });
    expect(unredacted).toMatchObject({ req: { id: 'r3', headers: { 'x-api-key': 'not-looked-at' } } });
    expect(out.raw()).not.toMatch(/secret-/);
  });
});
