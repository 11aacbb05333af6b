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

export interface ReplyParts {
  id: number;
  rd: boolean;
  cd: boolean;
  aa: boolean;
  rcode: Rcode;
  question?: dnsPacket.Question;
  answers: dnsPacket.Answer[];
  authorities: dnsPacket.Answer[];
  edns?: Edns;
  /** The query's opcode (0 = QUERY). */
  opcode?: number;
}

const QR = 0x8000;
const AA = dnsPacket.AUTHORITATIVE_ANSWER;
const TC = dnsPacket.TRUNCATED_RESPONSE;
const RD = dnsPacket.RECURSION_DESIRED;
const RA = dnsPacket.RECURSION_AVAILABLE;
const CD = dnsPacket.CHECKING_DISABLED;

export function soa(zone: string): dnsPacket.Answer {
  return {
    type: 'SOA', name: zone, ttl: NEGATIVE_TTL, class: 'IN',
    data: {
      mname: 'ns-1536.awsdns-00.co.uk', rname: 'awsdns-hostmaster.amazon.com',
      serial: 1, refresh: 7200, retry: 900, expire: 1209600, minimum: NEGATIVE_TTL,
    },
  };
}

function opt(edns: Edns, rcode: number): dnsPacket.Answer {
  return {
    type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD_SIZE, extendedRcode: rcode >> 4, ednsVersion: 0,
    flags: edns.dnssecOk ? dnsPacket.DNSSEC_OK : 0, flag_do: edns.dnssecOk, options: [],
  };
}

/** The largest reply the client takes over this transport. */
export function replyLimit(transport: Transport, edns: Edns | undefined): number {
  if (transport === 'tcp') return 65535;
  return edns ? Math.min(Math.max(512, edns.udpPayloadSize), UDP_PAYLOAD_SIZE) : 512;
}

function flagsOf(p: ReplyParts, truncated: boolean): number {
  const rcode = RCODE[p.rcode];
  return QR | ((p.opcode ?? 0) << 11) | (p.aa ? AA : 0) | (truncated ? TC : 0) | (p.rd ? RD : 0) | RA | (p.cd ? CD : 0) | (rcode & 0xf);
}

export function encodeReply(p: ReplyParts, transport: Transport): { packet: Buffer; truncated: boolean } {
  const rcode = RCODE[p.rcode];
  const additionals = p.edns ? [opt(p.edns, rcode)] : [];
  const questions = p.question ? [p.question] : [];
  const full = dnsPacket.encode({
    type: 'response', id: p.id, flags: flagsOf(p, false), questions, answers: p.answers, authorities: p.authorities, additionals,
  });
  if (full.length <= replyLimit(transport, p.edns)) return { packet: full, truncated: false };
  const packet = dnsPacket.encode({ type: 'response', id: p.id, flags: flagsOf(p, true), questions, answers: [], authorities: [], additionals });
  return { packet, truncated: true };
}

/** The reply to a query that could not be parsed (or is refused before lookup): header, the question when known, OPT when known. */
export function encodeHeaderReply(h: HeaderReply, question?: dnsPacket.Question): Buffer {
  return encodeReply({
    id: h.id, rd: (h.flags & RD) !== 0, cd: (h.flags & CD) !== 0, aa: false, rcode: h.rcode,
    ...(question ? { question } : {}), answers: [], authorities: [], ...(h.edns ? { edns: h.edns } : {}),
    opcode: (h.flags >> 11) & 0xf,
  }, 'tcp').packet;
}
