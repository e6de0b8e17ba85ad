import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard's address policy: which IP addresses an HTTP connection may
 * open a socket to. Pure (no DNS, no sockets): the dispatcher calls it on
 * every address it is about to connect to (see `guardedDispatcher.ts`).
 *
 * Blocked by default — everything that is not a public unicast address:
 *
 * | range               | IPv4                                             | IPv6                                | opened by `allowPrivateNetwork` |
 * |---------------------|--------------------------------------------------|-------------------------------------|---------------------------------|
 * | cloudMetadata       | 169.254.169.254, 169.254.170.2, 169.254.170.23, 100.100.100.200 | fd00:ec2::254, fd00:ec2::23 | no                  |
 * | unspecified         | 0.0.0.0/8                                        | ::                                  | no (0.0.0.0 reaches the local host on Linux) |
 * | loopback            | 127.0.0.0/8                                      | ::1                                 | yes                             |
 * | private             | 10/8, 172.16/12, 192.168/16                      | fc00::/7 (unique local)             | yes                             |
 * | linkLocal           | 169.254.0.0/16                                   | fe80::/10, fec0::/10 (site-local)   | yes                             |
 * | carrierGradeNat     | 100.64.0.0/10                                    | 64:ff9b:1::/48 (local-use NAT64)    | yes                             |
 * | multicast           | 224.0.0.0/4                                      | ff00::/8                            | no                              |
 * | broadcast           | 255.255.255.255                                  | —                                   | no                              |
 * | benchmarking        | 198.18.0.0/15                                    | 2001:2::/48                         | no                              |
 * | documentation       | 192.0.2/24, 198.51.100/24, 203.0.113/24          | 2001:db8::/32, 3fff::/20            | no                              |
 * | reserved            | 192.0.0.0/24, 192.88.99.0/24, 240.0.0.0/4        | 100::/64, 2001::/23, all outside 2000::/3 | no                        |
 *
 * Addresses that embed an IPv4 address are judged by it (the kernel or a
 * translator would deliver them there): IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::/48` and Teredo (server and
 * client address). `::ffff:169.254.169.254` is thus `cloudMetadata`, not a
 * public IPv6 address (the bypass request-filtering-agent warns about).
 *
 * An address inside one of `allowCidrs` is allowed whatever its range
 * (IPv4 CIDRs also match the IPv4 address an IPv6 one embeds).
 */
export interface SsrfPolicy {
  /** Opens loopback, private, link-local and carrier-grade NAT ranges (not cloud metadata). @default false */
  allowPrivateNetwork?: boolean;
  /** CIDRs (`10.1.0.0/16`, `fd12::/16`, `127.0.0.1/32`) allowed whatever their range. */
  allowCidrs?: readonly string[];
}

export type AddressVerdict =
  | { allowed: true; address: string; range: string }
  | { allowed: false; address: string; range: string };

/** Judges one address under a policy. @see {@link createSsrfGuard} */
export type SsrfGuard = (address: string) => AddressVerdict;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
/** `open`: opened by allowPrivateNetwork. */
type Range = { name: string; cidrs: Cidr[]; open: boolean };

const cidrs = (...list: string[]): Cidr[] => list.map((text) => ipaddr.parseCIDR(text));

// Order matters: the first range that contains the address names it (metadata before link-local...).
const IPV4_RANGES: Range[] = [
  { name: 'cloudMetadata', cidrs: cidrs('169.254.169.254/32', '169.254.170.2/32', '169.254.170.23/32', '100.100.100.200/32'), open: false },
  { name: 'unspecified', cidrs: cidrs('0.0.0.0/8'), open: false },
  { name: 'loopback', cidrs: cidrs('127.0.0.0/8'), open: true },
  { name: 'private', cidrs: cidrs('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'), open: true },
  { name: 'linkLocal', cidrs: cidrs('169.254.0.0/16'), open: true },
  { name: 'carrierGradeNat', cidrs: cidrs('100.64.0.0/10'), open: true },
  { name: 'multicast', cidrs: cidrs('224.0.0.0/4'), open: false },
  { name: 'broadcast', cidrs: cidrs('255.255.255.255/32'), open: false },
  { name: 'benchmarking', cidrs: cidrs('198.18.0.0/15'), open: false },
  { name: 'documentation', cidrs: cidrs('192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'), open: false },
  { name: 'reserved', cidrs: cidrs('192.0.0.0/24', '192.88.99.0/24', '240.0.0.0/4'), open: false },
];

const IPV6_RANGES: Range[] = [
  { name: 'cloudMetadata', cidrs: cidrs('fd00:ec2::254/128', 'fd00:ec2::23/128'), open: false },
  { name: 'unspecified', cidrs: cidrs('::/128'), open: false },
  { name: 'loopback', cidrs: cidrs('::1/128'), open: true },
  { name: 'private', cidrs: cidrs('fc00::/7'), open: true },
  { name: 'linkLocal', cidrs: cidrs('fe80::/10', 'fec0::/10'), open: true },
  { name: 'carrierGradeNat', cidrs: cidrs('64:ff9b:1::/48'), open: true },
  { name: 'multicast', cidrs: cidrs('ff00::/8'), open: false },
  { name: 'benchmarking', cidrs: cidrs('2001:2::/48'), open: false },
  { name: 'documentation', cidrs: cidrs('2001:db8::/32', '3fff::/20'), open: false },
  { name: 'reserved', cidrs: cidrs('100::/64'), open: false },
];

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const TEREDO = ipaddr.parseCIDR('2001::/32');
const IETF_PROTOCOL_V6 = ipaddr.parseCIDR('2001::/23');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const SIIT = ipaddr.parseCIDR('::ffff:0:0:0/96');
const IPV4_MAPPED = ipaddr.parseCIDR('::ffff:0:0/96');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, [net, bits]: Cidr): boolean {
  return address.kind() === net.kind() && address.match(net, bits);
}

function v4(bytes: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes);
}

/**
 * The IPv4 addresses an IPv6 address stands for (empty when it embeds
 * none): what a packet to it would reach after mapping or translation.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const bytes = address.toByteArray();
  const last32 = bytes.slice(12, 16);
  if (inRange(address, IPV4_MAPPED) || inRange(address, SIIT) || inRange(address, NAT64)) return [v4(last32)];
  // IPv4-compatible (deprecated): every address in ::/96 but :: and ::1, which the table names.
  if (inRange(address, IPV4_COMPATIBLE) && bytes.slice(12, 15).some((b) => b !== 0)) return [v4(last32)];
  if (inRange(address, SIX_TO_FOUR)) return [v4(bytes.slice(2, 6))];
  // Teredo: the server's address in bits 32-63, the client's (inverted) in the last 32 bits.
  if (inRange(address, TEREDO)) return [v4(bytes.slice(4, 8)), v4(last32.map((b) => b ^ 0xff))];
  return [];
}

function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): { name: string; open: boolean } {
  if (address.kind() === 'ipv4') {
    return IPV4_RANGES.find((range) => range.cidrs.some((cidr) => inRange(address, cidr))) ?? { name: 'unicast', open: true };
  }
  const v6 = address as ipaddr.IPv6;
  const named = IPV6_RANGES.find((range) => range.cidrs.some((cidr) => inRange(v6, cidr)));
  if (named) return named;
  const embedded = embeddedIPv4(v6);
  if (embedded.length > 0) {
    // The worst of the embedded addresses decides (Teredo carries two).
    for (const inner of embedded) {
      const range = rangeOf(inner);
      if (range.name !== 'unicast') return range;
    }
    return { name: 'unicast', open: true };
  }
  if (inRange(v6, IETF_PROTOCOL_V6) || !inRange(v6, GLOBAL_UNICAST_V6)) return { name: 'reserved', open: false };
  return { name: 'unicast', open: true };
}

/**
 * Parses an IP address in any notation a resolver or a socket would accept:
 * dotted quad, the inet_aton short/decimal/octal/hex forms (`127.1`,
 * `2130706433`, `0177.0.0.1`, `0x7f000001`), IPv6 (with or without
 * brackets, with a zone index). `undefined` when `text` is not an address.
 */
export function parseIpAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  let candidate = text.trim();
  if (candidate.startsWith('[') && candidate.endsWith(']')) candidate = candidate.slice(1, -1);
  if (candidate.endsWith('.')) candidate = candidate.slice(0, -1);
  if (!ipaddr.isValid(candidate)) return undefined;
  try {
    return ipaddr.parse(candidate);
  } catch {
    return undefined;
  }
}

/** Parses CIDRs, IPv4-mapped IPv6 ones (`::ffff:10.0.0.0/104`) as the IPv4 CIDR they stand for. @throws {Error} an invalid CIDR */
function parseAllowCidr(text: string): Cidr {
  const [net, bits] = ipaddr.parseCIDR(text);
  if (net.kind() === 'ipv6' && bits >= 96 && (net as ipaddr.IPv6).isIPv4MappedAddress()) {
    return [(net as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [net, bits];
}

/** Whether `text` is a CIDR `allowCidrs` accepts. */
export function isValidCidr(text: string): boolean {
  try {
    parseAllowCidr(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the guard of one connection: `allowCidrs` are parsed once.
 *
 * @throws {Error} an invalid CIDR in `allowCidrs` (the settings schema refuses them first)
 * @example
 * const guard = createSsrfGuard({ allowCidrs: ['10.1.0.0/16'] });
 * guard('10.1.2.3');  // { allowed: true,  address: '10.1.2.3', range: 'private' }
 * guard('::ffff:127.0.0.1'); // { allowed: false, address: '127.0.0.1', range: 'loopback' }
 */
export function createSsrfGuard(policy: SsrfPolicy = {}): SsrfGuard {
  const allowCidrs = (policy.allowCidrs ?? []).map(parseAllowCidr);
  const allowPrivate = policy.allowPrivateNetwork === true;
  return (text) => {
    const parsed = parseIpAddress(text);
    if (!parsed) return { allowed: false, address: text, range: 'notAnAddress' };
    // An IPv4-mapped address is the IPv4 address: judged, matched and reported as such.
    const address = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
    const shown = address.toString();
    const { name, open } = rangeOf(address);
    const candidates = address.kind() === 'ipv6' ? [address, ...embeddedIPv4(address as ipaddr.IPv6)] : [address];
    if (allowCidrs.some((cidr) => candidates.some((candidate) => inRange(candidate, cidr)))) return { allowed: true, address: shown, range: name };
    if (name === 'unicast' || (allowPrivate && open)) return { allowed: true, address: shown, range: name };
    return { allowed: false, address: shown, range: name };
  };
}

/** One-off form of {@link createSsrfGuard}. */
export function checkAddress(address: string, policy: SsrfPolicy = {}): AddressVerdict {
  return createSsrfGuard(policy)(address);
}
