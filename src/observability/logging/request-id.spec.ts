import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFor } from './request-id.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function exchange(sent?: string | string[]) {
  const headers: Record<string, string> = {};
  const req = { headers: sent === undefined ? {} : { 'x-request-id': sent } } as unknown as IncomingMessage;
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as ServerResponse;
  return { id: requestIdFor(req, res), headers };
}

describe('requestIdFor', () => {
  it.each(['abc', 'req-1.2_3:4', 'A'.repeat(128), '01ARZ3NDEKTSV4RRFFQ69G5FAV'])('keeps a sane id sent by the client: %s', (sent) => {
    const { id, headers } = exchange(sent);
    expect(id).toBe(sent);
    expect(headers['X-Request-Id']).toBe(sent);
  });

  it.each([
    ['none', undefined],
    ['empty', ''],
    ['too long', 'A'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a newline', 'a\nb'],
    ['non-ASCII', 'é'],
    ['a JSON fragment', '{"x":1}'],
    ['sent twice', ['a', 'b']],
  ])('makes a ULID when the sent id is %s', (_what, sent) => {
    const { id, headers } = exchange(sent);
    expect(id).toMatch(ULID);
    expect(headers['X-Request-Id']).toBe(id);
  });

  it('makes a different id for each request', () => {
    expect(exchange().id).not.toBe(exchange().id);
  });
});
