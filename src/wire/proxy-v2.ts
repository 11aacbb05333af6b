/** PROXY protocol v2 codec (encode / decode / encodingLength, plus v1 text decoding) and AWS NLB's exact header layout. */
import { formatIPv4, formatIPv6, ipv4ToNumber, writeIPv4, writeIPv6 } from './proxy-v2-addr.js';

export interface ProxyAddress { address: string; port: number }
export interface ProxyTlv { type: number; value: Buffer }
export type ProxyFamily = 'ipv4' | 'ipv6' | 'unspec';
export type ProxyTransport = 'stream' | 'dgram' | 'unspec';

/**
 * A PROXY header. On encode, `family` defaults to the source address's family (`unspec` without
 * addresses), `transport` to `stream` (`unspec` for family `unspec`); TLVs are written in the order
 * CRC32C, AWS 0xEA/0x01 (`vpceId`), `tlvs`, NOOP padding up to `padTo` total bytes — NLB's order.
 */
export interface ProxyHeader {
  command: 'PROXY' | 'LOCAL';
  family?: ProxyFamily;
  transport?: ProxyTransport;
  source?: ProxyAddress;
  destination?: ProxyAddress;
  /** TLVs other than CRC32C (0x03), NOOP (0x04) and the endpoint id (0xEA subtype 0x01). */
  tlvs?: ProxyTlv[];
  /** PP2_TYPE_AWS (0xEA), subtype PP2_SUBTYPE_AWS_VPCE_ID (0x01). */
  vpceId?: string;
  /** Encode: add a PP2_TYPE_CRC32C TLV. Decode: true when one was present (it was verified). */
  crc32c?: boolean;
  /** Encode: total header length to reach with a NOOP TLV. Decode: the total length when a NOOP TLV was present. */
  padTo?: number;
}

/** What decode returns: families and TLVs always present; TLV values are views into the input. */
export interface DecodedProxyHeader extends ProxyHeader {
  version: 1 | 2;
  family: ProxyFamily;
  transport: ProxyTransport;
  tlvs: ProxyTlv[];
}

/** `length` is the number of header bytes to drop from the input; payload starts there. */
export type ProxyDecodeResult =
  | { header: DecodedProxyHeader; length: number; incomplete?: undefined }
  /** `need`: the total header length, once known (the first 16 bytes tell it for v2). */
  | { incomplete: true; need?: number; header?: undefined };

export type ProxyErrorReason =
  | 'bad-signature' | 'bad-version' | 'bad-command' | 'bad-family' | 'bad-length'
  | 'bad-tlv' | 'bad-crc' | 'bad-address' | 'bad-port' | 'bad-v1' | 'too-long';

export class ProxyProtocolError extends Error {
  readonly code = 'ERR_PROXY_PROTOCOL';
  constructor(readonly reason: ProxyErrorReason, message: string) {
    super(message);
    this.name = 'ProxyProtocolError';
  }
}

export const PP2_TYPE_CRC32C = 0x03;
export const PP2_TYPE_NOOP = 0x04;
export const PP2_TYPE_AWS = 0xea;
export const PP2_SUBTYPE_AWS_VPCE_ID = 0x01;
/** NLB pads every PROXY v2 header it sends, PROXY and LOCAL alike, to 100 bytes (len = 84). */
export const NLB_HEADER_LENGTH = 100;

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const ZERO4 = new Uint8Array(4);
const MAX_TOTAL = 16 + 0xffff;
const FAMILY_NIBBLE: Record<ProxyFamily, number> = { unspec: 0, ipv4: 1, ipv6: 2 };
const TRANSPORT_NIBBLE: Record<ProxyTransport, number> = { unspec: 0, stream: 1, dgram: 2 };
const FAMILIES: readonly (ProxyFamily | undefined)[] = ['unspec', 'ipv4', 'ipv6'];
const TRANSPORTS: readonly (ProxyTransport | undefined)[] = ['unspec', 'stream', 'dgram'];
const ADDRESS_LENGTH: Record<ProxyFamily, number> = { unspec: 0, ipv4: 12, ipv6: 36 };

/** CRC32C (Castagnoli, reflected 0x82F63B78) lookup table, built once. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * Running CRC32C over buf[start, end); start with -1, finish with `~crc >>> 0`. A plain table loop:
 * @aws-crypto/crc32c (the test oracle) iterates bytes through the iterator protocol, ~6× slower.
 */
function crcUpdate(crc: number, buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

function fail(reason: ProxyErrorReason, message: string): never {
  throw new ProxyProtocolError(reason, message);
}

function familyOf(h: ProxyHeader): ProxyFamily {
  if (h.family) return h.family;
  if (h.command === 'LOCAL' || !h.source) return 'unspec';
  return h.source.address.indexOf(':') === -1 ? 'ipv4' : 'ipv6';
}

function unpaddedLength(h: ProxyHeader, family: ProxyFamily): number {
  let n = 16 + (h.command === 'PROXY' ? ADDRESS_LENGTH[family] : 0);
  if (h.crc32c) n += 7;
  if (h.vpceId !== undefined) n += 4 + Buffer.byteLength(h.vpceId);
  if (h.tlvs) for (const t of h.tlvs) n += 3 + t.value.length;
  return n;
}

/** Total bytes `encodeProxyV2(h)` writes. */
export function proxyV2EncodingLength(h: ProxyHeader): number {
  const n = unpaddedLength(h, familyOf(h));
  return h.padTo !== undefined && h.padTo > n ? h.padTo : n;
}

function checkPort(p: number, what: string): number {
  if ((p >>> 0) !== p || p > 0xffff) fail('bad-port', `${what} port ${p} is not an integer in 0..65535`);
  return p;
}

function writeAddresses(h: ProxyHeader, family: 'ipv4' | 'ipv6', out: Buffer, p: number): void {
  const src = h.source;
  const dst = h.destination;
  if (!src || !dst) fail('bad-address', `a PROXY header over ${family} needs source and destination`);
  const size = family === 'ipv4' ? 4 : 16;
  const write = family === 'ipv4' ? writeIPv4 : writeIPv6;
  if (!write(src.address, out, p)) fail('bad-address', `source ${JSON.stringify(src.address)} is not an ${family} address`);
  if (!write(dst.address, out, p + size)) fail('bad-address', `destination ${JSON.stringify(dst.address)} is not an ${family} address`);
  out.writeUInt16BE(checkPort(src.port, 'source'), p + 2 * size);
  out.writeUInt16BE(checkPort(dst.port, 'destination'), p + 2 * size + 2);
}

/** Encodes `h` into `buf` at `offset` (a new buffer when none is given) and returns that buffer. */
export function encodeProxyV2(h: ProxyHeader, buf?: Buffer, offset = 0): Buffer {
  const family = familyOf(h);
  const base = unpaddedLength(h, family);
  let total = base;
  if (h.padTo !== undefined && h.padTo !== base) {
    if (h.padTo < base + 3) fail('bad-length', `padTo ${h.padTo} is below ${base + 3} (the header without padding plus a 3-byte NOOP TLV)`);
    total = h.padTo;
  }
  if (total > MAX_TOTAL) fail('too-long', `header of ${total} bytes exceeds ${MAX_TOTAL}`);
  if (h.command === 'LOCAL' && (h.source || h.destination)) fail('bad-address', 'a LOCAL header carries no addresses');
  const out = buf ?? Buffer.allocUnsafe(total);
  if (out.length < offset + total) fail('too-long', `buffer too small: need ${total} bytes at offset ${offset}`);
  const end = offset + total;
  SIGNATURE.copy(out, offset);
  out[offset + 12] = h.command === 'PROXY' ? 0x21 : 0x20;
  out[offset + 13] = (FAMILY_NIBBLE[family] << 4) | TRANSPORT_NIBBLE[h.transport ?? (family === 'unspec' ? 'unspec' : 'stream')];
  out.writeUInt16BE(total - 16, offset + 14);
  let p = offset + 16;
  if (h.command === 'PROXY' && family !== 'unspec') {
    writeAddresses(h, family, out, p);
    p += ADDRESS_LENGTH[family];
  }
  let crcAt = -1;
  if (h.crc32c) {
    out[p] = PP2_TYPE_CRC32C;
    out.writeUInt16BE(4, p + 1);
    out.writeUInt32BE(0, p + 3);
    crcAt = p + 3;
    p += 7;
  }
  if (h.vpceId !== undefined) {
    const n = out.write(h.vpceId, p + 4);
    out[p] = PP2_TYPE_AWS;
    out.writeUInt16BE(n + 1, p + 1);
    out[p + 3] = PP2_SUBTYPE_AWS_VPCE_ID;
    p += 4 + n;
  }
  if (h.tlvs) {
    for (const t of h.tlvs) {
      if ((t.type >>> 0) !== t.type || t.type > 0xff) fail('bad-tlv', `TLV type ${t.type} is not a byte`);
      out[p] = t.type;
      out.writeUInt16BE(t.value.length, p + 1);
      t.value.copy(out, p + 3);
      p += 3 + t.value.length;
    }
  }
  if (p < end) {
    out[p] = PP2_TYPE_NOOP;
    out.writeUInt16BE(end - p - 3, p + 1);
    out.fill(0, p + 3, end);
  }
  if (crcAt >= 0) out.writeUInt32BE(~crcUpdate(-1, out, offset, end) >>> 0, crcAt);
  return out;
}

/** The header NLB sends to a target for a flow through an interface endpoint, byte for byte (§7.4). */
export function nlbProxyV2Header(flow: { source: ProxyAddress; destination: ProxyAddress; vpceId?: string }): Buffer {
  const h: ProxyHeader = { command: 'PROXY', source: flow.source, destination: flow.destination, crc32c: true };
  if (flow.vpceId !== undefined) h.vpceId = flow.vpceId;
  // IPv4 and LOCAL are captured at 100 bytes; IPv6 (85 bytes unpadded) is assumed padded the same way [unconfirmed].
  if (proxyV2EncodingLength(h) + 3 <= NLB_HEADER_LENGTH) h.padTo = NLB_HEADER_LENGTH;
  return encodeProxyV2(h);
}

/** NLB's health-check header: LOCAL, family byte 0x11 but no address block, CRC32C, NOOP to 100 bytes. */
export function nlbHealthCheckProxyV2Header(): Buffer {
  return encodeProxyV2({ command: 'LOCAL', family: 'ipv4', transport: 'stream', crc32c: true, padTo: NLB_HEADER_LENGTH });
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/**
 * Parses the TLVs in buf[from, end) into `h`; verifies CRC32C over buf[start, end). Returns an
 * error instead of throwing so that LOCAL headers can ignore a TLV block they cannot read.
 */
function readTlvs(buf: Buffer, start: number, from: number, end: number, h: DecodedProxyHeader): ProxyProtocolError | undefined {
  let crcAt = -1;
  let p = from;
  while (p < end) {
    if (end - p < 3) return new ProxyProtocolError('bad-tlv', `${end - p} stray byte(s) at offset ${p - start}: too short for a TLV`);
    const type = buf[p]!;
    const len = (buf[p + 1]! << 8) | buf[p + 2]!;
    const v = p + 3;
    if (v + len > end) return new ProxyProtocolError('bad-tlv', `TLV ${hex(type)} at offset ${p - start} has length ${len}, overrunning the header by ${v + len - end} byte(s)`);
    if (type === PP2_TYPE_CRC32C) {
      if (len !== 4) return new ProxyProtocolError('bad-tlv', `CRC32C TLV has length ${len}, expected 4`);
      if (crcAt >= 0) return new ProxyProtocolError('bad-tlv', 'more than one CRC32C TLV');
      crcAt = v;
    } else if (type === PP2_TYPE_NOOP) {
      h.padTo = end - start;
    } else if (type === PP2_TYPE_AWS && len >= 1 && buf[v] === PP2_SUBTYPE_AWS_VPCE_ID && h.vpceId === undefined) {
      h.vpceId = buf.toString('utf8', v + 1, v + len);
    } else {
      if (type === PP2_TYPE_AWS && len === 0) return new ProxyProtocolError('bad-tlv', 'PP2_TYPE_AWS TLV without a subtype');
      h.tlvs.push({ type, value: buf.subarray(v, v + len) });
    }
    p = v + len;
  }
  if (crcAt >= 0) {
    const want = buf.readUInt32BE(crcAt);
    const got = ~crcUpdate(crcUpdate(crcUpdate(-1, buf, start, crcAt), ZERO4, 0, 4), buf, crcAt + 4, end) >>> 0;
    if (got !== want) return new ProxyProtocolError('bad-crc', `CRC32C mismatch: header carries ${want.toString(16).padStart(8, '0')}, computed ${got.toString(16).padStart(8, '0')}`);
    h.crc32c = true;
  }
  return undefined;
}

/**
 * Decodes a PROXY v2 header at `offset`. Throws ProxyProtocolError (with a `reason`) on anything
 * malformed; `{ incomplete: true }` while bytes are missing. A bad signature is reported as soon
 * as the bytes seen so far differ, so a client that sends no header is not waited for.
 */
export function decodeProxyV2(buf: Buffer, offset = 0): ProxyDecodeResult {
  const avail = buf.length - offset;
  const sigSeen = avail < 12 ? avail : 12;
  for (let i = 0; i < sigSeen; i++) {
    if (buf[offset + i] !== SIGNATURE[i]) fail('bad-signature', `not a PROXY v2 header: byte ${i} is ${hex(buf[offset + i]!)}, expected ${hex(SIGNATURE[i]!)}`);
  }
  if (avail < 16) return { incomplete: true, need: 16 };
  const total = 16 + buf.readUInt16BE(offset + 14);
  if (avail < total) return { incomplete: true, need: total };
  const verCmd = buf[offset + 12]!;
  if (verCmd >> 4 !== 2) fail('bad-version', `version ${verCmd >> 4} in byte ${hex(verCmd)}, expected 2`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) fail('bad-command', `unknown command ${cmd} in byte ${hex(verCmd)}`);
  const famByte = buf[offset + 13]!;
  const family = FAMILIES[famByte >> 4];
  const transport = TRANSPORTS[famByte & 0x0f];
  if (!family || !transport) fail('bad-family', `unsupported address family/transport byte ${hex(famByte)} (AF_UNIX is not supported)`);
  const h: DecodedProxyHeader = { version: 2, command: cmd === 1 ? 'PROXY' : 'LOCAL', family, transport, tlvs: [] };
  const end = offset + total;
  let p = offset + 16;
  if (cmd === 1) {
    const need = ADDRESS_LENGTH[family];
    if (total - 16 < need) fail('bad-length', `length ${total - 16} is too short for the ${family} address block (${need} bytes)`);
    if (family === 'ipv4') {
      h.source = { address: formatIPv4(buf, p), port: buf.readUInt16BE(p + 8) };
      h.destination = { address: formatIPv4(buf, p + 4), port: buf.readUInt16BE(p + 10) };
    } else if (family === 'ipv6') {
      h.source = { address: formatIPv6(buf, p), port: buf.readUInt16BE(p + 32) };
      h.destination = { address: formatIPv6(buf, p + 16), port: buf.readUInt16BE(p + 34) };
    }
    p += need;
    const err = readTlvs(buf, offset, p, end, h);
    if (err) throw err;
  } else {
    // LOCAL: no address block whatever the family byte says (NLB sends 0x11, HAProxy 0x00); TLVs,
    // if any, follow the 16 bytes. The spec says to discard the block, so one we cannot read is ignored.
    const err = readTlvs(buf, offset, p, end, h);
    if (err) {
      if (err.reason === 'bad-crc') throw err;
      h.tlvs = [];
      delete h.vpceId;
      delete h.padTo;
      delete h.crc32c;
    }
  }
  return { header: h, length: total };
}

const V1_PREFIX = 'PROXY ';
const V1_MAX = 107;

function parsePort(s: string): number {
  if (s.length === 0 || s.length > 5 || (s.length > 1 && s.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n > 0xffff ? -1 : n;
}

/** Decodes a PROXY v1 text header (`PROXY TCP4|TCP6|UNKNOWN … \r\n`, at most 107 bytes) at `offset`. */
export function decodeProxyV1(buf: Buffer, offset = 0): ProxyDecodeResult {
  const avail = buf.length - offset;
  for (let i = 0; i < V1_PREFIX.length && i < avail; i++) {
    if (buf[offset + i] !== V1_PREFIX.charCodeAt(i)) fail('bad-signature', `not a PROXY v1 header: byte ${i} is ${hex(buf[offset + i]!)}`);
  }
  const limit = offset + (avail < V1_MAX - 1 ? avail : V1_MAX - 1); // the CR is at most byte 106
  let cr = -1;
  for (let i = offset + V1_PREFIX.length; i < limit; i++) {
    const c = buf[i]!;
    if (c === 13) { cr = i; break; }
    if (c < 32 || c > 126) fail('bad-v1', `control or non-ASCII byte ${hex(c)} at offset ${i - offset}`);
  }
  if (cr < 0) {
    if (avail >= V1_MAX - 1) fail('too-long', `no CRLF within ${V1_MAX} bytes`);
    return { incomplete: true };
  }
  if (cr + 1 >= buf.length) return { incomplete: true, need: cr + 2 - offset };
  if (buf[cr + 1] !== 10) fail('bad-v1', 'CR not followed by LF');
  const length = cr + 2 - offset;
  const parts = buf.toString('latin1', offset + V1_PREFIX.length, cr).split(' ');
  const proto = parts[0];
  if (proto === 'UNKNOWN') {
    return { header: { version: 1, command: 'PROXY', family: 'unspec', transport: 'unspec', tlvs: [] }, length };
  }
  if (proto !== 'TCP4' && proto !== 'TCP6') fail('bad-v1', `unknown protocol ${JSON.stringify(proto)}`);
  if (parts.length !== 5) fail('bad-v1', `expected "PROXY ${proto} <src> <dst> <sport> <dport>", got ${parts.length - 1} field(s) after ${proto}`);
  const family: ProxyFamily = proto === 'TCP4' ? 'ipv4' : 'ipv6';
  const addr = (s: string, what: string): string => {
    if (family === 'ipv4') {
      if (ipv4ToNumber(s) < 0) fail('bad-address', `${what} ${JSON.stringify(s)} is not an IPv4 address`);
      return s;
    }
    const b = Buffer.allocUnsafe(16);
    if (!writeIPv6(s, b, 0)) fail('bad-address', `${what} ${JSON.stringify(s)} is not an IPv6 address`);
    return formatIPv6(b, 0);
  };
  const port = (s: string, what: string): number => {
    const n = parsePort(s);
    if (n < 0) fail('bad-port', `${what} port ${JSON.stringify(s)} is not a number in 0..65535`);
    return n;
  };
  const source = { address: addr(parts[1]!, 'source'), port: port(parts[3]!, 'source') };
  const destination = { address: addr(parts[2]!, 'destination'), port: port(parts[4]!, 'destination') };
  return { header: { version: 1, command: 'PROXY', family, transport: 'stream', source, destination, tlvs: [] }, length };
}

/** Decodes either version, chosen by the first byte (0x0D: v2, 'P': v1). */
export function decodeProxy(buf: Buffer, offset = 0): ProxyDecodeResult {
  if (buf.length <= offset) return { incomplete: true };
  const first = buf[offset];
  if (first === 0x0d) return decodeProxyV2(buf, offset);
  if (first === 0x50) return decodeProxyV1(buf, offset);
  return fail('bad-signature', `not a PROXY header: first byte is ${hex(first!)}`);
}
