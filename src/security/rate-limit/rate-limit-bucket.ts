import type { IncomingHttpHeaders } from 'node:http';
import { isIPv6 } from 'node:net';
import { hashApiKey, isWellFormedApiKey, readPresentedKey } from '../../auth/api-key.js';
import { ADDRESS_BUCKET_PREFIX, KEY_BUCKET_PREFIX } from '../security.constants.js';

/**
 * The rate-limit bucket of a request: `key:<SHA-256 of the key, as the key store keeps it>` when it presents one API key of the
 * shape this service issues (`Authorization: Bearer <key>` or `X-API-Key: <key>`, read as the auth
 * guard reads them), else `ip:<client address>`.
 *
 * Only a hash of a key is kept, never the key. A malformed key, two different keys, or none at all
 * fall back to the address, so made-up header values cannot open fresh buckets. A well-formed key
 * that does not exist still gets its own bucket (telling it apart would take a key look-up before
 * the limit); once keys exist, the auth guard answers such requests 401.
 */
export function rateLimitBucket(headers: IncomingHttpHeaders, address: string | undefined): string {
  const presented = readPresentedKey(headers);
  if (presented.kind === 'key' && isWellFormedApiKey(presented.key)) {
    return KEY_BUCKET_PREFIX + hashApiKey(presented.key);
  }
  return ADDRESS_BUCKET_PREFIX + clientAddress(address);
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
    ? address.slice(0, dotted.index) + [((+dotted[1] << 8) | +dotted[2]).toString(16), ((+dotted[3] << 8) | +dotted[4]).toString(16)].join(':')
    : address;
  const [head, tail = ''] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = hex.includes('::') && tail ? tail.split(':') : [];
  const groups = hex.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((group) => parseInt(group, 16) || 0);
}
