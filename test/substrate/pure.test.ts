/** Unit tests of the substrate's pure logic: security group rule handling and the AWS prefix lists. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/core/errors.js';
import { awsPrefixLists, findAwsPrefixList, fnv1aHex } from '../../src/control/services/substrate/prefix-lists.js';
import {
  describeRule, expandPermissions, flatPermission, normalizeCidrIpv6, normalizePorts, normalizeProtocol, ruleKey, toIpPermissions,
  validateRuleDescription,
} from '../../src/control/services/substrate/sg-rules.js';
import { privateDnsName } from '../../src/control/services/substrate/network-interfaces.js';
import { availableIpCount } from '../../src/control/services/substrate/subnets.js';
import type { SecurityGroupRule, SubnetDoc } from '../../src/control/resources.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
  return undefined;
}

const noGroups = async () => { throw new ApiError('InvalidGroup.NotFound', 'none'); };
const anyPrefixList = () => {};

describe('security group rules', () => {
  it('normalises protocol names and numbers', () => {
    const table: Array<[string, string | undefined]> = [
      ['tcp', 'tcp'], ['TCP', 'tcp'], ['6', 'tcp'], ['17', 'udp'], ['1', 'icmp'], ['58', 'icmpv6'], ['-1', '-1'], ['all', '-1'],
      ['50', '50'], ['0', '0'], ['255', '255'], ['256', undefined], ['gre', undefined], ['', undefined], ['6.0', undefined],
    ];
    for (const [input, want] of table) {
      if (want === undefined) assert.ok(code(() => normalizeProtocol(input)), `${input} must be refused`);
      else assert.equal(normalizeProtocol(input), want, input);
    }
  });

  it('validates ports per protocol', () => {
    assert.deepEqual(normalizePorts('tcp', 22, 22), { fromPort: 22, toPort: 22 });
    assert.deepEqual(normalizePorts('udp', 0, 65535), { fromPort: 0, toPort: 65535 });
    assert.equal(code(() => normalizePorts('tcp', undefined, 22)), 'MissingParameter');
    assert.equal(code(() => normalizePorts('tcp', 22, undefined)), 'MissingParameter');
    assert.equal(code(() => normalizePorts('tcp', -1, 22)), 'InvalidParameterValue');
    assert.equal(code(() => normalizePorts('udp', 10, 9)), 'InvalidParameterValue');
    assert.deepEqual(normalizePorts('icmp', undefined, undefined), { fromPort: -1, toPort: -1 });
    assert.deepEqual(normalizePorts('icmp', 8, 0), { fromPort: 8, toPort: 0 });
    assert.equal(code(() => normalizePorts('icmp', -1, 3)), 'InvalidParameterValue');
    assert.equal(code(() => normalizePorts('icmpv6', 300, -1)), 'InvalidParameterValue');
    assert.deepEqual(normalizePorts('-1', 1, 2), {}, 'all protocols: ports are dropped');
    assert.deepEqual(normalizePorts('50', 1, 2), {});
  });

  it('checks descriptions and IPv6 CIDRs', () => {
    assert.equal(validateRuleDescription('ssh from office (HQ) #1'), 'ssh from office (HQ) #1');
    assert.equal(validateRuleDescription(''), undefined);
    assert.equal(code(() => validateRuleDescription('naïve')), 'InvalidParameterValue');
    assert.equal(code(() => validateRuleDescription('x'.repeat(256))), 'InvalidParameterValue');
    assert.equal(normalizeCidrIpv6('2001:DB8::/32'), '2001:db8::/32');
    assert.equal(code(() => normalizeCidrIpv6('2001:db8::1/32')), 'InvalidParameterValue');
    assert.equal(code(() => normalizeCidrIpv6('10.0.0.0/8')), 'InvalidParameterValue');
  });

  it('expands permissions into one rule per source and resolves groups', async () => {
    const specs = await expandPermissions([
      { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-11111111', Description: 'peers' }], PrefixListIds: [{ PrefixListId: 'pl-63a5400a' }] },
    ], async (pair) => ({ groupId: pair.GroupId!, account: '123456789012' }), anyPrefixList);
    assert.deepEqual(specs, [
      { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.0.0.0/8' },
      { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv6: '::/0' },
      { ipProtocol: '-1', prefixListId: 'pl-63a5400a' },
      { ipProtocol: '-1', referencedGroupId: 'sg-11111111', referencedGroupAccount: '123456789012', description: 'peers' },
    ]);
    await assert.rejects(expandPermissions([{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1 }], noGroups, anyPrefixList), /no source/);
    await assert.rejects(expandPermissions([{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, UserIdGroupPairs: [{ GroupId: 'sg-1' }] }], noGroups, anyPrefixList),
      (e: ApiError) => e.code === 'InvalidGroup.NotFound');
  });

  it('identifies rules without their description, and words them as AWS does', () => {
    const a = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'x' };
    const b = { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
    assert.equal(ruleKey(a), ruleKey(b));
    assert.notEqual(ruleKey(b), ruleKey({ ...b, toPort: 23 }));
    assert.notEqual(ruleKey({ ipProtocol: '-1', cidrIpv4: '1.0.0.0/8' }), ruleKey({ ipProtocol: '-1', prefixListId: '1.0.0.0/8' }));
    assert.equal(describeRule(b), 'peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW');
    assert.equal(describeRule({ ipProtocol: '-1', referencedGroupId: 'sg-1' }), 'peer: sg-1, ALL, ALLOW');
  });

  it('groups stored rules into IpPermissions by protocol and ports', () => {
    const rules: SecurityGroupRule[] = [
      { ruleId: 'sgr-1', ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
      { ruleId: 'sgr-2', ipProtocol: 'tcp', fromPort: 443, toPort: 443, referencedGroupId: 'sg-1', referencedGroupAccount: '1' },
      { ruleId: 'sgr-3', ipProtocol: '-1', cidrIpv6: '::/0', description: 'v6' },
    ];
    assert.deepEqual(toIpPermissions(rules), [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: undefined }], Ipv6Ranges: [], PrefixListIds: [],
        UserIdGroupPairs: [{ UserId: '1', GroupId: 'sg-1', Description: undefined }] },
      { IpProtocol: '-1', FromPort: undefined, ToPort: undefined, IpRanges: [], Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'v6' }], PrefixListIds: [],
        UserIdGroupPairs: [] },
    ]);
  });

  it('reads the legacy flat ingress parameters', () => {
    assert.equal(flatPermission({}), undefined);
    assert.deepEqual(flatPermission({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '1.0.0.0/8' }),
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '1.0.0.0/8' }] });
    assert.deepEqual(flatPermission({ SourceSecurityGroupName: 'web' }),
      { IpProtocol: '-1', FromPort: undefined, ToPort: undefined, UserIdGroupPairs: [{ GroupName: 'web', UserId: undefined }] });
    assert.equal(code(() => flatPermission({ IpProtocol: 'tcp', FromPort: 1, ToPort: 1 })), 'MissingParameter');
    assert.equal(code(() => flatPermission({ CidrIp: '1.0.0.0/8', SourceSecurityGroupName: 'web' })), 'InvalidParameterCombination');
  });
});

describe('AWS prefix lists', () => {
  it('us-east-1 carries the real ids', () => {
    const lists = awsPrefixLists('us-east-1');
    assert.deepEqual(lists.map((p) => [p.id, p.name, p.service]), [
      ['pl-63a5400a', 'com.amazonaws.us-east-1.s3', 's3'],
      ['pl-02cd2c6b', 'com.amazonaws.us-east-1.dynamodb', 'dynamodb'],
    ]);
    assert.ok(lists[0]!.cidrs.includes('52.216.0.0/15'));
    assert.equal(findAwsPrefixList('us-east-1', 'pl-02cd2c6b')!.service, 'dynamodb');
    assert.equal(findAwsPrefixList('us-east-1', 'pl-00000000'), undefined);
  });

  it('other regions get deterministic, distinct, well-formed ids and valid CIDRs', () => {
    const a = awsPrefixLists('eu-west-1');
    assert.deepEqual(a, awsPrefixLists('eu-west-1'));
    const ids = new Set<string>();
    for (const region of ['us-west-2', 'eu-west-1', 'ap-south-1']) {
      for (const p of awsPrefixLists(region)) {
        assert.match(p.id, /^pl-[0-9a-f]{8}$/);
        assert.equal(p.name, `com.amazonaws.${region}.${p.service}`);
        for (const c of p.cidrs) assert.match(c, /^\d+\.\d+\.\d+\.\d+\/(16|19)$/);
        ids.add(p.id);
      }
    }
    assert.equal(ids.size, 6);
    assert.equal(fnv1aHex(''), '811c9dc5');
    assert.equal(fnv1aHex('a'), 'e40c292c');
  });
});

describe('small helpers', () => {
  it('private DNS names follow the region convention', () => {
    assert.equal(privateDnsName('us-east-1', '10.0.1.5'), 'ip-10-0-1-5.ec2.internal');
    assert.equal(privateDnsName('eu-west-1', '10.0.1.5'), 'ip-10-0-1-5.eu-west-1.compute.internal');
  });
  it('available addresses skip AWS\'s five reserved ones and the ENIs', () => {
    const subnet = { cidrBlock: '10.0.0.0/24' } as SubnetDoc;
    assert.equal(availableIpCount(subnet, 0), 251);
    assert.equal(availableIpCount(subnet, 3), 248);
    assert.equal(availableIpCount({ cidrBlock: '10.0.0.0/28' } as SubnetDoc, 20), 0);
  });
});
