import { recordHeaders } from './recorded-headers.js';

describe('recordHeaders', () => {
  it('keeps what a middleware sets and removes, in order, and lets it read what it set', () => {
    const recorded = recordHeaders(
      (_req, res: { setHeader(n: string, v: string): void; getHeader(n: string): unknown; removeHeader(n: string): void }, next) => {
        res.setHeader('X-One', '1');
        res.setHeader('Vary', `${String(res.getHeader('x-one'))}, Origin`);
        res.removeHeader('X-Powered-By');
        next();
      },
    );
    expect(recorded).toEqual({
      set: [
        ['X-One', '1'],
        ['Vary', '1, Origin'],
      ],
      removed: ['X-Powered-By'],
    });
  });

  it('refuses a middleware that does not pass the request on at once, or fails', () => {
    expect(() => recordHeaders(() => undefined)).toThrow('did not set its headers synchronously');
    expect(() => recordHeaders((_req, _res, next) => next(new Error('no')))).toThrow('did not set its headers synchronously: Error: no');
  });
});
