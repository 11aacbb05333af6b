/**
 * `answerQuery`: one DNS query, as seen from a VPC's resolver or from the host → a reply to send,
 * a forward to the upstream (or a forwarding rule), or a drop, each with a reason. Pure and total:
 * it never throws, whatever the bytes.
 *
 * Order of decisions:
 * 1. Where: an unknown VPC → drop; a VPC with `enableDnsSupport` off → drop. AWS's Amazon DNS
 *    server does not answer there at all (clients time out); REFUSED would tell a client there is a
 *    server, which AWS does not.
 * 2. The packet (query.ts): drop, FORMERR, NOTIMP, BADVERS or REFUSED when it is no usable query.
 * 3. The name (views.ts `lookup`): the VPC's private zones first, then the public endpoint names
 *    and `vpce.amazonaws.com`; anything else → forward.
 * 4. The answer, authoritative (AA), TTL 60:
 *    - A / AAAA / ANY: the record's addresses of that type; none → NODATA with the zone's SOA.
 *    - a private name answers a CNAME to the endpoint's regional name followed by the regional
 *      name's records of the asked type (when it has none: NODATA at the target, SOA of
 *      vpce.amazonaws.com); a CNAME question gets the CNAME alone.
 *    - other types (MX, TXT, …) at an existing name: NODATA with the SOA; an SOA question at a zone
 *      apex: the SOA.
 *    - no such name in the zone: NXDOMAIN with the SOA.
 * 5. Several addresses: all of them, rotated by the query id (`id mod n`): deterministic for one
 *    query (the function stays pure) yet spread over clients, as Route 53 returns multi-value
 *    records in random order; clients that take the first address do not all land on one zone.
 *
 * Owner names keep the question's case (DNS 0x20); a wildcard answer is owned by the name asked.
 */
import dnsPacket from 'dns-packet';
import { parseQuery, type ParsedQuery, type Rcode } from './query.js';
import { ANSWER_TTL, encodeHeaderReply, encodeReply, soa, type ReplyRecord, type Transport } from './reply.js';
import { lookup, PUBLIC_APEX, publicRecord, type Views, type Lookup, type NameRecord } from './views.js';

export type Where = { vpcId: string } | { host: true };

export type Verdict =
  /**
   * `idPeriod`: the reply's bytes after the id depend on the query's id only through
   * `id mod idPeriod` (the rotation of several addresses, 5. above); 1 when not at all.
   */
  | { kind: 'reply'; packet: Buffer; rcode: Rcode; truncated: boolean; reason: string; idPeriod: number }
  /** Not one of the resolver's names: the server sends the query on (upstream, forwarding rules). */
  | { kind: 'forward'; reason: string; name: string; type: string }
  | { kind: 'drop'; reason: string };

type Answered = { rcode: Rcode; answers: ReplyRecord[]; authorities: ReplyRecord[]; reason: string; idPeriod?: number };

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** How many distinct orders `addressRecords` gives for `type` as the id varies (`rotate` by id mod n). */
function rotations(rec: NameRecord, type: string): number {
  const a = type === 'A' || type === 'ANY' ? Math.max(1, rec.a.length) : 1;
  const aaaa = type === 'AAAA' || type === 'ANY' ? Math.max(1, rec.aaaa.length) : 1;
  return (a * aaaa) / gcd(a, aaaa);
}

function rotate<T>(xs: readonly T[], by: number): T[] {
  if (xs.length < 2) return [...xs];
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function addressRecords(rec: NameRecord, owner: string, type: string, id: number): ReplyRecord[] {
  const a = type === 'A' || type === 'ANY' ? rotate(rec.a, id).map((ip) => ({ type: 'A' as const, name: owner, ttl: ANSWER_TTL, data: ip })) : [];
  const aaaa = type === 'AAAA' || type === 'ANY' ? rotate(rec.aaaa, id).map((ip) => ({ type: 'AAAA' as const, name: owner, ttl: ANSWER_TTL, data: ip })) : [];
  return [...a, ...aaaa];
}

function answerRecord(views: Views, found: Extract<Lookup, { kind: 'record' }>, q: ParsedQuery): Answered {
  const { record, zone } = found;
  const what = `${found.scope}${found.wildcard ? ' wildcard' : ''} ${record.kind} name ${record.name} of ${record.endpointId}`;
  const target = record.cname ? publicRecord(views, record.cname) : undefined;
  if (record.cname && target) {
    const cname: ReplyRecord = { type: 'CNAME', name: q.name, ttl: ANSWER_TTL, data: record.cname };
    if (q.type === 'CNAME') return { rcode: 'NOERROR', answers: [cname], authorities: [], reason: `${what}: CNAME` };
    const rest = addressRecords(target, record.cname, q.type, q.id);
    return rest.length
      ? { rcode: 'NOERROR', answers: [cname, ...rest], authorities: [], reason: `${what}: CNAME to ${record.cname}, ${rest.length} ${q.type}`, idPeriod: rotations(target, q.type) }
      : { rcode: 'NOERROR', answers: [cname], authorities: [soa(PUBLIC_APEX)], reason: `${what}: CNAME to ${record.cname}, which has no ${q.type}` };
  }
  const answers = addressRecords(record, q.name, q.type, q.id);
  if (answers.length) return { rcode: 'NOERROR', answers, authorities: [], reason: `${what}: ${answers.length} ${q.type}`, idPeriod: rotations(record, q.type) };
  return { rcode: 'NOERROR', answers: [], authorities: [soa(zone)], reason: `${what}: no ${q.type} (NODATA)` };
}

function answerLookup(views: Views, found: Exclude<Lookup, { kind: 'none' }>, q: ParsedQuery): Answered {
  if (found.kind === 'record') return answerRecord(views, found, q);
  if (found.kind === 'nodata') {
    if (q.type === 'SOA' && q.lower === found.zone) return { rcode: 'NOERROR', answers: [{ ...soa(found.zone), name: q.name }], authorities: [], reason: `${found.scope} zone ${found.zone}: SOA` };
    return { rcode: 'NOERROR', answers: [], authorities: [soa(found.zone)], reason: `${found.scope} zone ${found.zone}: ${q.lower} has no ${q.type} (NODATA)` };
  }
  return { rcode: 'NXDOMAIN', answers: [], authorities: [soa(found.zone)], reason: `${found.scope} zone ${found.zone}: no name ${q.lower} (NXDOMAIN)` };
}

function toBuffer(query: Buffer | dnsPacket.Packet): Buffer | string {
  if (Buffer.isBuffer(query)) return query;
  try {
    return dnsPacket.encode(query);
  } catch (e) {
    return `the decoded packet does not encode: ${(e as Error).message}`;
  }
}

export interface AnswerOptions {
  /** Decides the size limit (UDP: 512, or the EDNS size up to 1232; TCP: 65,535). Default 'udp'. */
  transport?: Transport;
}

/** Answers one query. `where`: the VPC whose resolver received it, or the host (public names only). */
export function answerQuery(views: Views, where: Where, query: Buffer | dnsPacket.Packet, options: AnswerOptions = {}): Verdict {
  const transport = options.transport ?? 'udp';
  try {
    const vpc = 'vpcId' in where ? views.vpcs.get(where.vpcId) : undefined;
    if ('vpcId' in where) {
      if (!vpc) return { kind: 'drop', reason: `no resolver in ${where.vpcId}: unknown VPC` };
      if (!vpc.enableDnsSupport) return { kind: 'drop', reason: `${vpc.vpcId} has enableDnsSupport off: the Amazon DNS server does not answer` };
    }
    const buf = toBuffer(query);
    if (typeof buf === 'string') return { kind: 'drop', reason: buf };
    const parsed = parseQuery(buf);
    if (parsed.kind === 'drop') return parsed;
    if (parsed.kind === 'error') {
      const { reply, question } = parsed;
      return { kind: 'reply', packet: encodeHeaderReply(reply, question), rcode: reply.rcode, truncated: false, reason: reply.reason, idPeriod: 1 };
    }
    const q = parsed.query;
    if (!q.representable) return { kind: 'forward', reason: 'question name not representable as text: not one of ours', name: q.lower, type: q.type };
    const found = lookup(views, vpc, q.lower);
    if (found.kind === 'none') return { kind: 'forward', reason: vpc ? `not a name of ${vpc.vpcId} nor a public endpoint name` : 'not a public endpoint name', name: q.lower, type: q.type };
    const a = answerLookup(views, found, q);
    const { packet, truncated } = encodeReply({
      id: q.id, rd: q.rd, cd: q.cd, aa: true, rcode: a.rcode,
      question: { name: q.name, type: q.typeCode, klass: 1 },
      answers: a.answers, authorities: a.authorities, ...(q.edns ? { edns: q.edns } : {}),
    }, transport);
    return { kind: 'reply', packet, rcode: a.rcode, truncated, reason: truncated ? `${a.reason}; truncated (TC) over ${transport}` : a.reason, idPeriod: a.idPeriod ?? 1 };
  } catch (e) {
    // Unreachable by design (the fuzz test holds it); a bug here must not take the resolver down.
    return { kind: 'drop', reason: `internal error: ${(e as Error).message}` };
  }
}

/**
 * SERVFAIL for a query the server could not get answered (upstream silent or unreachable): the
 * query's id, question, RD/CD and OPT, RA set, not authoritative. undefined when the query is not
 * one to answer (it would have been dropped or refused by `answerQuery`). Never throws.
 */
export function servfail(query: Buffer): Buffer | undefined {
  try {
    const parsed = parseQuery(query);
    if (parsed.kind !== 'query') return undefined;
    const q = parsed.query;
    if (!q.representable) {
      // The question cannot go through dns-packet unchanged: copy its bytes behind a new header.
      const out = Buffer.from(query.subarray(0, q.questionEnd));
      out.writeUInt16BE(0x8000 | (q.rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | (q.cd ? dnsPacket.CHECKING_DISABLED : 0) | 2, 2);
      out.fill(0, 6, 12);
      return out;
    }
    return encodeReply({
      id: q.id, rd: q.rd, cd: q.cd, aa: false, rcode: 'SERVFAIL',
      question: { name: q.name, type: q.typeCode, klass: 1 },
      answers: [], authorities: [], ...(q.edns ? { edns: q.edns } : {}),
    }, 'tcp').packet;
  } catch {
    return undefined;
  }
}
