/**
 * `parseQuery`: raw bytes → a query the resolver can answer, or the verdict for a packet it cannot
 * (FORMERR, NOTIMP, REFUSED, BADVERS or drop, each with a reason). Never throws: dns-packet throws on
 * garbage and its errors are caught here. Pure.
 *
 * Limits and rules (RFC 1035 §4.1, RFC 6891, RFC 9619):
 * - fewer than 4 bytes (no id and flags to answer with) → drop; a response (QR=1) → drop, so two
 *   servers can never bounce packets between them.
 * - opcode other than QUERY → NOTIMP (RFC 1035's code for "does not support the requested kind
 *   of query"; NOTIFY and UPDATE have no meaning for a resolver).
 * - shorter than the 12-byte header, longer than MAX_QUERY_BYTES, QDCOUNT ≠ 1, any answer or
 *   authority record, more than MAX_ADDITIONALS additional records, a record that does not decode,
 *   bytes after the last record, a compressed question name, more than one OPT or an OPT whose
 *   owner is not the root, OPT as the question type → FORMERR.
 * - EDNS version above 0 → BADVERS (RFC 6891 §6.1.3).
 * - class other than IN → REFUSED (nothing here is in another class; a CHAOS `version.bind` must
 *   not reach the upstream either). AXFR/IXFR → REFUSED (no zone transfers).
 * - a question name whose labels do not survive dns-packet's decode → encode unchanged (a dot or
 *   bytes that are not UTF-8 inside a label) cannot be echoed faithfully, and cannot be any of the
 *   resolver's names (those are letters, digits and hyphens): such queries are forwarded as raw bytes.
 */
import dnsPacket from 'dns-packet';
import { asciiLower } from './views.js';

/** A query is a header, one name of at most 255 bytes, an OPT with a few options: 4 KiB is ample. */
export const MAX_QUERY_BYTES = 4096;
/** dns-packet's name codec (exported by the package, left out of @types/dns-packet). */
const nameCodec = (dnsPacket as unknown as { name: { encode(n: string): Buffer; encodingLength(n: string): number } }).name;
/** OPT, and room for a TSIG or SIG(0) the resolver ignores. */
export const MAX_ADDITIONALS = 4;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export type Rcode = keyof typeof RCODE;

export interface Edns {
  /** The requester's UDP payload size (values below 512 count as 512). */
  udpPayloadSize: number;
  /** DNSSEC OK: copied to the reply (RFC 3225). */
  dnssecOk: boolean;
}

export interface ParsedQuery {
  id: number;
  /** RD and CD, copied to the reply. */
  rd: boolean;
  cd: boolean;
  /** The question as asked (case kept, for DNS 0x20), without trailing dot; '.' for the root. */
  name: string;
  /** Lower case, for lookups; '' for the root. */
  lower: string;
  type: string;
  /** The numeric type (as on the wire). */
  typeCode: number;
  edns?: Edns;
  /** false: the name cannot be echoed faithfully (see above); the query can only be forwarded. */
  representable: boolean;
  /** Where the question section ends in the query's bytes (header + question). */
  questionEnd: number;
}

/** A reply built from the header alone (no question section): the verdict for what could not be parsed. */
export interface HeaderReply {
  id: number;
  /** The query's flags word (opcode, RD are taken from it). */
  flags: number;
  rcode: Rcode;
  reason: string;
  edns?: Edns;
}

export type ParseResult =
  | { kind: 'query'; query: ParsedQuery }
  /** `question`: echoed in the reply when the packet got that far. */
  | { kind: 'error'; reply: HeaderReply; question?: { name: string; type: number; klass: number } }
  | { kind: 'drop'; reason: string };

const QR = 0x8000;
const OPCODE_SHIFT = 11;

/** Walks the question name's labels on the wire: its length, or a reason it is unusable. */
function questionNameLength(buf: Buffer, at: number): number | string {
  let i = at;
  for (;;) {
    if (i >= buf.length) return 'question name runs past the end of the packet';
    const len = buf[i]!;
    if (len === 0) return i + 1 - at;
    if ((len & 0xc0) !== 0) return 'question name is compressed or has a reserved label type';
    i += len + 1;
  }
}

export function parseQuery(buf: Buffer): ParseResult {
  if (buf.length < 4) return { kind: 'drop', reason: `${buf.length} bytes: no header to answer` };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & QR) return { kind: 'drop', reason: 'a response, not a query' };
  const err = (rcode: Rcode, reason: string, edns?: Edns): ParseResult => ({ kind: 'error', reply: { id, flags, rcode, reason, ...(edns ? { edns } : {}) } });
  const opcode = (flags >> OPCODE_SHIFT) & 0xf;
  if (opcode !== 0) return err('NOTIMP', `opcode ${opcode} is not QUERY`);
  if (buf.length < 12) return err('FORMERR', `${buf.length} bytes: shorter than the 12-byte header`);
  if (buf.length > MAX_QUERY_BYTES) return err('FORMERR', `${buf.length} bytes: longer than ${MAX_QUERY_BYTES}`);
  const [qd, an, ns, ar] = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  if (qd !== 1) return err('FORMERR', `${qd} questions (exactly one is allowed)`);
  if (an !== 0 || ns !== 0) return err('FORMERR', 'a query with answer or authority records');
  if (ar > MAX_ADDITIONALS) return err('FORMERR', `${ar} additional records (at most ${MAX_ADDITIONALS})`);
  const nameLen = questionNameLength(buf, 12);
  if (typeof nameLen === 'string') return err('FORMERR', nameLen);
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (e) {
    return err('FORMERR', `does not decode: ${(e as Error).message}`);
  }
  if (dnsPacket.decode.bytes !== buf.length) return err('FORMERR', `${buf.length - dnsPacket.decode.bytes} bytes after the last record`);
  const q = packet.questions?.[0];
  if (!q) return err('FORMERR', 'no question');
  const opts = (packet.additionals ?? []).filter((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  if (opts.length > 1) return err('FORMERR', `${opts.length} OPT records (at most one)`);
  const opt = opts[0];
  if (opt && opt.name !== '.') return err('FORMERR', 'OPT record not owned by the root');
  const edns = opt ? { udpPayloadSize: Math.max(512, opt.udpPayloadSize), dnssecOk: (opt.flags & dnsPacket.DNSSEC_OK) !== 0 } : undefined;
  if (opt && opt.ednsVersion !== 0) return err('BADVERS', `EDNS version ${opt.ednsVersion} (only 0)`, edns);
  const typeCode = buf.readUInt16BE(12 + nameLen);
  const klass = buf.readUInt16BE(14 + nameLen);
  const representable = nameCodec.encodingLength(q.name) === nameLen && nameCodec.encode(q.name).equals(buf.subarray(12, 12 + nameLen));
  // Echo the question in these replies only when its name can be written back as it came.
  const question = representable ? { name: q.name, type: typeCode, klass } : undefined;
  const withQuestion = (r: ParseResult): ParseResult => (r.kind === 'error' && question ? { ...r, question } : r);
  if (q.type === 'OPT') return withQuestion(err('FORMERR', 'OPT as the question type', edns));
  if (klass !== 1) return withQuestion(err('REFUSED', `class ${q.class ?? klass} (only IN)`, edns));
  if (q.type === 'AXFR' || q.type === 'IXFR') return withQuestion(err('REFUSED', `${q.type}: no zone transfers`, edns));
  return {
    kind: 'query',
    query: {
      id, rd: (flags & dnsPacket.RECURSION_DESIRED) !== 0, cd: (flags & dnsPacket.CHECKING_DISABLED) !== 0,
      name: q.name, lower: q.name === '.' ? '' : asciiLower(q.name), type: q.type, typeCode,
      ...(edns ? { edns } : {}), representable, questionEnd: 16 + nameLen,
    },
  };
}
