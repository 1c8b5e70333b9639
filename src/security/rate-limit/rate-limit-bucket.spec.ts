import { clientAddress, rateLimitBucket } from './rate-limit-bucket.js';

describe('rateLimitBucket', () => {
  it('a live key: its id, whatever the address', () => {
    expect(rateLimitBucket('01JKEY', '10.0.0.1')).toBe('key:01JKEY');
    expect(rateLimitBucket('01JKEY', '10.0.0.2')).toBe('key:01JKEY');
  });

  it('no live key: the client address', () => {
    expect(rateLimitBucket(undefined, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(rateLimitBucket(undefined, '::ffff:10.0.0.1')).toBe('ip:10.0.0.1');
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
