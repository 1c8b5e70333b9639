import { isIPv6 } from 'node:net';
import { ADDRESS_BUCKET_PREFIX, KEY_BUCKET_PREFIX } from '../security.constants.js';

/**
 * The rate-limit bucket of a request: `key:<id>` when it presents a live API key (found in the key
 * store, not revoked), else `ip:<client address>`.
 *
 * A key that is not live (unknown, revoked, malformed, two different keys) counts against its
 * address, like no key at all: made-up keys cannot open fresh buckets.
 */
export function rateLimitBucket(liveKeyId: string | undefined, address: string | undefined): string {
  return liveKeyId !== undefined ? KEY_BUCKET_PREFIX + liveKeyId : ADDRESS_BUCKET_PREFIX + clientAddress(address);
}

/**
 * The address a client is limited by: an IPv4 address as is (also when it arrives IPv4-mapped,
 * `::ffff:a.b.c.d`), an IPv6 address as its /64 (one host usually owns a whole /64 and could
 * otherwise rotate addresses within it).
 */
export function clientAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const bare = address.split('%')[0].toLowerCase();
  if (!isIPv6(bare)) return bare;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1];
  if (bare === '::1') return bare;
  return `${ipv6Groups(bare)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? address.slice(0, dotted.index) +
      [((+dotted[1] << 8) | +dotted[2]).toString(16), ((+dotted[3] << 8) | +dotted[4]).toString(16)].join(':')
    : address;
  const [head, tail = ''] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = hex.includes('::') && tail ? tail.split(':') : [];
  const groups = hex.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((group) => parseInt(group, 16) || 0);
}
