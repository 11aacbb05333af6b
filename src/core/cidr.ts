/** IPv4 CIDR arithmetic for VPCs and subnets: parsing, containment, overlap, address allocation. */

export interface Cidr4 {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
  /** Number of addresses. */
  size: number;
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/n`; undefined when malformed or when host bits are set (AWS refuses those too). */
export function parseCidr(text: string): Cidr4 | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = ipToInt(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = prefix === 0 ? 0 : ip - (ip % size);
  if (base !== ip) return undefined;
  return { base, prefix, size };
}

export function formatCidr(c: Cidr4): string {
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrContains(outer: Cidr4, inner: Cidr4): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function cidrContainsIp(c: Cidr4, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** AWS reserves the first four addresses and the last one of every subnet. */
export function isReservedInSubnet(c: Cidr4, ip: number): boolean {
  return ip - c.base < 4 || ip === c.base + c.size - 1;
}

/** Addresses a subnet offers for ENIs (size less AWS's five reserved). */
export function usableAddressCount(c: Cidr4): number {
  return Math.max(0, c.size - 5);
}

/** The lowest address of the subnet that is neither reserved nor in `used`; undefined when full. */
export function allocateAddress(c: Cidr4, used: ReadonlySet<string>): string | undefined {
  for (let ip = c.base + 4; ip < c.base + c.size - 1; ip++) {
    const s = intToIp(ip);
    if (!used.has(s)) return s;
  }
  return undefined;
}
