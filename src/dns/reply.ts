/**
 * Reply encoding through dns-packet: header flags, the EDNS OPT record, the SOA of negative
 * answers, and truncation to the client's UDP limit. Pure.
 *
 * - Flags: the query's id; QR; RD and CD copied; RA set (the resolver recurses, by forwarding);
 *   AA on answers from the resolver's own zones; the opcode of the query (always QUERY but for
 *   NOTIMP replies).
 * - EDNS (RFC 6891): a query with an OPT gets one back, advertising UDP_PAYLOAD_SIZE (1232, the
 *   DNS Flag Day 2020 size that avoids IP fragmentation), version 0, DO copied (RFC 3225), the
 *   upper 8 bits of the rcode (BADVERS). A query without OPT gets none.
 * - UDP limit: 512 bytes without EDNS; with it, the client's size (at least 512) but never above
 *   UDP_PAYLOAD_SIZE. A reply over the limit is sent as header, question and OPT with TC set and no
 *   records, so the client retries over TCP (RFC 2181 §9 allows dropping whole RRsets; dropping
 *   all keeps the answer from looking complete). Over TCP the limit is 65,535.
 */
import dnsPacket from 'dns-packet';
import { RCODE, type Edns, type HeaderReply, type Rcode } from './query.js';

export const UDP_PAYLOAD_SIZE = 1232;
/** TTL of every positive answer: 60 s, as AWS gives interface endpoint names. */
export const ANSWER_TTL = 60;
/**
 * The SOA in negative answers: Route 53's private hosted zone SOA (`ns-1536.awsdns-00.co.uk.
 * awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`), but with TTL and minimum 60 instead of
 * 900 and 86400: Underpass turns names on and off live (ModifyVpcEndpoint), so a negative answer
 * is cached no longer than a positive one (RFC 2308: negative TTL = min(SOA TTL, minimum)).
 */
export const NEGATIVE_TTL = 60;

export type Transport = 'udp' | 'tcp';


const QR = 0x8000;
const AA = dnsPacket.AUTHORITATIVE_ANSWER;
const TC = dnsPacket.TRUNCATED_RESPONSE;
const RD = dnsPacket.RECURSION_DESIRED;
const RA = dnsPacket.RECURSION_AVAILABLE;
const CD = dnsPacket.CHECKING_DISABLED;

/** The records a reply holds. */
export type ReplyRecord =
  | { type: 'A' | 'AAAA' | 'CNAME'; name: string; ttl: number; data: string }
  | { type: 'SOA'; name: string; ttl: number; data: dnsPacket.SoaData };

/** dns-packet's per-type codecs (exported by the package, left out of @types/dns-packet). */
interface Codec<T> { encode(data: T): Buffer; encodingLength(data: T): number }
const codecs = dnsPacket as unknown as { a: Codec<string>; aaaa: Codec<string>; soa: Codec<dnsPacket.SoaData> };
const TYPE = { A: 1, CNAME: 5, SOA: 6, AAAA: 28, OPT: 41 } as const;

export function soa(zone: string): ReplyRecord {
  return {
    type: 'SOA', name: zone, ttl: NEGATIVE_TTL,
    data: {
      mname: 'ns-1536.awsdns-00.co.uk', rname: 'awsdns-hostmaster.amazon.com',
      serial: 1, refresh: 7200, retry: 900, expire: 1209600, minimum: NEGATIVE_TTL,
    },
  };
}

/** The largest reply the client takes over this transport. */
export function replyLimit(transport: Transport, edns: Edns | undefined): number {
  if (transport === 'tcp') return 65535;
  return edns ? Math.min(Math.max(512, edns.udpPayloadSize), UDP_PAYLOAD_SIZE) : 512;
}

/**
 * A message writer with name compression (RFC 1035 §4.1.4): a name, or its tail, written before is
 * replaced by a pointer to it. Suffixes match byte for byte (case included), so an answer owned by
 * the question's name points at the question and keeps its case (DNS 0x20). dns-packet encodes
 * without compression; a CNAME and a few regional names would not fit in 512 bytes otherwise.
 */
class Writer {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  readonly #names = new Map<string, number>();

  get length(): number {
    return this.#length;
  }

  bytes(b: Buffer): void {
    this.#chunks.push(b);
    this.#length += b.length;
  }

  u16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n & 0xffff, 0);
    this.bytes(b);
  }

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0, 0);
    this.bytes(b);
  }

  /** `name` without trailing dot ('.' or '' is the root); labels are written as their UTF-8 bytes. */
  name(name: string, compress = true): void {
    const labels = name === '.' || name === '' ? [] : name.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      const at = compress ? this.#names.get(suffix) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.#length < 0x3fff) this.#names.set(suffix, this.#length);
      const label = Buffer.from(labels[i]!, 'utf8');
      this.bytes(Buffer.from([label.length]));
      this.bytes(label);
    }
    this.bytes(Buffer.from([0]));
  }

  record(r: ReplyRecord): void {
    this.name(r.name);
    this.u16(TYPE[r.type]);
    this.u16(1);
    this.u32(r.ttl);
    if (r.type === 'CNAME') {
      const lengthAt = this.#chunks.length;
      this.u16(0);
      const start = this.#length;
      this.name(r.data);
      this.#chunks[lengthAt]!.writeUInt16BE(this.#length - start, 0);
      return;
    }
    // dns-packet's rdata codecs write the 2-byte length first.
    if (r.type === 'SOA') this.bytes(codecs.soa.encode(r.data));
    else this.bytes(r.type === 'A' ? codecs.a.encode(r.data) : codecs.aaaa.encode(r.data));
  }

  /** The OPT pseudo-record (RFC 6891 §6.1.2): root owner, class = our UDP size, TTL = extended rcode, version, flags. */
  opt(edns: Edns, rcode: number): void {
    this.bytes(Buffer.from([0]));
    this.u16(TYPE.OPT);
    this.u16(UDP_PAYLOAD_SIZE);
    this.u32(((rcode >> 4) << 24) | (0 << 16) | (edns.dnssecOk ? dnsPacket.DNSSEC_OK : 0));
    this.u16(0);
  }

  done(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

export interface ReplyParts {
  id: number;
  rd: boolean;
  cd: boolean;
  aa: boolean;
  rcode: Rcode;
  /** `type` and `klass` as numbers, as on the wire. */
  question?: { name: string; type: number; klass: number };
  answers: ReplyRecord[];
  authorities: ReplyRecord[];
  edns?: Edns;
  /** The query's opcode (0 = QUERY). */
  opcode?: number;
}

function write(p: ReplyParts, truncated: boolean): Buffer {
  const rcode = RCODE[p.rcode];
  const w = new Writer();
  const answers = truncated ? [] : p.answers;
  const authorities = truncated ? [] : p.authorities;
  w.u16(p.id);
  w.u16(QR | ((p.opcode ?? 0) << 11) | (p.aa ? AA : 0) | (truncated ? TC : 0) | (p.rd ? RD : 0) | RA | (p.cd ? CD : 0) | (rcode & 0xf));
  w.u16(p.question ? 1 : 0);
  w.u16(answers.length);
  w.u16(authorities.length);
  w.u16(p.edns ? 1 : 0);
  if (p.question) {
    w.name(p.question.name);
    w.u16(p.question.type);
    w.u16(p.question.klass);
  }
  for (const r of answers) w.record(r);
  for (const r of authorities) w.record(r);
  if (p.edns) w.opt(p.edns, rcode);
  return w.done();
}

export function encodeReply(p: ReplyParts, transport: Transport): { packet: Buffer; truncated: boolean } {
  const full = write(p, false);
  if (full.length <= replyLimit(transport, p.edns)) return { packet: full, truncated: false };
  return { packet: write(p, true), truncated: true };
}

/** The reply to a query that could not be parsed (or is refused before lookup): header, the question when known, OPT when known. */
export function encodeHeaderReply(h: HeaderReply, question?: ReplyParts['question']): Buffer {
  return encodeReply({
    id: h.id, rd: (h.flags & RD) !== 0, cd: (h.flags & CD) !== 0, aa: false, rcode: h.rcode,
    ...(question ? { question } : {}), answers: [], authorities: [], ...(h.edns ? { edns: h.edns } : {}),
    opcode: (h.flags >> 11) & 0xf,
  }, 'tcp').packet;
}
