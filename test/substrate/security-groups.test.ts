/** Security groups and rules through the real EC2 client, on every store back-end. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateVpcCommand,
  DeleteSecurityGroupCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand, type EC2Client, type IpPermission,
} from '@aws-sdk/client-ec2';
import { ACCOUNT_A, ACCOUNT_B, ec2, putEni, rejectsWith, suiteServer, forEachDialect } from './support.js';

async function vpcWithGroup(c: EC2Client, cidr: string, name = 'app'): Promise<{ vpcId: string; groupId: string; defaultId: string }> {
  const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const groupId = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: `${name} tier` }))).GroupId!;
  const groups = await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }));
  return { vpcId, groupId, defaultId: groups.SecurityGroups![0]!.GroupId! };
}

forEachDialect('substrate: security groups', (dialect) => {
  const server = suiteServer(dialect);

  it('CreateSecurityGroup answers the id, ARN and tags; Describe shows every field and the default egress rule', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const out = await c.send(new CreateSecurityGroupCommand({
      VpcId: vpcId, GroupName: 'web', Description: 'Web servers',
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: 'web-sg' }] }],
    }));
    assert.match(out.GroupId!, /^sg-[0-9a-f]{17}$/);
    assert.equal(out.SecurityGroupArn, `arn:aws:ec2:us-east-1:${ACCOUNT_A}:security-group/${out.GroupId}`);
    assert.deepEqual(out.Tags, [{ Key: 'Name', Value: 'web-sg' }]);
    const d = (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [out.GroupId!] }))).SecurityGroups![0]!;
    assert.equal(d.GroupName, 'web');
    assert.equal(d.Description, 'Web servers');
    assert.equal(d.VpcId, vpcId);
    assert.equal(d.OwnerId, ACCOUNT_A);
    assert.deepEqual(d.IpPermissions, []);
    assert.deepEqual(d.IpPermissionsEgress, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }]);
    assert.deepEqual(d.Tags, [{ Key: 'Name', Value: 'web-sg' }]);
  });

  it('CreateSecurityGroup validation: reserved, duplicate, sg- prefix, characters, VPC', async () => {
    const c = ec2(server());
    const { vpcId } = await vpcWithGroup(c, '10.1.0.0/16', 'dup');
    const mk = (GroupName: string, Description = 'd', VpcId: string | undefined = vpcId) => c.send(new CreateSecurityGroupCommand({ VpcId, GroupName, Description }));
    await rejectsWith(mk('default'), 'InvalidGroup.Reserved');
    await rejectsWith(mk('dup'), 'InvalidGroup.Duplicate', new RegExp(`'dup' already exists for VPC '${vpcId}'`));
    await rejectsWith(mk('sg-12345'), 'InvalidParameterValue', /sg-/);
    await rejectsWith(mk('héllo'), 'InvalidParameterValue', /GroupName/);
    await rejectsWith(mk('x'.repeat(256)), 'InvalidParameterValue', /255/);
    await rejectsWith(mk('ok', 'bad\u0001desc'), 'InvalidParameterValue', /GroupDescription/);
    await rejectsWith(c.send(new CreateSecurityGroupCommand({ GroupName: 'novpc', Description: 'd' })), 'VPCIdNotSpecified');
    await rejectsWith(mk('ghost', 'd', 'vpc-0123456789abcdef0'), 'InvalidVpcID.NotFound');
    const other = (await c.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc!.VpcId!;
    assert.ok((await mk('dup', 'same name, other VPC', other)).GroupId);
  });

  it('Authorize ingress/egress: forms, normalisation, rule ids; Describe groups the permissions', async () => {
    const c = ec2(server());
    const { groupId, defaultId } = await vpcWithGroup(c, '10.3.0.0/16');
    const ing = await c.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'internal' }, { CidrIp: '192.168.0.0/16' }] },
        { IpProtocol: '6', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: defaultId }] },
        { IpProtocol: 'udp', FromPort: 53, ToPort: 53, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] },
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, PrefixListIds: [{ PrefixListId: 'pl-63a5400a' }] },
      ],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'k', Value: 'v' }] }],
    }));
    assert.equal(ing.Return, true);
    assert.equal(ing.SecurityGroupRules!.length, 6);
    for (const r of ing.SecurityGroupRules!) {
      assert.match(r.SecurityGroupRuleId!, /^sgr-[0-9a-f]{17}$/);
      assert.equal(r.GroupId, groupId);
      assert.equal(r.GroupOwnerId, ACCOUNT_A);
      assert.equal(r.IsEgress, false);
      assert.deepEqual(r.Tags, [{ Key: 'k', Value: 'v' }]);
      assert.equal(r.SecurityGroupRuleArn, `arn:aws:ec2:us-east-1:${ACCOUNT_A}:security-group-rule/${r.SecurityGroupRuleId}`);
    }
    const [r0, , r2, r3, r4, r5] = ing.SecurityGroupRules!;
    assert.deepEqual([r0!.IpProtocol, r0!.FromPort, r0!.ToPort, r0!.CidrIpv4, r0!.Description], ['tcp', 443, 443, '10.0.0.0/8', 'internal']);
    assert.deepEqual([r2!.IpProtocol, r2!.ReferencedGroupInfo], ['tcp', { GroupId: defaultId, UserId: ACCOUNT_A }]);
    assert.deepEqual([r3!.IpProtocol, r3!.CidrIpv6], ['udp', '2001:db8::/32']);
    assert.deepEqual([r4!.IpProtocol, r4!.FromPort, r4!.ToPort], ['icmp', 8, -1]);
    assert.equal(r5!.PrefixListId, 'pl-63a5400a');

    // The legacy flat form (AWS CLI --protocol/--port/--cidr).
    const flat = await c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8090, CidrIp: '172.16.0.0/12' }));
    assert.deepEqual([flat.SecurityGroupRules![0]!.FromPort, flat.SecurityGroupRules![0]!.ToPort], [8080, 8090]);
    const egress = await c.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '50', IpRanges: [{ CidrIp: '10.9.0.0/16' }] }] }));
    assert.deepEqual([egress.SecurityGroupRules![0]!.IsEgress, egress.SecurityGroupRules![0]!.IpProtocol, egress.SecurityGroupRules![0]!.FromPort], [true, '50', -1]);

    const g = (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
    const https = g.IpPermissions!.find((p) => p.FromPort === 443)!;
    assert.deepEqual(https, {
      IpProtocol: 'tcp', FromPort: 443, ToPort: 443,
      IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'internal' }, { CidrIp: '192.168.0.0/16' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [],
    });
    assert.equal(g.IpPermissions!.length, 6);
    assert.deepEqual(g.IpPermissionsEgress!.map((p) => p.IpProtocol).sort(), ['-1', '50']);

    const rules = await c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    assert.equal(rules.SecurityGroupRules!.length, 9, '7 ingress + default egress + protocol 50 egress');
    const tagged = await c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:k', Values: ['v'] }] }));
    assert.equal(tagged.SecurityGroupRules!.length, 6);
    const one = await c.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [r0!.SecurityGroupRuleId!] }));
    assert.equal(one.SecurityGroupRules![0]!.CidrIpv4, '10.0.0.0/8');
    const paged = await c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 5 }));
    assert.equal(paged.SecurityGroupRules!.length, 5);
    assert.ok(paged.NextToken);
    await rejectsWith(c.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: ['sgr-0123456789abcdef0'] })), 'InvalidSecurityGroupRuleId.NotFound');

    const byPerm = async (Name: string, Values: string[]) =>
      (await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name, Values }] }))).SecurityGroups!.map((s) => s.GroupId);
    assert.deepEqual(await byPerm('ip-permission.cidr', ['192.168.0.0/16']), [groupId]);
    assert.deepEqual(await byPerm('ip-permission.from-port', ['8080']), [groupId]);
    assert.deepEqual(await byPerm('ip-permission.group-id', [defaultId]), [defaultId, groupId], 'the default group references itself');
    assert.deepEqual(await byPerm('ip-permission.prefix-list-id', ['pl-63a5400a']), [groupId]);
    assert.deepEqual(await byPerm('egress.ip-permission.protocol', ['50']), [groupId]);
  });

  it('rule table: duplicates and bad permissions get AWS\'s codes', async () => {
    const c = ec2(server());
    const { groupId } = await vpcWithGroup(c, '10.4.0.0/16');
    await c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const cases: Array<[string, IpPermission[], string, RegExp?]> = [
      ['same rule again', [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], 'InvalidPermission.Duplicate',
        /peer: 0\.0\.0\.0\/0, TCP, from port: 22, to port: 22, ALLOW/],
      ['same rule by number, other description', [{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'x' }] }], 'InvalidPermission.Duplicate'],
      ['duplicate inside the request', [{ IpProtocol: 'udp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '1.0.0.0/8' }, { CidrIp: '1.0.0.0/8' }] }], 'InvalidPermission.Duplicate'],
      ['unknown protocol', [{ IpProtocol: 'carrier-pigeon', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '1.0.0.0/8' }] }], 'InvalidParameterValue', /carrier-pigeon/],
      ['protocol number over 255', [{ IpProtocol: '256', IpRanges: [{ CidrIp: '1.0.0.0/8' }] }], 'InvalidParameterValue'],
      ['tcp without ports', [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '1.0.0.0/8' }] }], 'MissingParameter', /fromPort/],
      ['port over 65535', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 70000, IpRanges: [{ CidrIp: '1.0.0.0/8' }] }], 'InvalidParameterValue', /70000/],
      ['reversed port range', [{ IpProtocol: 'udp', FromPort: 90, ToPort: 80, IpRanges: [{ CidrIp: '1.0.0.0/8' }] }], 'InvalidParameterValue', /90/],
      ['malformed CIDR', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.1/8' }] }], 'InvalidParameterValue', /10\.0\.0\.1\/8/],
      ['malformed IPv6 CIDR', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, Ipv6Ranges: [{ CidrIpv6: '2001:zz::/32' }] }], 'InvalidParameterValue'],
      ['unknown prefix list', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, PrefixListIds: [{ PrefixListId: 'pl-00000000' }] }], 'InvalidPrefixListId.NotFound'],
      ['unknown referenced group', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }] }], 'InvalidGroup.NotFound'],
      ['no source', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1 }], 'InvalidParameterValue', /source/],
      ['bad description', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '1.0.0.0/8', Description: 'naïve' }] }], 'InvalidParameterValue', /description/],
    ];
    for (const [name, perms, code, msg] of cases) {
      const err = await rejectsWith(c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: perms })), code, msg).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      assert.ok(err, name);
    }
    const after = (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
    assert.equal(after.IpPermissions!.length, 1, 'failed requests add nothing');
    await rejectsWith(c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', IpProtocol: 'tcp', FromPort: 1, ToPort: 1, CidrIp: '1.0.0.0/8' })), 'InvalidGroup.NotFound');
    await rejectsWith(c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId })), 'MissingParameter');
    await rejectsWith(c.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId, CidrIp: '1.0.0.0/8', IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2, ToPort: 2, IpRanges: [{ CidrIp: '1.0.0.0/8' }] }],
    })), 'InvalidParameterCombination');
    await rejectsWith(c.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })),
      'InvalidPermission.Duplicate', /peer: 0\.0\.0\.0\/0, ALL, ALLOW/);
  });

  it('Revoke by permissions or by rule ids; a missing rule revokes nothing', async () => {
    const c = ec2(server());
    const { groupId } = await vpcWithGroup(c, '10.5.0.0/16');
    const added = await c.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'lan' }, { CidrIp: '172.16.0.0/12' }] }],
    }));
    await rejectsWith(c.send(new RevokeSecurityGroupIngressCommand({
      GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '8.8.8.8/32' }] }],
    })), 'InvalidPermission.NotFound', /does not exist/);
    assert.equal((await c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules!.length, 3);

    const revoked = await c.send(new RevokeSecurityGroupIngressCommand({
      GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    }));
    assert.equal(revoked.Return, true);
    assert.equal(revoked.RevokedSecurityGroupRules!.length, 1);
    assert.equal(revoked.RevokedSecurityGroupRules![0]!.SecurityGroupRuleId, added.SecurityGroupRules![0]!.SecurityGroupRuleId);
    assert.equal(revoked.RevokedSecurityGroupRules![0]!.Description, 'lan');

    const second = added.SecurityGroupRules![1]!.SecurityGroupRuleId!;
    const byId = await c.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [second] }));
    assert.equal(byId.RevokedSecurityGroupRules![0]!.CidrIpv4, '172.16.0.0/12');
    await rejectsWith(c.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [second] })), 'InvalidSecurityGroupRuleId.NotFound');
    // The flat form revokes too.
    await c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '1.2.3.0/24' }));
    await c.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '1.2.3.0/24' }));
    // Egress: the default all-traffic rule can be revoked.
    const eg = await c.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    assert.equal(eg.RevokedSecurityGroupRules![0]!.IsEgress, true);
    const g = (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0]!;
    assert.deepEqual([g.IpPermissions, g.IpPermissionsEgress], [[], []]);
  });

  it('DeleteSecurityGroup: default group, references, ENIs, then success; other accounts get NotFound', async () => {
    const s = server();
    const c = ec2(s);
    const { vpcId, groupId, defaultId } = await vpcWithGroup(c, '10.6.0.0/16');
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: defaultId })), 'CannotDelete', /default/);
    const other = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'db', Description: 'db' }))).GroupId!;
    await c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: other, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: groupId }] }] }));
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: groupId })), 'DependencyViolation', new RegExp(other));
    await c.send(new RevokeSecurityGroupIngressCommand({ GroupId: other, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: groupId }] }] }));

    const subnetVpc = vpcId;
    const eni = await putEni(s, { account: ACCOUNT_A, vpcId: subnetVpc, subnetId: 'subnet-00000000000000001', ip: '10.6.0.4', groupIds: [groupId] });
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: groupId })), 'DependencyViolation', new RegExp(eni));
    await s.store.transaction(true, (tx) => tx.delete(eni));

    await rejectsWith(ec2(s, ACCOUNT_B).send(new DeleteSecurityGroupCommand({ GroupId: groupId })), 'InvalidGroup.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })), 'InvalidGroup.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 1, ToPort: 1, CidrIp: '1.0.0.0/8' })), 'InvalidGroup.NotFound');

    const del = await c.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    assert.equal(del.Return, true);
    assert.equal(del.GroupId, groupId);
    await rejectsWith(c.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })), 'InvalidGroup.NotFound');
    await c.send(new DeleteSecurityGroupCommand({ GroupName: 'db' }));
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: 'sg-bad' })), 'InvalidGroupId.Malformed');
  });

  it('DescribeSecurityGroups: names, filters, tags and pages', async () => {
    const c = ec2(server(), '666666666666');
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await c.send(new CreateSecurityGroupCommand({
        VpcId: vpcId, GroupName: `g${i}`, Description: i < 2 ? 'front' : 'back',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: i % 2 ? 'red' : 'blue' }] }],
      }))).GroupId!);
    }
    const f = async (Name: string, Values: string[]) => (await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name, Values }] }))).SecurityGroups!.map((g) => g.GroupId);
    assert.deepEqual(await f('description', ['front']), ids.slice(0, 2));
    assert.deepEqual(await f('group-name', ['g3', 'g4']), [ids[3], ids[4]]);
    assert.deepEqual(await f('tag:team', ['red']), [ids[1], ids[3], ids[5]]);
    assert.deepEqual((await f('vpc-id', [vpcId])).length, 7);
    assert.deepEqual((await f('owner-id', ['666666666666'])).length, 7);
    assert.deepEqual(await f('group-id', [ids[0]!]), [ids[0]]);
    const named = await c.send(new DescribeSecurityGroupsCommand({ GroupNames: ['g5'] }));
    assert.deepEqual(named.SecurityGroups!.map((g) => g.GroupId), [ids[5]]);
    await rejectsWith(c.send(new DescribeSecurityGroupsCommand({ GroupNames: ['nope'] })), 'InvalidGroup.NotFound');
    const p1 = await c.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }));
    const p2 = await c.send(new DescribeSecurityGroupsCommand({ MaxResults: 5, NextToken: p1.NextToken }));
    assert.deepEqual([p1.SecurityGroups!.length, p2.SecurityGroups!.length, p2.NextToken], [5, 2, undefined]);
  });
});
