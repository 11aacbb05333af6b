/** Small, allocation-light IPv4/IPv6 text ⇄ bytes converters for the PROXY protocol codec. */

/** Parses dotted-quad IPv4 (no leading zeros) to an unsigned 32-bit number; -1 when invalid. */
export function ipv4ToNumber(s: string): number {
  let acc = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return -1;
      acc = acc * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero: ambiguous (octal in some parsers)
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + octet;
}

/** Writes an IPv4 address as 4 bytes at `off`; false when `s` is not an IPv4 address. */
export function writeIPv4(s: string, buf: Uint8Array, off: number): boolean {
  const n = ipv4ToNumber(s);
  if (n < 0) return false;
  buf[off] = n >>> 24;
  buf[off + 1] = (n >>> 16) & 0xff;
  buf[off + 2] = (n >>> 8) & 0xff;
  buf[off + 3] = n & 0xff;
  return true;
}

export function formatIPv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** Appends the 16-bit groups of `part` (colon-separated, maybe ending in dotted IPv4) to `out`. */
function groups(part: string, out: number[], allowIPv4: boolean): boolean {
  if (part === '') return true;
  const segs = part.split(':');
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (allowIPv4 && i === segs.length - 1 && seg.indexOf('.') !== -1) {
      const n = ipv4ToNumber(seg);
      if (n < 0) return false;
      out.push(n >>> 16, n & 0xffff);
      continue;
    }
    if (seg.length === 0 || seg.length > 4) return false;
    let v = 0;
    for (let j = 0; j < seg.length; j++) {
      const c = seg.charCodeAt(j);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out.push(v);
  }
  return true;
}

/** Writes an IPv6 address (full, `::`-compressed or with an IPv4 tail) as 16 bytes at `off`. */
export function writeIPv6(s: string, buf: Uint8Array, off: number): boolean {
  const gap = s.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap === -1) {
    if (!groups(s, head, true) || head.length !== 8) return false;
  } else {
    if (s.indexOf('::', gap + 1) !== -1) return false;
    if (!groups(s.slice(0, gap), head, false) || !groups(s.slice(gap + 2), tail, true)) return false;
    if (head.length + tail.length > 7) return false;
  }
  const zeros = 8 - head.length - tail.length;
  let p = off;
  for (const g of head) { buf[p++] = g >>> 8; buf[p++] = g & 0xff; }
  for (let i = 0; i < zeros; i++) { buf[p++] = 0; buf[p++] = 0; }
  for (const g of tail) { buf[p++] = g >>> 8; buf[p++] = g & 0xff; }
  return true;
}

/** RFC 5952 text for the 16 bytes at `off` (IPv4-mapped addresses as `::ffff:a.b.c.d`, as Node prints them). */
export function formatIPv6(buf: Uint8Array, off: number): string {
  let mapped = buf[off + 10] === 0xff && buf[off + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (buf[off + i] !== 0) mapped = false;
  if (mapped) return `::ffff:${formatIPv4(buf, off + 12)}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((buf[off + i]! << 8) | buf[off + i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  if (bestAt < 0) return g.map((x) => x.toString(16)).join(':');
  const left = g.slice(0, bestAt).map((x) => x.toString(16)).join(':');
  const right = g.slice(bestAt + bestLen).map((x) => x.toString(16)).join(':');
  return `${left}::${right}`;
}
