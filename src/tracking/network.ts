import { createHmac } from 'node:crypto';

// Tracking hits keep where they came from as a network, hashed, never as an address: enough to
// tell one scanner's network from another's, too little to find a person.

/** The four octets of a dotted IPv4 address, or undefined when it is not one. */
function ipv4Octets(text: string): number[] | undefined {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const octets = parts?.slice(1).map(Number);
  return octets && octets.every((o) => o <= 255) ? octets : undefined;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  // A zone (fe80::1%eth0) names an interface of this machine, not the client's network.
  let rest = text.split('%')[0]!;
  const tail: number[] = [];
  // The last 32 bits may be written as an IPv4 address (::ffff:192.0.2.1).
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    const octets = ipv4Octets(rest.slice(lastColon + 1));
    if (!octets) return undefined;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    rest = rest.slice(0, lastColon + 1);
    if (!rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const after = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (![...head, ...after].every((g) => HEX_GROUP.test(g))) return undefined;
  const written = head.length + after.length + tail.length;
  if (halves.length === 2 ? written > 7 : written !== 8) return undefined;
  const zeros = new Array<string>(8 - written).fill('0');
  return [...head, ...zeros, ...after].map((g) => parseInt(g, 16)).concat(tail);
}

/**
 * The network a client is in, not the client: an IPv4 address to its /24, an IPv6 address to
 * its first 48 bits, each in one spelling whatever way the address was written. An IPv4
 * client seen through an IPv6 socket (::ffff:192.0.2.1) or a NAT64 gateway (64:ff9b::/96) is
 * in its IPv4 network. Null for anything that is not an address.
 */
export function networkOf(ip: string | undefined): string | null {
  if (!ip) return null;
  const v4 = ipv4Octets(ip);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  const g = ip.includes(':') ? ipv6Groups(ip) : undefined;
  if (!g) return null;
  const isZero = (group: number) => group === 0;
  const mapped = g.slice(0, 5).every(isZero) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every(isZero);
  if (mapped || nat64) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.0/24`;
  return `${g[0]!.toString(16)}:${g[1]!.toString(16)}:${g[2]!.toString(16)}::/48`;
}

const NETWORK_HASHES_KEPT = 10_000;

/**
 * Hashes the network of a client's address (see networkOf) with an HMAC keyed by the
 * installation's secret, so that hits from one place can be told apart without storing
 * addresses. Hashes are remembered by address: a few networks (mail scanners, privacy
 * proxies) send most hits.
 */
export function networkHasher(secret: string): (ip: string | undefined) => string | null {
  const known = new Map<string, string | null>();
  return (ip) => {
    if (!ip) return null;
    let hash = known.get(ip);
    if (hash === undefined) {
      const network = networkOf(ip);
      hash =
        network === null
          ? null
          : createHmac('sha256', secret).update(network).digest('base64url').slice(0, 16);
      if (known.size >= NETWORK_HASHES_KEPT) known.clear();
      known.set(ip, hash);
    }
    return hash;
  };
}
