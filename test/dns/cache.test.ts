/**
 * `AnswerCache` against `answerQuery`, table-driven: every row is asked with several ids through a
 * cold and a warm cache and through the uncached answerer, and the verdicts (reply bytes included)
 * must be identical; rows the cache must serve count hits, rows it must not take count none. Then
 * a new `Views` empties it, the bound holds, and mutated queries (seeded) agree on both paths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerQuery, type Verdict, type Where } from '../../src/dns/answer.js';
import { AnswerCache, cacheKey } from '../../src/dns/cache.js';
import { compileViews } from '../../src/dns/views.js';
import {
  BIG_REGIONAL, CONSUMER, NO_DNS, OPT, PROVIDER, query, REGIONAL, V6_REGIONAL, views, WILD, WILD_REGIONAL, world, ZONAL_A, type Ask,
} from './fixture.js';

const v = views();
const C: Where = { vpcId: CONSUMER };
const W: Where = { vpcId: WILD };
const HOST: Where = { host: true };
const IDS = [0, 1, 2, 3, 7, 39, 40, 41, 0x1234, 0xffff];

interface Row {
  what: string;
  where: Where;
  q: Ask | Buffer;
  transport?: 'udp' | 'tcp';
  /** false: the cache must not take it (full path every time). */
  cached?: boolean;
}

function withOptOption(a: Ask): Buffer {
  return dnsPacket.encode({
    type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: a.name, type: 'A', class: 'IN' }],
    additionals: [OPT(1232, { options: [{ code: 10, data: Buffer.from('0123456789abcdef', 'hex') }] as never })],
  });
}

const ROWS: Row[] = [
  { what: 'regional name (two addresses, rotated by id)', where: C, q: { name: REGIONAL } },
  { what: 'zonal name', where: C, q: { name: ZONAL_A } },
  { what: 'regional name from the provider VPC', where: { vpcId: PROVIDER }, q: { name: REGIONAL } },
  { what: 'regional name from the host', where: HOST, q: { name: REGIONAL } },
  { what: 'private name: CNAME + A', where: C, q: { name: 'api.example.com' } },
  { what: 'private name, mixed case', where: C, q: { name: 'ApI.eXaMpLe.CoM' } },
  { what: 'private name, CNAME question', where: C, q: { name: 'api.example.com', type: 'CNAME' } },
  { what: 'private name, AAAA: CNAME then NODATA', where: C, q: { name: 'api.example.com', type: 'AAAA' } },
  { what: 'wildcard', where: W, q: { name: 'a.wild.example.net' } },
  { what: 'wildcard, mixed case', where: W, q: { name: 'X.Y.Wild.Example.NET' } },
  { what: 'wildcard zone apex: NODATA', where: W, q: { name: 'wild.example.net' } },
  { what: 'NXDOMAIN under vpce.amazonaws.com', where: C, q: { name: 'vpce-0ffffffffffffffff-zzzzzzzz.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com' } },
  { what: 'NXDOMAIN, upper case (SOA not compressed into the question)', where: C, q: { name: `X.${REGIONAL}`.toUpperCase() } },
  { what: 'NXDOMAIN in a private zone', where: C, q: { name: 'www.api.example.com' } },
  { what: 'regional AAAA: NODATA', where: C, q: { name: REGIONAL, type: 'AAAA' } },
  { what: 'ipv6-only, ANY', where: C, q: { name: V6_REGIONAL, type: 'ANY' } },
  { what: 'the vpce apex SOA', where: C, q: { name: 'vpce.amazonaws.com', type: 'SOA' } },
  { what: 'RD off', where: C, q: { name: REGIONAL, flags: 0 } },
  { what: 'RD and CD', where: C, q: { name: REGIONAL, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED } },
  { what: 'other header bits the answer ignores (AD, Z)', where: C, q: { name: REGIONAL, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA | 0x40 } },
  { what: 'EDNS 1232', where: C, q: { name: REGIONAL, opt: OPT(1232) } },
  { what: 'EDNS with DO', where: C, q: { name: 'api.example.com', opt: OPT(1232, { flags: dnsPacket.DNSSEC_OK }) } },
  { what: 'EDNS 4096 (limit 1232)', where: C, q: { name: REGIONAL, opt: OPT(4096) } },
  { what: 'EDNS 100 (counts as 512)', where: C, q: { name: REGIONAL, opt: OPT(100) } },
  { what: 'TC needed: 40 addresses over UDP without EDNS', where: C, q: { name: BIG_REGIONAL } },
  { what: 'TC not needed: the same with EDNS 1232', where: C, q: { name: BIG_REGIONAL, opt: OPT(1232) } },
  { what: 'TC needed: EDNS 600', where: C, q: { name: BIG_REGIONAL, opt: OPT(600) } },
  { what: 'the same over TCP', where: C, q: { name: BIG_REGIONAL }, transport: 'tcp' },
  { what: 'a private name over TCP', where: C, q: { name: 'api.example.com' }, transport: 'tcp' },
  { what: 'forwarded name', where: C, q: { name: 'example.org' } },
  { what: 'wildcard of another VPC: forwarded', where: C, q: { name: 'a.wild.example.net' } },
  { what: 'enableDnsSupport off: dropped', where: { vpcId: NO_DNS }, q: { name: REGIONAL } },
  { what: 'unknown VPC: dropped', where: { vpcId: 'vpc-0123' }, q: { name: REGIONAL } },
  { what: 'class CH: REFUSED', where: C, q: dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }) },
  { what: 'EDNS version 1: BADVERS (full path)', where: C, q: { name: REGIONAL, opt: OPT(1232, { ednsVersion: 1 }) }, cached: false },
  { what: 'OPT with an option (full path)', where: C, q: withOptOption({ name: REGIONAL }), cached: false },
  { what: 'two questions: FORMERR (full path)', where: C, cached: false,
    q: dnsPacket.encode({ type: 'query', id: 0, questions: [{ name: REGIONAL, type: 'A' }, { name: ZONAL_A, type: 'A' }] }) },
  { what: 'trailing byte: FORMERR (full path)', where: C, q: Buffer.concat([query({ name: REGIONAL }), Buffer.from([0])]), cached: false },
  { what: 'opcode STATUS: NOTIMP (full path)', where: C, q: query({ name: REGIONAL, flags: 2 << 11 }), cached: false },
  { what: 'a response: dropped (full path)', where: C, q: (() => { const b = query({ name: REGIONAL }); b[2]! |= 0x80; return b; })(), cached: false },
];

function bytes(a: Ask | Buffer, id: number): Buffer {
  const b = Buffer.from(Buffer.isBuffer(a) ? a : query(a));
  b.writeUInt16BE(id, 0);
  return b;
}

/** The verdict as comparable data (the packet as hex). */
function plain(r: Verdict): unknown {
  return r.kind === 'reply' ? { ...r, packet: r.packet.toString('hex') } : r;
}

describe('AnswerCache: byte for byte the uncached answer', () => {
  const cache = new AnswerCache();
  for (const row of ROWS) {
    it(row.what, () => {
      const transport = row.transport ?? 'udp';
      assert.equal(cacheKey(row.where, bytes(row.q, 0), transport) !== undefined, row.cached !== false, 'taken by the cache');
      const hits0 = cache.hits;
      for (const pass of ['cold', 'warm']) {
        for (const id of IDS) {
          const want = answerQuery(v, row.where, bytes(row.q, id), { transport });
          const got = cache.answer(v, row.where, bytes(row.q, id), { transport });
          assert.deepEqual(plain(got), plain(want), `${pass}, id ${id}`);
        }
      }
      if (row.cached === false) assert.equal(cache.hits, hits0, 'no hits');
      else assert.ok(cache.hits - hits0 >= IDS.length, `served from the cache (${cache.hits - hits0} hits)`);
    });
  }
  it('a warm reply is a copy: changing it does not change the next', () => {
    const a = cache.answer(v, C, bytes({ name: REGIONAL }, 5));
    assert.equal(a.kind, 'reply');
    if (a.kind === 'reply') a.packet.fill(0);
    assert.deepEqual(plain(cache.answer(v, C, bytes({ name: REGIONAL }, 5))), plain(answerQuery(v, C, bytes({ name: REGIONAL }, 5))));
  });
});

describe('AnswerCache: invalidation and bound', () => {
  it('another Views (a reconfiguration) empties it: no answer outlives its records', () => {
    const cache = new AnswerCache();
    const q = bytes({ name: REGIONAL }, 9);
    const before = cache.answer(v, C, q);
    cache.answer(v, C, q);
    assert.ok(cache.hits >= 1 && cache.size >= 1);
    const w = world();
    const moved = w.dnsRecords.map((r) => (r.name === REGIONAL ? { ...r, a: ['10.0.3.9'] } : r));
    const v2 = compileViews(moved, w.networks);
    const after = cache.answer(v2, C, q);
    assert.deepEqual(plain(after), plain(answerQuery(v2, C, q)));
    assert.notDeepEqual(plain(after), plain(before));
    assert.equal(cache.size, 1, 'only the new answer is held');
    // The VPC gone from the configuration: its queries are dropped, not served from before.
    const v3 = compileViews(w.dnsRecords, w.networks.filter((n) => n.vpcId !== CONSUMER));
    assert.equal(cache.answer(v3, C, q).kind, 'drop');
  });
  it('an identical but recompiled Views also starts empty', () => {
    const cache = new AnswerCache();
    cache.answer(v, C, bytes({ name: ZONAL_A }, 1));
    cache.answer(views(), C, bytes({ name: ZONAL_A }, 1));
    assert.equal(cache.hits, 0);
  });
  it('clear() empties it', () => {
    const cache = new AnswerCache();
    cache.answer(v, C, bytes({ name: ZONAL_A }, 1));
    cache.clear();
    assert.equal(cache.size, 0);
    cache.answer(v, C, bytes({ name: ZONAL_A }, 1));
    assert.equal(cache.hits, 0);
  });
  it('holds at most maxReplies, dropping the oldest', () => {
    const cache = new AnswerCache({ maxReplies: 50 });
    for (let i = 0; i < 500; i++) {
      const q = bytes({ name: `n${i}.vpce.amazonaws.com` }, i);
      assert.deepEqual(plain(cache.answer(v, C, q)), plain(answerQuery(v, C, q)));
      assert.ok(cache.size <= 50, `${cache.size} keys after ${i + 1}`);
    }
    // Rotation slots count too.
    for (let id = 0; id < 100; id++) cache.answer(v, C, bytes({ name: BIG_REGIONAL, opt: OPT(1232) }, id));
    assert.ok(cache.size <= 50);
  });
});

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

describe('AnswerCache: mutated queries agree with the uncached path', () => {
  it('20,000 mutations (bytes, flags, counts, lengths), each asked twice', () => {
    const rand = prng(0x5eed);
    const seeds = ROWS.filter((r) => r.cached !== false).map((r) => ({ where: r.where, q: bytes(r.q, 0), transport: r.transport ?? 'udp' }));
    const cache = new AnswerCache({ maxReplies: 2000 });
    for (let i = 0; i < 20_000; i++) {
      const s = seeds[Math.floor(rand() * seeds.length)]!;
      let b = Buffer.from(s.q);
      const op = Math.floor(rand() * 4);
      if (op === 0) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      else if (op === 1) b[2 + Math.floor(rand() * 2)]! ^= 1 << Math.floor(rand() * 8);
      else if (op === 2) b = b.subarray(0, Math.floor(rand() * b.length));
      else b = Buffer.concat([b, Buffer.from([Math.floor(rand() * 256)])]);
      if (b.length >= 2) b.writeUInt16BE(Math.floor(rand() * 65536), 0);
      for (let k = 0; k < 2; k++) {
        const got = cache.answer(v, s.where, b, { transport: s.transport });
        const want = answerQuery(v, s.where, b, { transport: s.transport });
        if (JSON.stringify(plain(got)) !== JSON.stringify(plain(want))) assert.fail(`packet ${b.toString('hex')}: ${JSON.stringify(plain(got))} vs ${JSON.stringify(plain(want))}`);
      }
    }
    assert.ok(cache.hits > 10_000, `${cache.hits} hits`);
  });
});
