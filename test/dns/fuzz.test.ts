/**
 * Fuzz: 20,000 random packets and 20,000 mutations (bit flips, byte overwrites, truncations,
 * extensions, count changes) of valid queries through `answerQuery`, seeded so a failure replays.
 * Holds: it never throws nor hits its internal-error guard; every reply decodes with dns-packet,
 * carries the query's id, has QR set and fits the UDP limit; a response is never answered; a packet
 * that is no well-formed single-question query gets FORMERR, NOTIMP or nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerQuery, type Where } from '../../src/dns/answer.js';
import { CONSUMER, OPT, query, REGIONAL, views, WILD, ZONAL_A } from './fixture.js';

const N = 20_000;

/** mulberry32. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Does dns-packet take it as a query with exactly one question and nothing left over? */
function wellFormed(b: Buffer): boolean {
  try {
    const p = dnsPacket.decode(b);
    return dnsPacket.decode.bytes === b.length && p.questions?.length === 1 && !p.flag_qr;
  } catch {
    return false;
  }
}

const v = views();
const WHERE: Where[] = [{ vpcId: CONSUMER }, { vpcId: WILD }, { host: true }];

/** Fails with the packet in hex (built only on failure: the loop is hot). */
function must(ok: boolean, label: string, packet: Buffer, why: () => string): void {
  if (!ok) assert.fail(`${label}: ${why()} — packet ${packet.toString('hex')}`);
}

function check(packet: Buffer, where: Where, transport: 'udp' | 'tcp', label: string): void {
  const r = answerQuery(v, where, packet, { transport });
  must(!r.reason.startsWith('internal error'), label, packet, () => r.reason);
  if (packet.length >= 3 && (packet[2]! & 0x80) !== 0) must(r.kind === 'drop', label, packet, () => `a response answered: ${r.kind}`);
  if (r.kind !== 'reply') return;
  let p: dnsPacket.DecodedPacket | undefined;
  let error = '';
  try {
    p = dnsPacket.decode(r.packet);
  } catch (e) {
    error = (e as Error).message;
  }
  must(p !== undefined && dnsPacket.decode.bytes === r.packet.length, label, packet, () => `the reply does not decode (${error})`);
  must(p!.id === packet.readUInt16BE(0) && p!.flag_qr, label, packet, () => 'id not kept or QR not set');
  if (transport === 'udp') must(r.packet.length <= 1232, label, packet, () => `${r.packet.length} bytes over UDP`);
  if (r.rcode !== 'FORMERR' && r.rcode !== 'NOTIMP') must(wellFormed(packet), label, packet, () => `${r.rcode} (${r.reason}) for garbage`);
}

function randomPacket(rnd: () => number): Buffer {
  const len = Math.floor(rnd() * (rnd() < 0.9 ? 120 : 5000));
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
  // Half of them get a plausible header (a query, opcode QUERY, one question) so the fuzzer gets past it.
  if (len >= 12 && rnd() < 0.5) {
    b[2] = b[2]! & 0x07;
    b.writeUInt16BE(1, 4);
    b.writeUInt16BE(0, 6);
    b.writeUInt16BE(0, 8);
    b.writeUInt16BE(Math.floor(rnd() * 3), 10);
  }
  return b;
}

const SEEDS: Buffer[] = [
  query({ name: REGIONAL }),
  query({ name: ZONAL_A, type: 'AAAA', opt: OPT() }),
  query({ name: 'API.example.com', opt: OPT(512, { flags: dnsPacket.DNSSEC_OK }) }),
  query({ name: 'x.y.wild.example.net', type: 'TXT' }),
  query({ name: 'example.org', type: 'MX', opt: OPT(4096) }),
  query({ name: 'nope.vpce.amazonaws.com', type: 'SOA' }),
];

function mutate(src: Buffer, rnd: () => number): Buffer {
  let b: Buffer = Buffer.from(src);
  const ops = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rnd() * Math.max(1, b.length));
    switch (Math.floor(rnd() * 6)) {
      case 0: if (b.length) b[at] = b[at]! ^ (1 << Math.floor(rnd() * 8)); break;
      case 1: if (b.length) b[at] = Math.floor(rnd() * 256); break;
      case 2: b = b.subarray(0, at); break;
      case 3: b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))]); break;
      case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.floor(rnd() * b.length))]); break;
      case 5: if (b.length >= 12) b.writeUInt16BE(Math.floor(rnd() * 4), 4 + 2 * Math.floor(rnd() * 4)); break;
    }
  }
  return Buffer.from(b);
}

describe('fuzz answerQuery', () => {
  it(`${N} random packets`, () => {
    const rnd = prng(0x5eed1);
    const started = performance.now();
    for (let i = 0; i < N; i++) check(randomPacket(rnd), WHERE[i % 3]!, i % 2 ? 'tcp' : 'udp', `random #${i}`);
    assert.ok(performance.now() - started < 20_000, 'bounded time');
  });
  it(`${N} mutations of valid queries`, () => {
    const rnd = prng(0x5eed2);
    const started = performance.now();
    const kinds = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const m = mutate(SEEDS[i % SEEDS.length]!, rnd);
      check(m, WHERE[i % 3]!, i % 2 ? 'tcp' : 'udp', `mutation #${i}`);
      const r = answerQuery(v, WHERE[i % 3]!, m);
      const key = r.kind === 'reply' ? r.rcode : r.kind;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    assert.ok(performance.now() - started < 20_000, 'bounded time');
    // The mutations reach every outcome, not just FORMERR.
    for (const k of ['NOERROR', 'NXDOMAIN', 'FORMERR', 'NOTIMP', 'forward', 'drop']) assert.ok((kinds.get(k) ?? 0) > 0, `no ${k} among ${JSON.stringify([...kinds])}`);
  });
  it('the valid seeds themselves are answered or forwarded', () => {
    for (const s of SEEDS) assert.ok(['reply', 'forward'].includes(answerQuery(v, { vpcId: CONSUMER }, s).kind));
  });
});
