/**
 * The resolver's test world: the golden two-account desired state (test/reconcile/golden/
 * two-account-flow.json: one available endpoint with a regional and two zonal names) plus private
 * names and VPCs built here, and small helpers to ask a question and read the answer.
 */
import dnsPacket from 'dns-packet';
import { readFileSync } from 'node:fs';
import { answerQuery, type Verdict, type Where } from '../../src/dns/answer.js';
import { compileViews, type Views } from '../../src/dns/views.js';
import type { DesiredDnsRecord, DesiredNetwork, DesiredState } from '../../src/reconcile/desired-state.js';

const golden = JSON.parse(readFileSync(new URL('../reconcile/golden/two-account-flow.json', import.meta.url), 'utf8')) as DesiredState;

export const CONSUMER = 'vpc-0ccccccccccccccc1';
export const PROVIDER = 'vpc-0aaaaaaaaaaaaaaa1';
/** enableDnsSupport off. */
export const NO_DNS = 'vpc-0ddddddddddddddd1';
/** A second consumer VPC with a wildcard private name and an IPv6-only endpoint. */
export const WILD = 'vpc-0eeeeeeeeeeeeeee1';
export const EP = 'vpce-0ccccccccccccccc1';
export const REGIONAL = 'vpce-0ccccccccccccccc1-abcd1234.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com';
export const ZONAL_A = 'vpce-0ccccccccccccccc1-abcd1234-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com';
export const ZONAL_B = 'vpce-0ccccccccccccccc1-abcd1234-us-east-1b.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com';
export const WILD_REGIONAL = 'vpce-0eeeeeeeeeeeeeee2-wxyz9876.vpce-svc-0123456789abcdef1.us-east-1.vpce.amazonaws.com';
export const V6_REGIONAL = 'vpce-0eeeeeeeeeeeeeee3-v6v6v6v6.vpce-svc-0123456789abcdef2.us-east-1.vpce.amazonaws.com';
/** A regional name with more addresses than fit in 512 bytes. */
export const BIG_REGIONAL = 'vpce-0eeeeeeeeeeeeeee4-bigbigbi.vpce-svc-0123456789abcdef3.us-east-1.vpce.amazonaws.com';
export const BIG_A = Array.from({ length: 40 }, (_, i) => `10.9.${Math.floor(i / 10)}.${i + 1}`).sort();

function rec(scope: string, name: string, kind: DesiredDnsRecord['kind'], endpointId: string, a: string[], aaaa: string[] = []): DesiredDnsRecord {
  return { id: `${scope} ${name}`, scope, name, kind, endpointId, a, aaaa };
}

function net(vpcId: string, cidr: string, resolverIp: string, enableDnsSupport = true, enableDnsHostnames = true): DesiredNetwork {
  return { vpcId, account: '333333333333', cidr, resolverIp, enableDnsSupport, enableDnsHostnames, subnets: [] };
}

export function world(): { dnsRecords: DesiredDnsRecord[]; networks: DesiredNetwork[] } {
  const dnsRecords = [
    ...golden.dnsRecords,
    rec(CONSUMER, 'api.example.com', 'private', EP, ['10.0.1.5', '10.0.2.5']),
    rec('public', WILD_REGIONAL, 'regional', 'vpce-0eeeeeeeeeeeeeee2', ['172.16.1.7']),
    rec(WILD, '*.wild.example.net', 'private', 'vpce-0eeeeeeeeeeeeeee2', ['172.16.1.7']),
    // An exact private name with its own addresses (not those of a regional name): answered directly.
    rec(WILD, 'db.wild.example.net', 'private', 'vpce-0eeeeeeeeeeeeeee9', ['172.16.1.99']),
    rec('public', V6_REGIONAL, 'regional', 'vpce-0eeeeeeeeeeeeeee3', [], ['fd00::5']),
    rec('public', BIG_REGIONAL, 'regional', 'vpce-0eeeeeeeeeeeeeee4', BIG_A),
  ].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const networks = [
    ...golden.networks,
    net(NO_DNS, '10.1.0.0/16', '10.1.0.2', false),
    net(WILD, '172.16.0.0/16', '172.16.0.2'),
  ];
  return { dnsRecords, networks };
}

export function views(): Views {
  const w = world();
  return compileViews(w.dnsRecords, w.networks);
}

export const OPT = (udpPayloadSize = 1232, extra: Partial<dnsPacket.OptAnswer> = {}): dnsPacket.OptAnswer => ({
  type: 'OPT', name: '.', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [], ...extra,
});

export interface Ask {
  name: string;
  type?: dnsPacket.RecordType | 'ANY';
  id?: number;
  flags?: number;
  opt?: dnsPacket.OptAnswer;
}

export function query(a: Ask): Buffer {
  return dnsPacket.encode({
    type: 'query', id: a.id ?? 0, flags: a.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name: a.name, type: (a.type ?? 'A') as dnsPacket.RecordType, class: 'IN' }], additionals: a.opt ? [a.opt] : [],
  });
}

export function ask(v: Views, where: Where, a: Ask | Buffer, transport: 'udp' | 'tcp' = 'udp'): Verdict {
  return answerQuery(v, where, Buffer.isBuffer(a) ? a : query(a), { transport });
}

/** The reply decoded; fails the test when the verdict is not a reply. */
export function decoded(v: Verdict): dnsPacket.DecodedPacket & { rcode?: string } {
  if (v.kind !== 'reply') throw new Error(`expected a reply, got ${v.kind}: ${v.reason}`);
  return dnsPacket.decode(v.packet) as dnsPacket.DecodedPacket & { rcode?: string };
}

/** Answers as [type, owner, data] (SOA data as its mname). */
export function rows(rrs: dnsPacket.Answer[] | undefined): Array<[string, string, string]> {
  return (rrs ?? []).filter((r) => r.type !== 'OPT').map((r) => {
    const data = 'data' in r ? r.data : undefined;
    return [r.type, r.name, typeof data === 'string' ? data : r.type === 'SOA' ? `SOA ${r.name}` : JSON.stringify(data)];
  });
}
