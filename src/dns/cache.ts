/**
 * `AnswerCache`: `answerQuery` memoised for the resolver's hot path. The verdict for a query is a
 * function of the views and of a few parts of the query only, so the encoded reply of the first
 * query is kept and later ones get a copy with their id patched in: no dns-packet decode, no
 * lookup, no encode. No I/O, no clock: a deterministic memo, bounded in size.
 *
 * The key, read by hand from the bytes (bounds-checked), is everything `answerQuery` looks at:
 * - where (the VPC, or the host) and the transport;
 * - the RD and CD flags (copied to the reply); QR and the opcode must be 0;
 * - the question's bytes as sent (name in its exact case, type, class): owner names echo the
 *   question's case (DNS 0x20) and name compression matches case-sensitively, so a question in
 *   another case is another key rather than a patched copy;
 * - EDNS: none, or an OPT of version 0 without options: its DO bit and the reply's size limit
 *   (`replyLimit`), the only parts of it that shape the reply;
 * - the id modulo the reply's `idPeriod` (addresses rotate by id, answer.ts).
 * Anything else (several questions, other records, OPT options, trailing bytes, compression in
 * the question, a name over 255 bytes) takes the full path uncached. Forward and drop decisions
 * are kept too (they depend on the views alone); what an upstream answers never passes here.
 *
 * Invalidation: the cache belongs to one `Views` object; given another (a new configuration), it
 * empties itself before answering, so no entry outlives the records it was computed from.
 */
import { answerQuery, type AnswerOptions, type Verdict, type Where } from './answer.js';
import { replyLimit } from './reply.js';
import type { Views } from './views.js';

/** Replies kept (one per key and id residue) before the oldest keys are dropped. */
export const DEFAULT_MAX_REPLIES = 10_000;

const RD = 0x0100;
const CD = 0x0010;
/** QR and the four opcode bits. */
const QR_OPCODE = 0xf800;
const OPT_TYPE = 41;
const DO = 0x8000;
/** The fixed part of an OPT without options: root owner, type, class, TTL, RDLENGTH. */
const OPT_BYTES = 11;

type Reply = Extract<Verdict, { kind: 'reply' }>;
interface Entry {
  /** The verdict of the first query with this key (its packet is kept, never handed out). */
  readonly verdict: Verdict;
  /** Replies by id mod idPeriod (only for replies). */
  readonly packets: Array<Buffer | undefined>;
}

/**
 * The key of a query (see above), or undefined when the query is not one the cache takes. The
 * scope prefix keeps VPCs apart; the question's bytes go in as latin1 (one char per byte).
 */
export function cacheKey(where: Where, query: Buffer, transport: AnswerOptions['transport'] = 'udp'): string | undefined {
  const len = query.length;
  if (len < 17 || len > 512) return undefined;
  const flags = (query[2]! << 8) | query[3]!;
  if ((flags & QR_OPCODE) !== 0) return undefined;
  // QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1.
  if (query[4] !== 0 || query[5] !== 1 || query[6] !== 0 || query[7] !== 0 || query[8] !== 0 || query[9] !== 0 || query[10] !== 0 || query[11]! > 1) return undefined;
  let i = 12;
  for (;;) {
    if (i >= len) return undefined;
    const l = query[i]!;
    if (l === 0) break;
    if (l > 63) return undefined;
    i += l + 1;
  }
  const questionEnd = i + 5;
  if (questionEnd - 16 > 255) return undefined;
  let edns: string;
  if (query[11] === 0) {
    if (questionEnd !== len) return undefined;
    edns = `-${replyLimit(transport, undefined)}`;
  } else {
    const o = questionEnd;
    if (len !== o + OPT_BYTES || query[o] !== 0 || query.readUInt16BE(o + 1) !== OPT_TYPE) return undefined;
    // Version 0 (else BADVERS) and no options (RDLENGTH 0).
    if (query[o + 6] !== 0 || query[o + 9] !== 0 || query[o + 10] !== 0) return undefined;
    const size = query.readUInt16BE(o + 3);
    edns = `${(query.readUInt16BE(o + 7) & DO) !== 0 ? 'D' : 'E'}${replyLimit(transport, { udpPayloadSize: Math.max(512, size), dnssecOk: false })}`;
  }
  const scope = 'vpcId' in where ? where.vpcId : '';
  return `${scope}\0${transport === 'tcp' ? 't' : 'u'}${flags & (RD | CD)}${edns}\0${query.toString('latin1', 12, questionEnd)}`;
}

export class AnswerCache {
  readonly #max: number;
  #views: Views | undefined;
  readonly #entries = new Map<string, Entry>();
  #stored = 0;
  /** Answers served from the cache, and answers computed (misses and uncacheable queries). */
  hits = 0;
  misses = 0;

  constructor(opts: { maxReplies?: number } = {}) {
    this.#max = Math.max(1, opts.maxReplies ?? DEFAULT_MAX_REPLIES);
  }

  /** Keys held (for tests and stats). */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#stored = 0;
  }

  /** `answerQuery(views, where, query, options)`, byte for byte, from the cache when it can be. */
  answer(views: Views, where: Where, query: Buffer, options: AnswerOptions = {}): Verdict {
    if (views !== this.#views) {
      this.clear();
      this.#views = views;
    }
    const key = cacheKey(where, query, options.transport);
    if (key === undefined) {
      this.misses++;
      return answerQuery(views, where, query, options);
    }
    const id = (query[0]! << 8) | query[1]!;
    const entry = this.#entries.get(key);
    if (entry) {
      const v = entry.verdict;
      if (v.kind !== 'reply') {
        this.hits++;
        return v;
      }
      const slot = id % v.idPeriod;
      const cached = entry.packets[slot];
      if (cached) {
        this.hits++;
        const packet = Buffer.allocUnsafe(cached.length);
        cached.copy(packet);
        packet[0] = query[0]!;
        packet[1] = query[1]!;
        return { ...v, packet };
      }
      this.misses++;
      const r = answerQuery(views, where, query, options) as Reply;
      if (this.#stored >= this.#max) this.#evict();
      if (this.#entries.get(key) === entry) this.#store(entry, slot, r.packet);
      return { ...r, packet: Buffer.from(r.packet) };
    }
    this.misses++;
    const r = answerQuery(views, where, query, options);
    if (this.#stored >= this.#max) this.#evict();
    const e: Entry = { verdict: r, packets: [] };
    this.#entries.set(key, e);
    if (r.kind !== 'reply') {
      this.#stored++;
      return r;
    }
    this.#store(e, id % r.idPeriod, r.packet);
    // The caller gets its own copy: the kept bytes are never handed out.
    return { ...r, packet: Buffer.from(r.packet) };
  }

  #store(e: Entry, slot: number, packet: Buffer): void {
    e.packets[slot] = packet;
    this.#stored++;
  }

  /** Drops the oldest keys until a tenth of the room is free. */
  #evict(): void {
    for (const [k, e] of this.#entries) {
      this.#entries.delete(k);
      this.#stored -= Math.max(1, e.packets.filter(Boolean).length);
      if (this.#stored <= this.#max * 0.9) break;
    }
  }
}
