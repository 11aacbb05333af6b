/**
 * Address parsing for the per-connection policy path: IPv4 to an unsigned 32-bit integer without
 * regular expressions or allocation, IPv6 to four 32-bit words, and CIDRs (both families) to the
 * compiled ranges the evaluators compare against. `::ffff:a.b.c.d` (how a dual-stack socket
 * reports an IPv4 peer) counts as IPv4.
 */

/** Parses dotted-quad IPv4 (no leading zeros, as AWS) into an unsigned 32-bit integer; -1 when malformed. */
export function ipv4ToUint(text: string, start = 0): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (leadingZero) return -1;
      if (digits === 0 && c === 48) leadingZero = true;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      leadingZero = false;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** The IPv4 address of `text` when it is dotted-quad or IPv4-mapped IPv6 (`::ffff:a.b.c.d`); -1 otherwise. */
export function ipv4Of(text: string): number {
  const v4 = ipv4ToUint(text);
  if (v4 >= 0) return v4;
  if (text.length > 7 && text.charCodeAt(0) === 58 && /^::ffff:/i.test(text)) {
    return ipv4ToUint(text, 7);
  }
  return -1;
}

/** Parses an IPv6 address (`::` compression, embedded IPv4 tail, `%zone` ignored) into four 32-bit words. */
export function ipv6ToWords(text: string): [number, number, number, number] | undefined {
  const pct = text.indexOf('%');
  const addr = pct >= 0 ? text.slice(0, pct) : text;
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = ipv4ToUint(p);
        if (v4 < 0) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const g = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return [
    ((g[0]! << 16) | g[1]!) >>> 0,
    ((g[2]! << 16) | g[3]!) >>> 0,
    ((g[4]! << 16) | g[5]!) >>> 0,
    ((g[6]! << 16) | g[7]!) >>> 0,
  ];
}

/** An IPv4 CIDR as an inclusive range of unsigned integers. */
export interface Range4 { lo: number; hi: number }

/** An IPv6 CIDR as four masked words and their masks. */
export interface Net6 { words: [number, number, number, number]; masks: [number, number, number, number] }

/** `a.b.c.d/n` to an inclusive range; undefined when malformed or when host bits are set (AWS refuses those). */
export function parseCidr4(text: string): Range4 | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = ipv4ToUint(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base < 0 || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { lo: base, hi: base + size - 1 };
}

/** `x:y::/n` to masked words; undefined when malformed or when host bits are set. */
export function parseCidr6(text: string): Net6 | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const words = ipv6ToWords(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!words || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 128) return undefined;
  const masks: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * i));
    masks[i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if (((words[i]! & ~masks[i]!) >>> 0) !== 0) return undefined;
  }
  return { words, masks };
}

/** Whether the address words fall inside the network. */
export function net6Contains(net: Net6, ip: readonly number[]): boolean {
  for (let i = 0; i < 4; i++) {
    if (((ip[i]! & net.masks[i]!) >>> 0) !== net.words[i]) return false;
  }
  return true;
}
