import { hashApiKey } from '../../auth/api-key.js';
import { clientAddress, rateLimitBucket } from './rate-limit-bucket.js';

const KEY = `ao_${'k'.repeat(43)}`;
const OTHER = `ao_${'o'.repeat(43)}`;

describe('rateLimitBucket', () => {
  it('a well-formed key: a hash of it, the same for both headers, never the key itself', () => {
    const bucket = rateLimitBucket({ 'x-api-key': KEY }, '10.0.0.1');
    expect(bucket).toBe(`key:${hashApiKey(KEY)}`);
    expect(bucket).not.toContain(KEY.slice(3));
    expect(rateLimitBucket({ authorization: `Bearer ${KEY}` }, '10.0.0.2')).toBe(bucket);
    expect(rateLimitBucket({ authorization: `Bearer ${KEY}`, 'x-api-key': KEY }, '10.0.0.3')).toBe(bucket);
    expect(rateLimitBucket({ 'x-api-key': OTHER }, '10.0.0.1')).not.toBe(bucket);
  });

  it.each([
    ['no key', {}],
    ['a malformed key', { 'x-api-key': 'not-a-key' }],
    ['a key of the wrong length', { 'x-api-key': `${KEY}x` }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['another scheme', { authorization: 'Basic dTpw' }],
    ['two different keys', { authorization: `Bearer ${KEY}`, 'x-api-key': OTHER }],
  ])('%s: the client address', (_name, headers) => {
    expect(rateLimitBucket(headers, '10.0.0.1')).toBe('ip:10.0.0.1');
  });

  it('ignores X-Forwarded-For (the address is the socket’s, unless Express is told to trust a proxy)', () => {
    expect(rateLimitBucket({ 'x-forwarded-for': '203.0.113.9' }, '10.0.0.1')).toBe('ip:10.0.0.1');
  });
});

describe('clientAddress', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4::/64'],
    [undefined, 'unknown'],
    ['', 'unknown'],
  ])('%s → %s', (address, expected) => {
    expect(clientAddress(address)).toBe(expected);
  });
});
