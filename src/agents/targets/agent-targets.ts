import { BlockList, isIP } from 'node:net';

/**
 * Where remote agents may be: the rules applied to registered endpoints, agent card URLs and the
 * interface URLs of cards (see AgentTargetPolicy), as pure functions.
 */

/** Link-local ranges and the cloud metadata addresses outside them. */
const FORBIDDEN_SUBNETS: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['169.254.0.0', 16, 'ipv4'], // link-local; AWS, GCP, Azure, OpenStack metadata at 169.254.169.254
  ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud metadata
  ['168.63.129.16', 32, 'ipv4'], // Azure platform (WireServer)
  ['fe80::', 10, 'ipv6'], // link-local
  ['fd00:ec2::254', 128, 'ipv6'], // AWS metadata over IPv6
];

/** Host names of cloud metadata services. */
export const METADATA_HOSTS: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

const FORBIDDEN = new BlockList();
for (const [address, prefix, family] of FORBIDDEN_SUBNETS) FORBIDDEN.addSubnet(address, prefix, family);

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** A parsed AGENT_ALLOWED_HOSTS: exact host names, `.suffix`es, and addresses or CIDR ranges. */
export interface AllowedHosts {
  /** The entries as written (normalized), for messages. */
  readonly entries: readonly string[];
  readonly hosts: ReadonlySet<string>;
  /** Each with its leading dot: `.example.com` matches `a.example.com`, not `example.com`. */
  readonly suffixes: readonly string[];
  readonly addresses: BlockList;
}

/** What is wrong with a target, or null when it may be used. */
export type TargetVerdict =
  | { ok: true }
  | { ok: false; rule: 'metadata_host'; host: string }
  | { ok: false; rule: 'forbidden_address'; host: string; address: string }
  | { ok: false; rule: 'not_allowed'; host: string; addresses: readonly string[] };

/** `[::1]` → `::1`, `Example.COM.` → `example.com`: a URL's hostname as the rules compare it. */
export function normalizeHost(hostname: string): string {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return host.toLowerCase().replace(/\.$/, '');
}

function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined;
}

/**
 * Parses AGENT_ALLOWED_HOSTS: comma-separated host names (`agents.internal`), `.suffix`es
 * (`.agents.internal`), addresses (`10.0.0.7`, `::1`) and CIDR ranges (`10.0.0.0/8`, `fd00::/8`).
 * Throws an Error naming the first entry that is none of these, or for a list without entries.
 */
export function parseAllowedHosts(list: string): AllowedHosts {
  const entries: string[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const addresses = new BlockList();
  for (const raw of list.split(',')) {
    let entry = normalizeHost(raw.trim());
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const address = normalizeHost(entry.slice(0, slash));
      const family = familyOf(address);
      const bits = entry.slice(slash + 1);
      const prefix = Number(bits);
      if (!family || !/^\d{1,3}$/.test(bits) || prefix > (family === 'ipv4' ? 32 : 128))
        throw new Error(`"${raw.trim()}" is not a valid CIDR range`);
      addresses.addSubnet(address, prefix, family);
      entry = `${address}/${prefix}`;
    } else if (familyOf(entry)) {
      addresses.addAddress(entry, familyOf(entry));
    } else if (entry.startsWith('.') && HOST_NAME.test(entry.slice(1))) {
      suffixes.push(entry);
    } else if (HOST_NAME.test(entry)) {
      hosts.add(entry);
    } else {
      throw new Error(`"${raw.trim()}" is not a host name, .suffix, address or CIDR range`);
    }
    entries.push(entry);
  }
  if (entries.length === 0) throw new Error('the list has no entries');
  return { entries, hosts, suffixes, addresses };
}

/** Whether the allowlist names `host` itself (a listed host name or a matching `.suffix`). */
export function namesHost(allowed: AllowedHosts | null, host: string): boolean {
  if (!allowed || familyOf(host)) return false;
  return allowed.hosts.has(host) || allowed.suffixes.some((suffix) => host.endsWith(suffix));
}

/** Whether the allowlist covers `address` (a listed address or CIDR range). */
export function coversAddress(allowed: AllowedHosts | null, address: string): boolean {
  const family = familyOf(address);
  return allowed !== null && family !== undefined && allowed.addresses.check(address, family);
}

/** Whether `address` is link-local or a cloud metadata address (IPv4-mapped IPv6 forms included). */
export function isForbiddenAddress(address: string): boolean {
  const family = familyOf(address);
  return family !== undefined && FORBIDDEN.check(address, family);
}

/** Whether the host name must be resolved before judging: not an address, not named by the allowlist. */
export function needsResolution(allowed: AllowedHosts | null, host: string): boolean {
  return !familyOf(host) && !namesHost(allowed, host) && !METADATA_HOSTS.has(host);
}

/**
 * The rules for one target: `host` (normalized) and the addresses it resolves to (for an address,
 * itself). A host or address listed in AGENT_ALLOWED_HOSTS is always allowed; otherwise a metadata
 * host name or any link-local or metadata address is refused, and when an allowlist is set,
 * everything it does not list is refused.
 */
export function judgeTarget(allowed: AllowedHosts | null, host: string, addresses: readonly string[]): TargetVerdict {
  if (namesHost(allowed, host)) return { ok: true };
  if (METADATA_HOSTS.has(host)) return { ok: false, rule: 'metadata_host', host };
  const forbidden = addresses.find((address) => isForbiddenAddress(address) && !coversAddress(allowed, address));
  if (forbidden !== undefined) return { ok: false, rule: 'forbidden_address', host, address: forbidden };
  if (allowed && (addresses.length === 0 || !addresses.every((address) => coversAddress(allowed, address)))) {
    return { ok: false, rule: 'not_allowed', host, addresses };
  }
  return { ok: true };
}
