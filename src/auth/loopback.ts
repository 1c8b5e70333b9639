import { isIPv4 } from 'node:net';

/**
 * Whether a socket's remote address is this host's loopback: 127.0.0.0/8, `::1`, or 127.x.x.x
 * IPv4-mapped (`::ffff:127.0.0.1`, as a dual-stack socket reports it). Only the socket's address
 * counts: headers such as X-Forwarded-For are written by the client and prove nothing.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.toLowerCase();
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(v4) && v4.startsWith('127.');
}
