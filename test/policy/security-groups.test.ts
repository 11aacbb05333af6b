/** Security-group evaluation: one table of { groups, connection, want } rows per direction, AWS semantics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecurityGroupDoc } from '../../src/control/resources.js';
import { awsPrefixLists } from '../../src/control/services/substrate/prefix-lists.js';
import {
  compileGroups, evaluateEgress, evaluateIngress, type EgressConn, type GroupInput, type IngressConn, type RuleInput,
} from '../../src/policy/security-groups.js';

const S3 = awsPrefixLists('us-east-1').find((p) => p.service === 's3')!; // pl-63a5400a, 54.231.0.0/16, …
const ctx = {
  prefixLists: (id: string) => (id === S3.id ? S3.cidrs : id === 'pl-mixed' ? ['192.0.2.0/24', '2001:db8:1::/48']
    : id === 'pl-partly-bad' ? ['10.0.0.1/8', '198.51.100.0/24'] : undefined),
};

let n = 0;
const rule = (r: Omit<RuleInput, 'ruleId'> & { ruleId?: string }): RuleInput => ({ ruleId: r.ruleId ?? `sgr-${++n}`, ...r });
const sg = (id: string, ingress: RuleInput[], egress: RuleInput[] = []): GroupInput => ({ id, ingress, egress });
const tcp = (from: number | undefined, to: number | undefined, peer: Partial<RuleInput>, ruleId?: string) =>
  rule({ ipProtocol: 'tcp', fromPort: from, toPort: to, ...peer, ...(ruleId ? { ruleId } : {}) });
const conn = (sourceIp: string | number, destinationPort = 443, extra: Partial<IngressConn> = {}): IngressConn =>
  ({ protocol: 'tcp', sourceIp, sourceGroupIds: [], destinationPort, ...extra });

const web = sg('sg-web', [tcp(443, 443, { cidrIpv4: '10.0.0.0/16' }, 'sgr-https')]);
const range = sg('sg-range', [tcp(1000, 2000, { cidrIpv4: '0.0.0.0/0' }, 'sgr-range')]);
/** The VPC default group as the control plane creates it: all traffic from its own members. */
const defaultGroup = sg('sg-default', [rule({ ruleId: 'sgr-self', ipProtocol: '-1', referencedGroupId: 'sg-default' })],
  [rule({ ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' })]);

type Want = { allow: true; rule: string; group?: string; reason?: RegExp } | { allow: false; reason: RegExp };
const ingressCases: Array<{ name: string; groups: GroupInput[]; conn: IngressConn; want: Want }> = [
  // CIDR rules and the allow reason
  { name: 'IPv4 CIDR admits a source inside it', groups: [web], conn: conn('10.0.3.4'),
    want: { allow: true, rule: 'sgr-https', group: 'sg-web', reason: /^sgr-https of sg-web allows tcp 443 from 10\.0\.0\.0\/16$/ } },
  { name: 'IPv4 CIDR refuses a source outside it, naming what was checked', groups: [web], conn: conn('10.1.2.3'),
    want: { allow: false, reason: /^no inbound rule of sg-web allows tcp\/443 from 10\.1\.2\.3 \(source in no security group\)$/ } },
  { name: 'first address of the CIDR', groups: [web], conn: conn('10.0.0.0'), want: { allow: true, rule: 'sgr-https' } },
  { name: 'last address of the CIDR', groups: [web], conn: conn('10.0.255.255'), want: { allow: true, rule: 'sgr-https' } },
  { name: 'one past the CIDR', groups: [web], conn: conn('10.1.0.0'), want: { allow: false, reason: /from 10\.1\.0\.0/ } },
  { name: '/32 matches exactly one address', groups: [sg('sg-a', [tcp(22, 22, { cidrIpv4: '192.168.1.7/32' })])], conn: conn('192.168.1.7', 22), want: { allow: true, rule: 'sgr-' } },
  { name: '/32 refuses the neighbour', groups: [sg('sg-a', [tcp(22, 22, { cidrIpv4: '192.168.1.7/32' })])], conn: conn('192.168.1.8', 22), want: { allow: false, reason: /tcp\/22/ } },
  { name: '0.0.0.0/0 matches the top address', groups: [range], conn: conn('255.255.255.255', 1500), want: { allow: true, rule: 'sgr-range' } },
  { name: 'source given as an unsigned integer', groups: [web], conn: conn(0x0a000304), want: { allow: true, rule: 'sgr-https' } },
  { name: 'IPv4-mapped IPv6 source (dual-stack socket) is IPv4', groups: [web], conn: conn('::ffff:10.0.3.4'), want: { allow: true, rule: 'sgr-https' } },
  // port edges
  { name: 'port below the range', groups: [range], conn: conn('1.2.3.4', 999), want: { allow: false, reason: /tcp\/999/ } },
  { name: 'port at the range start', groups: [range], conn: conn('1.2.3.4', 1000), want: { allow: true, rule: 'sgr-range' } },
  { name: 'port at the range end', groups: [range], conn: conn('1.2.3.4', 2000), want: { allow: true, rule: 'sgr-range' } },
  { name: 'port above the range', groups: [range], conn: conn('1.2.3.4', 2001), want: { allow: false, reason: /tcp\/2001/ } },
  { name: 'absent ports: all ports', groups: [sg('sg-a', [tcp(undefined, undefined, { cidrIpv4: '0.0.0.0/0' }, 'sgr-any')])], conn: conn('1.2.3.4', 65535),
    want: { allow: true, rule: 'sgr-any', reason: /allows tcp all ports from 0\.0\.0\.0\/0/ } },
  { name: '-1 ports: all ports', groups: [sg('sg-a', [tcp(-1, -1, { cidrIpv4: '0.0.0.0/0' }, 'sgr-any')])], conn: conn('1.2.3.4', 0), want: { allow: true, rule: 'sgr-any' } },
  // protocols: names, numbers, all
  { name: "rule '6' is tcp", groups: [sg('sg-a', [rule({ ruleId: 'sgr-6', ipProtocol: '6', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' })])], conn: conn('1.2.3.4'),
    want: { allow: true, rule: 'sgr-6', reason: /allows tcp 443/ } },
  { name: 'connection protocol as a number', groups: [web], conn: conn('10.0.0.9', 443, { protocol: 6 }), want: { allow: true, rule: 'sgr-https' } },
  { name: 'udp rule does not admit tcp', groups: [sg('sg-a', [rule({ ipProtocol: 'udp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' })])], conn: conn('1.2.3.4'),
    want: { allow: false, reason: /^no inbound rule of sg-a allows tcp\/443/ } },
  { name: "rule '17' admits udp", groups: [sg('sg-a', [rule({ ruleId: 'sgr-17', ipProtocol: '17', fromPort: 53, toPort: 53, cidrIpv4: '0.0.0.0/0' })])],
    conn: conn('1.2.3.4', 53, { protocol: 'udp' }), want: { allow: true, rule: 'sgr-17', reason: /allows udp 53/ } },
  { name: "'-1' admits any protocol and port", groups: [sg('sg-a', [rule({ ruleId: 'sgr-all', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' })])],
    conn: conn('1.2.3.4', 5, { protocol: 'udp' }), want: { allow: true, rule: 'sgr-all', reason: /allows all traffic from 0\.0\.0\.0\/0/ } },
  { name: 'other protocol numbers ignore ports', groups: [sg('sg-a', [rule({ ruleId: 'sgr-gre', ipProtocol: '47', cidrIpv4: '0.0.0.0/0' })])],
    conn: conn('1.2.3.4', 0, { protocol: 47 }), want: { allow: true, rule: 'sgr-gre', reason: /allows protocol 47/ } },
  { name: 'icmp type rule admits that type', groups: [sg('sg-a', [rule({ ruleId: 'sgr-ping', ipProtocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' })])],
    conn: conn('1.2.3.4', 0, { protocol: 'icmp', icmpType: 8, icmpCode: 0 }), want: { allow: true, rule: 'sgr-ping', reason: /allows icmp type 8 from/ } },
  { name: 'icmp type rule refuses another type', groups: [sg('sg-a', [rule({ ipProtocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' })])],
    conn: conn('1.2.3.4', 0, { protocol: 'icmp', icmpType: 0, icmpCode: 0 }), want: { allow: false, reason: /allows icmp type 0 code 0 from/ } },
  // several groups, none
  { name: 'any rule of any group: the second group admits', groups: [web, sg('sg-ops', [tcp(443, 443, { cidrIpv4: '10.1.0.0/16' }, 'sgr-ops')])],
    conn: conn('10.1.2.3'), want: { allow: true, rule: 'sgr-ops', group: 'sg-ops' } },
  { name: 'several groups, none admits: all are named', groups: [web, range], conn: conn('10.1.2.3', 22, { sourceGroupIds: ['sg-ccc'] }),
    want: { allow: false, reason: /^no inbound rule of sg-web, sg-range allows tcp\/22 from 10\.1\.2\.3 \(source groups sg-ccc\)$/ } },
  { name: 'no group attached: denied', groups: [], conn: conn('10.0.0.1'), want: { allow: false, reason: /^no security group attached: all inbound traffic is denied$/ } },
  { name: 'a group without inbound rules', groups: [sg('sg-empty', [])], conn: conn('10.0.0.1'), want: { allow: false, reason: /^no inbound rule of sg-empty allows/ } },
  // referenced groups and the default group
  { name: 'default group admits its own members', groups: [defaultGroup], conn: conn('172.31.5.5', 8080, { sourceGroupIds: ['sg-default'] }),
    want: { allow: true, rule: 'sgr-self', reason: /^sgr-self of sg-default allows all traffic from members of sg-default \(itself\)$/ } },
  { name: 'default group refuses a source in another group', groups: [defaultGroup], conn: conn('172.31.5.5', 8080, { sourceGroupIds: ['sg-other'] }),
    want: { allow: false, reason: /allows tcp\/8080 from 172\.31\.5\.5 \(source groups sg-other\)/ } },
  { name: 'default group refuses a source in no group, whatever its address', groups: [defaultGroup], conn: conn('172.31.5.5', 8080),
    want: { allow: false, reason: /source in no security group/ } },
  { name: 'rule referencing another group admits its members', groups: [sg('sg-db', [tcp(5432, 5432, { referencedGroupId: 'sg-app' }, 'sgr-app')])],
    conn: conn('10.0.0.1', 5432, { sourceGroupIds: ['sg-web', 'sg-app'] }), want: { allow: true, rule: 'sgr-app', reason: /from members of sg-app$/ } },
  { name: 'referenced group still checks the port', groups: [sg('sg-db', [tcp(5432, 5432, { referencedGroupId: 'sg-app' })])],
    conn: conn('10.0.0.1', 5433, { sourceGroupIds: ['sg-app'] }), want: { allow: false, reason: /tcp\/5433/ } },
  // prefix lists
  { name: 'prefix list admits an address in one of its CIDRs', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: S3.id }, 'sgr-pl')])], conn: conn('52.217.1.1'),
    want: { allow: true, rule: 'sgr-pl', reason: new RegExp(`from prefix list ${S3.id}$`) } },
  { name: 'prefix list refuses an address outside all its CIDRs', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: S3.id })])], conn: conn('52.218.0.1'),
    want: { allow: false, reason: /from 52\.218\.0\.1/ } },
  { name: 'unknown prefix list never matches and the reason says so', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: 'pl-nope' }, 'sgr-nope')])], conn: conn('52.217.1.1'),
    want: { allow: false, reason: /; sgr-nope of sg-a: prefix list pl-nope is unknown$/ } },
  { name: 'a malformed entry of a prefix list is skipped, the others still match', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: 'pl-partly-bad' }, 'sgr-pb')])], conn: conn('198.51.100.7'),
    want: { allow: true, rule: 'sgr-pb' } },
  { name: '… and the refusal reports the malformed entry', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: 'pl-partly-bad' }, 'sgr-pb')])], conn: conn('203.0.113.1'),
    want: { allow: false, reason: /; sgr-pb of sg-a: malformed CIDR 10\.0\.0\.1\/8 in prefix list pl-partly-bad$/ } },
  { name: 'an unknown rule protocol never matches', groups: [sg('sg-a', [rule({ ruleId: 'sgr-x', ipProtocol: 'sctp', cidrIpv4: '0.0.0.0/0' })])], conn: conn('1.2.3.4'),
    want: { allow: false, reason: /; sgr-x of sg-a: unknown protocol 'sctp'$/ } },
  { name: 'mixed-family prefix list matches IPv6 sources', groups: [sg('sg-a', [tcp(443, 443, { prefixListId: 'pl-mixed' }, 'sgr-mixed')])], conn: conn('2001:db8:1:ff::1'),
    want: { allow: true, rule: 'sgr-mixed' } },
  // IPv6
  { name: 'IPv6 CIDR never matches an IPv4 source', groups: [sg('sg-a', [tcp(443, 443, { cidrIpv6: '::/0' })])], conn: conn('10.0.0.1'),
    want: { allow: false, reason: /from 10\.0\.0\.1/ } },
  { name: 'IPv6 CIDR admits an IPv6 source inside it', groups: [sg('sg-a', [tcp(443, 443, { cidrIpv6: '2001:db8::/32' }, 'sgr-v6')])], conn: conn('2001:db8:abcd::5'),
    want: { allow: true, rule: 'sgr-v6' } },
  { name: 'IPv6 CIDR refuses an IPv6 source outside it', groups: [sg('sg-a', [tcp(443, 443, { cidrIpv6: '2001:db8::/32' })])], conn: conn('2001:db9::5'),
    want: { allow: false, reason: /from 2001:db9::5/ } },
  { name: 'IPv4 CIDR never matches an IPv6 source', groups: [sg('sg-a', [tcp(443, 443, { cidrIpv4: '0.0.0.0/0' })])], conn: conn('fe80::1%eth0'),
    want: { allow: false, reason: /from fe80::1%eth0/ } },
  // malformed input
  { name: 'a source that is no address', groups: [web], conn: conn('10.0.0.256'), want: { allow: false, reason: /^source address 10\.0\.0\.256 is not an IP address$/ } },
  { name: 'a malformed rule CIDR never matches', groups: [sg('sg-a', [tcp(443, 443, { cidrIpv4: '10.0.0.1/16' }, 'sgr-bad')])], conn: conn('10.0.0.1'),
    want: { allow: false, reason: /sgr-bad of sg-a: malformed CIDR 10\.0\.0\.1\/16/ } },
];

function check(got: ReturnType<typeof evaluateIngress>, want: Want): void {
  assert.equal(got.allow, want.allow, got.reason);
  if (want.reason) assert.match(got.reason, want.reason);
  if (got.allow && want.allow) {
    assert.ok(got.rule.ruleId.startsWith(want.rule), `rule ${got.rule.ruleId}, want ${want.rule}`);
    if (want.group) assert.equal(got.rule.groupId, want.group);
  }
}

describe('evaluateIngress', () => {
  for (const c of ingressCases) {
    it(c.name, () => check(evaluateIngress(compileGroups(c.groups, ctx), c.conn), c.want));
  }

  it('returns the precompiled verdict of the rule: nothing is allocated on the allow path', () => {
    const views = compileGroups([web], ctx);
    const a = evaluateIngress(views, conn('10.0.0.1'));
    const b = evaluateIngress(views, conn('10.0.200.9'));
    assert.equal(a.allow, true);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
  });

  it('compiles the control plane documents as they are stored (default group)', () => {
    const doc: SecurityGroupDoc = {
      kind: 'security-group', id: 'sg-0123456789abcdef0', account: '111122223333', region: 'us-east-1', createdAt: '2026-01-01T00:00:00.000Z',
      tags: [], vpcId: 'vpc-1', groupName: 'default', description: 'default VPC security group',
      ingress: [{ ruleId: 'sgr-1', ipProtocol: '-1', referencedGroupId: 'sg-0123456789abcdef0', referencedGroupAccount: '111122223333' }],
      egress: [{ ruleId: 'sgr-2', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
    };
    const views = compileGroups([doc], ctx);
    assert.equal(evaluateIngress(views, conn('10.0.0.1', 443, { sourceGroupIds: [doc.id] })).allow, true);
    assert.equal(evaluateIngress(views, conn('10.0.0.1', 443)).allow, false);
    assert.equal(evaluateEgress(views, { protocol: 'tcp', destinationIp: '8.8.8.8', destinationGroupIds: [], destinationPort: 53 }).allow, true);
  });
});

const out = (destinationIp: string, destinationPort: number, extra: Partial<EgressConn> = {}): EgressConn =>
  ({ protocol: 'tcp', destinationIp, destinationGroupIds: [], destinationPort, ...extra });
const egressCases: Array<{ name: string; groups: GroupInput[]; conn: EgressConn; want: Want }> = [
  { name: 'default egress admits everything', groups: [defaultGroup], conn: out('203.0.113.9', 5432), want: { allow: true, rule: 'sgr-', reason: /allows all traffic to 0\.0\.0\.0\/0$/ } },
  { name: 'restricted egress admits its destination', groups: [sg('sg-a', [], [tcp(443, 443, { cidrIpv4: '10.0.0.0/8' }, 'sgr-out')])], conn: out('10.1.1.1', 443),
    want: { allow: true, rule: 'sgr-out', reason: /^sgr-out of sg-a allows tcp 443 to 10\.0\.0\.0\/8$/ } },
  { name: 'restricted egress refuses another port', groups: [sg('sg-a', [], [tcp(443, 443, { cidrIpv4: '10.0.0.0/8' })])], conn: out('10.1.1.1', 5432),
    want: { allow: false, reason: /^no outbound rule of sg-a allows tcp\/5432 to 10\.1\.1\.1 \(destination in no security group\)$/ } },
  { name: 'egress to members of a group', groups: [sg('sg-a', [], [tcp(5432, 5432, { referencedGroupId: 'sg-db' }, 'sgr-db')])],
    conn: out('10.1.1.1', 5432, { destinationGroupIds: ['sg-db'] }), want: { allow: true, rule: 'sgr-db' } },
  { name: 'egress to a gateway-endpoint prefix list', groups: [sg('sg-a', [], [tcp(443, 443, { prefixListId: S3.id }, 'sgr-s3')])], conn: out('54.231.7.7', 443),
    want: { allow: true, rule: 'sgr-s3' } },
  { name: 'ingress rules do not govern egress', groups: [web], conn: out('10.0.0.1', 443), want: { allow: false, reason: /^no outbound rule of sg-web/ } },
  { name: 'no group attached: denied', groups: [], conn: out('10.0.0.1', 443), want: { allow: false, reason: /all outbound traffic is denied/ } },
];

describe('evaluateEgress', () => {
  for (const c of egressCases) {
    it(c.name, () => check(evaluateEgress(compileGroups(c.groups, ctx), c.conn), c.want));
  }
});
