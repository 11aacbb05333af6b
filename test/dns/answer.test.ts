/**
 * `answerQuery` over the golden desired state (fixture.ts), table-driven: regional, zonal, private
 * (CNAME), wildcard, case, NXDOMAIN, NODATA, forward, enableDnsSupport off, the host's view; then
 * header flags, EDNS, truncation, rotation and the packets that are no usable query.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { servfail, type Where } from '../../src/dns/answer.js';
import {
  ask, BIG_A, BIG_REGIONAL, CONSUMER, decoded, NO_DNS, OPT, PROVIDER, query, REGIONAL, rows, V6_REGIONAL, views, WILD, WILD_REGIONAL,
  ZONAL_A, ZONAL_B, type Ask,
} from './fixture.js';

const v = views();
const C: Where = { vpcId: CONSUMER };
const P: Where = { vpcId: PROVIDER };
const W: Where = { vpcId: WILD };
const HOST: Where = { host: true };

interface Row {
  what: string;
  where: Where;
  q: Ask;
  /** 'forward' | 'drop', or the reply's rcode. */
  want: 'forward' | 'drop' | 'NOERROR' | 'NXDOMAIN';
  answers?: Array<[string, string, string]>;
  /** The zone whose SOA is in the authority section. */
  soa?: string;
}

const SOA = (zone: string): Array<[string, string, string]> => [['SOA', zone, `SOA ${zone}`]];

const ROWS: Row[] = [
  { what: 'regional name: every ENI (sorted, id 0)', where: C, q: { name: REGIONAL }, want: 'NOERROR', answers: [['A', REGIONAL, '10.0.1.5'], ['A', REGIONAL, '10.0.2.5']] },
  { what: 'zonal name a: that zone\'s ENI', where: C, q: { name: ZONAL_A }, want: 'NOERROR', answers: [['A', ZONAL_A, '10.0.1.5']] },
  { what: 'zonal name b', where: C, q: { name: ZONAL_B }, want: 'NOERROR', answers: [['A', ZONAL_B, '10.0.2.5']] },
  { what: 'public names resolve in the provider VPC too', where: P, q: { name: REGIONAL }, want: 'NOERROR', answers: [['A', REGIONAL, '10.0.1.5'], ['A', REGIONAL, '10.0.2.5']] },
  { what: 'and from the host', where: HOST, q: { name: ZONAL_B }, want: 'NOERROR', answers: [['A', ZONAL_B, '10.0.2.5']] },
  { what: 'regional AAAA: NODATA with the vpce SOA', where: C, q: { name: REGIONAL, type: 'AAAA' }, want: 'NOERROR', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'regional MX: NODATA', where: C, q: { name: REGIONAL, type: 'MX' }, want: 'NOERROR', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'ipv6-only endpoint: AAAA answered', where: C, q: { name: V6_REGIONAL, type: 'AAAA' }, want: 'NOERROR', answers: [['AAAA', V6_REGIONAL, 'fd00::5']] },
  { what: 'ipv6-only endpoint: A is NODATA', where: C, q: { name: V6_REGIONAL, type: 'A' }, want: 'NOERROR', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'ANY: all address records', where: C, q: { name: ZONAL_A, type: 'ANY' }, want: 'NOERROR', answers: [['A', ZONAL_A, '10.0.1.5']] },
  { what: 'unknown name under vpce.amazonaws.com: NXDOMAIN', where: C, q: { name: `vpce-0ffffffffffffffff-zzzzzzzz.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com` }, want: 'NXDOMAIN', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'below a regional name: NXDOMAIN', where: HOST, q: { name: `x.${REGIONAL}` }, want: 'NXDOMAIN', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'an ancestor of endpoint names (empty non-terminal): NODATA, not NXDOMAIN', where: C, q: { name: 'vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com' }, want: 'NOERROR', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'the vpce apex: NODATA', where: C, q: { name: 'vpce.amazonaws.com' }, want: 'NOERROR', answers: [], soa: 'vpce.amazonaws.com' },
  { what: 'the vpce apex SOA', where: C, q: { name: 'vpce.amazonaws.com', type: 'SOA' }, want: 'NOERROR', answers: SOA('vpce.amazonaws.com') },
  { what: 'private name in its VPC: CNAME to the regional name, then its A records', where: C, q: { name: 'api.example.com' }, want: 'NOERROR',
    answers: [['CNAME', 'api.example.com', REGIONAL], ['A', REGIONAL, '10.0.1.5'], ['A', REGIONAL, '10.0.2.5']] },
  { what: 'private name, question case kept (0x20)', where: C, q: { name: 'ApI.eXaMpLe.CoM' }, want: 'NOERROR',
    answers: [['CNAME', 'ApI.eXaMpLe.CoM', REGIONAL], ['A', REGIONAL, '10.0.1.5'], ['A', REGIONAL, '10.0.2.5']] },
  { what: 'public name, question case kept', where: C, q: { name: ZONAL_A.toUpperCase() }, want: 'NOERROR', answers: [['A', ZONAL_A.toUpperCase(), '10.0.1.5']] },
  { what: 'private name, CNAME question: the CNAME alone', where: C, q: { name: 'api.example.com', type: 'CNAME' }, want: 'NOERROR', answers: [['CNAME', 'api.example.com', REGIONAL]] },
  { what: 'private name AAAA: CNAME, then NODATA at the target', where: C, q: { name: 'api.example.com', type: 'AAAA' }, want: 'NOERROR',
    answers: [['CNAME', 'api.example.com', REGIONAL]], soa: 'vpce.amazonaws.com' },
  { what: 'private zone, name below it: NXDOMAIN (no fallback to public DNS)', where: C, q: { name: 'www.api.example.com' }, want: 'NXDOMAIN', answers: [], soa: 'api.example.com' },
  { what: 'a sibling outside the private zone: forwarded', where: C, q: { name: 'www.example.com' }, want: 'forward' },
  { what: 'the zone\'s parent: forwarded', where: C, q: { name: 'example.com' }, want: 'forward' },
  { what: 'private name in the provider VPC: forwarded (public DNS decides)', where: P, q: { name: 'api.example.com' }, want: 'forward' },
  { what: 'private name from the host: forwarded', where: HOST, q: { name: 'api.example.com' }, want: 'forward' },
  { what: 'wildcard: one label below', where: W, q: { name: 'a.wild.example.net' }, want: 'NOERROR',
    answers: [['CNAME', 'a.wild.example.net', WILD_REGIONAL], ['A', WILD_REGIONAL, '172.16.1.7']] },
  { what: 'wildcard: any depth below', where: W, q: { name: 'x.y.z.wild.example.net' }, want: 'NOERROR',
    answers: [['CNAME', 'x.y.z.wild.example.net', WILD_REGIONAL], ['A', WILD_REGIONAL, '172.16.1.7']] },
  { what: 'wildcard: case kept', where: W, q: { name: 'A.Wild.Example.NET' }, want: 'NOERROR',
    answers: [['CNAME', 'A.Wild.Example.NET', WILD_REGIONAL], ['A', WILD_REGIONAL, '172.16.1.7']] },
  { what: 'wildcard: not the apex (the zone apex exists: NODATA)', where: W, q: { name: 'wild.example.net' }, want: 'NOERROR', answers: [], soa: 'wild.example.net' },
  { what: 'wildcard: the apex SOA', where: W, q: { name: 'wild.example.net', type: 'SOA' }, want: 'NOERROR', answers: SOA('wild.example.net') },
  { what: 'wildcard zone: the exact name (own zone, own addresses) wins', where: W, q: { name: 'db.wild.example.net' }, want: 'NOERROR', answers: [['A', 'db.wild.example.net', '172.16.1.99']] },
  { what: 'below the exact name: its own zone says NXDOMAIN', where: W, q: { name: 'x.db.wild.example.net' }, want: 'NXDOMAIN', answers: [], soa: 'db.wild.example.net' },
  { what: 'the exact name, TXT: NODATA in its zone', where: W, q: { name: 'db.wild.example.net', type: 'TXT' }, want: 'NOERROR', answers: [], soa: 'db.wild.example.net' },
  { what: 'wildcard, TXT: CNAME then NODATA at the target', where: W, q: { name: 'q.wild.example.net', type: 'TXT' }, want: 'NOERROR',
    answers: [['CNAME', 'q.wild.example.net', WILD_REGIONAL]], soa: 'vpce.amazonaws.com' },
  { what: 'wildcard of another VPC: forwarded', where: C, q: { name: 'a.wild.example.net' }, want: 'forward' },
  { what: 'a suffix look-alike is not under the zone', where: W, q: { name: 'a.notwild.example.net' }, want: 'forward' },
  { what: 'everything else: forwarded', where: C, q: { name: 'example.org' }, want: 'forward' },
  { what: 'the root: forwarded', where: C, q: { name: '.', type: 'NS' }, want: 'forward' },
  { what: 'a look-alike of vpce.amazonaws.com: forwarded', where: C, q: { name: 'xvpce.amazonaws.com' }, want: 'forward' },
  { what: 'enableDnsSupport off: dropped', where: { vpcId: NO_DNS }, q: { name: REGIONAL }, want: 'drop' },
  { what: 'unknown VPC: dropped', where: { vpcId: 'vpc-0123' }, q: { name: REGIONAL }, want: 'drop' },
];

describe('answerQuery: names', () => {
  for (const row of ROWS) {
    it(row.what, () => {
      const r = ask(v, row.where, row.q);
      if (row.want === 'forward' || row.want === 'drop') {
        assert.equal(r.kind, row.want, r.reason);
        assert.ok(r.reason.length > 0);
        return;
      }
      const p = decoded(r);
      assert.equal(p.rcode, row.want, r.reason);
      assert.equal(p.flag_aa, true);
      assert.deepEqual(rows(p.answers), row.answers ?? []);
      assert.deepEqual(rows(p.authorities), row.soa ? SOA(row.soa) : []);
      assert.deepEqual(p.questions, [{ name: row.q.name, type: row.q.type ?? 'A', class: 'IN' }]);
      for (const a of p.answers ?? []) assert.equal((a as { ttl: number }).ttl, 60);
    });
  }
  it('a forward names the question in lower case', () => {
    assert.deepEqual(ask(v, C, { name: 'WWW.Example.ORG', type: 'TXT' }), {
      kind: 'forward', reason: `not a name of ${CONSUMER} nor a public endpoint name`, name: 'www.example.org', type: 'TXT',
    });
  });
  it('accepts a decoded packet as well as bytes', () => {
    const r = ask(v, C, { name: ZONAL_A });
    const again = (() => {
      const pkt = dnsPacket.decode(query({ name: ZONAL_A }));
      return decoded(ask(v, C, dnsPacket.encode(pkt)));
    })();
    assert.deepEqual(rows(decoded(r).answers), rows(again.answers));
  });
});

describe('answerQuery: header, EDNS, truncation, rotation', () => {
  it('keeps the id, copies RD and CD, sets QR, RA and AA', () => {
    const p = decoded(ask(v, C, { name: REGIONAL, id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED }));
    assert.deepEqual([p.id, p.flag_qr, p.flag_rd, p.flag_cd, p.flag_ra, p.flag_aa, p.flag_tc, p.flag_ad], [0xbeef, true, true, true, true, true, false, false]);
    const q = decoded(ask(v, C, { name: REGIONAL, id: 7, flags: 0 }));
    assert.deepEqual([q.id, q.flag_rd, q.flag_cd], [7, false, false]);
  });
  it('no OPT in the query: none in the reply', () => {
    assert.deepEqual(decoded(ask(v, C, { name: REGIONAL })).additionals, []);
  });
  it('an OPT in the query: OPT back, payload 1232, version 0, DO copied', () => {
    const p = decoded(ask(v, C, { name: REGIONAL, opt: OPT(4096, { flags: dnsPacket.DNSSEC_OK }) }));
    const opt = p.additionals?.[0] as dnsPacket.OptAnswer;
    assert.deepEqual([opt.type, opt.udpPayloadSize, opt.ednsVersion, opt.extendedRcode, opt.flag_do], ['OPT', 1232, 0, 0, true]);
    const plain = decoded(ask(v, C, { name: REGIONAL, opt: OPT(1232) })).additionals?.[0] as dnsPacket.OptAnswer;
    assert.equal(plain.flag_do, false);
  });
  it('EDNS version 1: BADVERS (extended rcode 1, header rcode 0)', () => {
    const r = ask(v, C, { name: REGIONAL, opt: OPT(1232, { ednsVersion: 1 }) });
    assert.equal(r.kind === 'reply' && r.rcode, 'BADVERS');
    const p = decoded(r);
    assert.equal(p.flags! & 0xf, 0);
    assert.equal((p.additionals?.[0] as dnsPacket.OptAnswer).extendedRcode, 1);
  });
  it('over UDP without EDNS, 40 addresses do not fit in 512 bytes: TC, no records', () => {
    const r = ask(v, C, { name: BIG_REGIONAL });
    assert.ok(r.kind === 'reply' && r.truncated && r.packet.length <= 512, r.reason);
    const p = decoded(r);
    assert.deepEqual([p.flag_tc, p.answers?.length, p.questions?.[0]?.name], [true, 0, BIG_REGIONAL]);
  });
  it('with EDNS 1232 they fit; with EDNS 512 they do not (and OPT stays)', () => {
    const big = ask(v, C, { name: BIG_REGIONAL, opt: OPT(1232) });
    assert.ok(big.kind === 'reply' && big.packet.length > 512 && big.packet.length <= 1232, `${big.kind === 'reply' && big.packet.length} bytes`);
    assert.deepEqual([decoded(big).flag_tc, decoded(big).answers?.length], [false, 40]);
    const small = decoded(ask(v, C, { name: BIG_REGIONAL, opt: OPT(100) }));
    assert.deepEqual([small.flag_tc, small.answers?.length, small.additionals?.[0]?.type], [true, 0, 'OPT']);
  });
  it('over TCP nothing is truncated', () => {
    const r = ask(v, C, { name: BIG_REGIONAL }, 'tcp');
    assert.ok(r.kind === 'reply' && !r.truncated);
    assert.equal(decoded(r).answers?.length, 40);
  });
  it('rotates the addresses by the query id, keeping all of them', () => {
    const first = (id: number) => rows(decoded(ask(v, C, { name: BIG_REGIONAL, id }, 'tcp')).answers).map((x) => x[2]);
    assert.deepEqual(first(0), BIG_A);
    assert.deepEqual(first(3), [...BIG_A.slice(3), ...BIG_A.slice(0, 3)]);
    assert.deepEqual(first(43), first(3));
    const seen = new Set(Array.from({ length: 40 }, (_, id) => first(id)[0]));
    assert.equal(seen.size, 40);
  });
});

/** A raw query: header fields and the rest of the bytes. */
function raw(h: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number }, body: Buffer | number[] = []): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(h.id ?? 0x1234, 0);
  head.writeUInt16BE(h.flags ?? 0x0100, 2);
  head.writeUInt16BE(h.qd ?? 1, 4);
  head.writeUInt16BE(h.an ?? 0, 6);
  head.writeUInt16BE(h.ns ?? 0, 8);
  head.writeUInt16BE(h.ar ?? 0, 10);
  return Buffer.concat([head, Buffer.from(body as number[])]);
}
const body = (q: Buffer) => q.subarray(12);
const A_QUESTION = body(query({ name: REGIONAL }));

describe('answerQuery: packets that are no usable query', () => {
  const cases: Array<{ what: string; packet: Buffer; want: 'drop' | 'FORMERR' | 'NOTIMP' | 'REFUSED' }> = [
    { what: 'empty', packet: Buffer.alloc(0), want: 'drop' },
    { what: '3 bytes', packet: Buffer.from([1, 2, 3]), want: 'drop' },
    { what: 'a response (QR set)', packet: raw({ flags: 0x8100 }, A_QUESTION), want: 'drop' },
    { what: '4 bytes: id and flags only', packet: Buffer.from([0x12, 0x34, 0x01, 0x00]), want: 'FORMERR' },
    { what: '11 bytes', packet: raw({}).subarray(0, 11), want: 'FORMERR' },
    { what: 'no question', packet: raw({ qd: 0 }), want: 'FORMERR' },
    { what: 'two questions', packet: raw({ qd: 2 }, Buffer.concat([A_QUESTION, A_QUESTION])), want: 'FORMERR' },
    { what: 'an answer record in a query', packet: raw({ an: 1 }, A_QUESTION), want: 'FORMERR' },
    { what: 'question cut short', packet: raw({}, A_QUESTION.subarray(0, 20)), want: 'FORMERR' },
    { what: 'question without type and class', packet: raw({}, A_QUESTION.subarray(0, A_QUESTION.length - 4)), want: 'FORMERR' },
    { what: 'trailing bytes', packet: raw({}, Buffer.concat([A_QUESTION, Buffer.from([0, 0, 0])])), want: 'FORMERR' },
    { what: 'a compression pointer in the question', packet: raw({}, [0xc0, 0x00, 0, 1, 0, 1]), want: 'FORMERR' },
    { what: 'a reserved label type', packet: raw({}, [0x40, 0x00, 0, 1, 0, 1]), want: 'FORMERR' },
    { what: 'a label past the end', packet: raw({}, [5, 0x61, 0x62]), want: 'FORMERR' },
    { what: 'oversize (5000 bytes)', packet: raw({}, Buffer.concat([A_QUESTION, Buffer.alloc(5000)])), want: 'FORMERR' },
    { what: 'an additional count with nothing behind it', packet: raw({ ar: 1 }, A_QUESTION), want: 'FORMERR' },
    { what: 'too many additionals', packet: raw({ ar: 9 }, A_QUESTION), want: 'FORMERR' },
    { what: 'two OPT records', packet: dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a.com', type: 'A' }], additionals: [OPT(), OPT()] }), want: 'FORMERR' },
    { what: 'OPT as the question type', packet: query({ name: 'a.com', type: 'OPT' }), want: 'FORMERR' },
    { what: 'opcode NOTIFY', packet: raw({ flags: 4 << 11 }, A_QUESTION), want: 'NOTIMP' },
    { what: 'opcode UPDATE, garbage behind', packet: raw({ flags: 5 << 11, qd: 9 }, [1, 2, 3]), want: 'NOTIMP' },
    { what: 'class CHAOS (version.bind)', packet: dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }), want: 'REFUSED' },
    { what: 'AXFR', packet: query({ name: 'api.example.com', type: 'AXFR' }), want: 'REFUSED' },
  ];
  for (const c of cases) {
    it(`${c.what} → ${c.want}`, () => {
      const r = ask(v, C, c.packet);
      if (c.want === 'drop') {
        assert.equal(r.kind, 'drop');
        return;
      }
      assert.ok(r.kind === 'reply', `${r.kind}: ${r.reason}`);
      assert.equal(r.rcode, c.want, r.reason);
      const p = dnsPacket.decode(r.packet);
      assert.equal(p.id, c.packet.readUInt16BE(0));
      assert.equal(p.flag_qr, true);
      assert.equal(p.flags! & 0xf, { FORMERR: 1, NOTIMP: 4, REFUSED: 5 }[c.want]);
      assert.equal(p.answers?.length, 0);
    });
  }
  it('a label holding a dot cannot be echoed: forwarded as bytes, never matched to a name of ours', () => {
    // One label "api.example" then "com": decodes to the text of a private name.
    const label = Buffer.from('api.example');
    const r = ask(v, C, raw({}, [label.length, ...label, 3, ...Buffer.from('com'), 0, 0, 1, 0, 1]));
    assert.equal(r.kind, 'forward', r.reason);
  });
  it('servfail: the question and OPT echoed, SERVFAIL, not authoritative', () => {
    const p = dnsPacket.decode(servfail(query({ name: 'Example.ORG', id: 99, opt: OPT() }))!);
    assert.deepEqual([p.id, p.flags! & 0xf, p.flag_aa, p.flag_ra, p.flag_rd, p.questions?.[0]?.name, p.additionals?.[0]?.type], [99, 2, false, true, true, 'Example.ORG', 'OPT']);
    assert.equal(servfail(Buffer.from([1, 2, 3])), undefined);
    const label = Buffer.from('a.b');
    const odd = raw({ id: 5 }, [label.length, ...label, 0, 0, 1, 0, 1]);
    const f = servfail(odd)!;
    assert.deepEqual([f.readUInt16BE(0), f.readUInt16BE(2) & 0xf, f.subarray(12).equals(odd.subarray(12))], [5, 2, true]);
  });
});
