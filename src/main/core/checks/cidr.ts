/**
 * IPv4 and IPv6 address and CIDR arithmetic for the VPN check. Addresses become BigInts (32 or 128 bits) so one
 * mask comparison serves both families. Written out rather than using `net.BlockList` because the check must say
 * WHICH permitted range an address fell into, and tests cross-check it against BlockList.
 */

export type IpFamily = 4 | 6;

export type ParsedAddress = { family: IpFamily; value: bigint };

export type Cidr = {
  /** The text the operator wrote, e.g. `10.8.0.0/16`. */
  source: string;
  family: IpFamily;
  /** Network address (host bits cleared). */
  network: bigint;
  prefix: number;
};

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/** Parses dotted-quad IPv4; undefined when it is not exactly four decimal octets 0-255. */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/**
 * Parses IPv6 text: `::` compression, an embedded dotted-quad tail (`::ffff:10.0.0.1`) and a zone id
 * (`fe80::1%en0`, which os.networkInterfaces reports for link-local addresses) are accepted.
 */
function parseIpv6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  let body = zone === -1 ? text : text.slice(0, zone);
  if (body.length === 0) return undefined;

  // A dotted-quad tail stands for the last two groups.
  let tail: bigint | undefined;
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(body.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    body = body.slice(0, lastColon + 1) + '0:0';
  }

  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = toGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];

  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (tail !== undefined) value = (value & ~0xffffffffn) | tail;
  return value;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseIpv6(trimmed);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(trimmed);
  return value === undefined ? undefined : { family: 4, value };
}

function mask(family: IpFamily, prefix: number): bigint {
  const bits = BITS[family];
  return prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/**
 * Parses `address/prefix` (a bare address means a single host: /32 or /128). Host bits set in the address are
 * cleared, as routers do, rather than rejected: `10.8.1.7/16` means `10.8.0.0/16`.
 */
export function parseCidr(text: string): Cidr | undefined {
  const source = text.trim();
  const slash = source.indexOf('/');
  const address = parseAddress(slash === -1 ? source : source.slice(0, slash));
  if (address === undefined) return undefined;
  const bits = BITS[address.family];
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = source.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  return {
    source,
    family: address.family,
    network: address.value & mask(address.family, prefix),
    prefix,
  };
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`) compares as the IPv4 address it carries. */
function unmap(address: ParsedAddress): ParsedAddress {
  if (address.family === 6 && address.value >> 32n === 0xffffn) {
    return { family: 4, value: address.value & 0xffffffffn };
  }
  return address;
}

/** True when the address lies inside the CIDR (families must match after unmapping IPv4-mapped IPv6). */
export function cidrContains(cidr: Cidr, address: ParsedAddress): boolean {
  const a = unmap(address);
  if (a.family !== cidr.family) return false;
  return (a.value & mask(cidr.family, cidr.prefix)) === cidr.network;
}
