/** Route tables, prefix lists, network interfaces and tags through the real EC2 client, on every store back-end. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  AssociateRouteTableCommand, CreateRouteTableCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand,
  DeleteRouteTableCommand, DeleteSubnetCommand, DeleteTagsCommand, DescribeNetworkInterfacesCommand, DescribePrefixListsCommand,
  DescribeRouteTablesCommand, DescribeTagsCommand, DescribeVpcsCommand, DisassociateRouteTableCommand, DescribeSecurityGroupRulesCommand,
  AuthorizeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { RouteTableDoc } from '../../src/control/resources.js';
import { ACCOUNT_A, ACCOUNT_B, ec2, putEni, rejectsWith, suiteServer, forEachDialect } from './support.js';

forEachDialect('substrate: route tables, prefix lists, ENIs, tags', (dialect) => {
  const server = suiteServer(dialect);

  it('route tables: create, associate, describe by association filters, disassociate, delete', async () => {
    const s = server();
    const c = ec2(s);
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const subnetA = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const subnetB = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.2.0/24' }))).Subnet!.SubnetId!;
    const created = await c.send(new CreateRouteTableCommand({
      VpcId: vpcId, ClientToken: 'rt-token-1', TagSpecifications: [{ ResourceType: 'route-table', Tags: [{ Key: 'Name', Value: 'private' }] }],
    }));
    const rt = created.RouteTable!;
    assert.match(rt.RouteTableId!, /^rtb-[0-9a-f]{17}$/);
    assert.equal(rt.VpcId, vpcId);
    assert.equal(rt.OwnerId, ACCOUNT_A);
    assert.deepEqual(rt.Routes, [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    assert.deepEqual(rt.Associations, []);
    assert.deepEqual(rt.Tags, [{ Key: 'Name', Value: 'private' }]);
    assert.equal(created.ClientToken, 'rt-token-1');
    const again = await c.send(new CreateRouteTableCommand({
      VpcId: vpcId, ClientToken: 'rt-token-1', TagSpecifications: [{ ResourceType: 'route-table', Tags: [{ Key: 'Name', Value: 'private' }] }],
    }));
    assert.equal(again.RouteTable!.RouteTableId, rt.RouteTableId, 'the same ClientToken answers the same table');

    const assoc = await c.send(new AssociateRouteTableCommand({ RouteTableId: rt.RouteTableId!, SubnetId: subnetA }));
    assert.match(assoc.AssociationId!, /^rtbassoc-[0-9a-f]{17}$/);
    assert.equal(assoc.AssociationState!.State, 'associated');
    await rejectsWith(c.send(new AssociateRouteTableCommand({ RouteTableId: rt.RouteTableId!, SubnetId: subnetA })), 'Resource.AlreadyAssociated');
    const mainId = (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] })))
      .RouteTables![0]!.RouteTableId!;
    await rejectsWith(c.send(new AssociateRouteTableCommand({ RouteTableId: mainId, SubnetId: subnetA })), 'Resource.AlreadyAssociated');

    const f = async (Name: string, Values: string[]) => (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name, Values }] }))).RouteTables!.map((t) => t.RouteTableId);
    assert.deepEqual(await f('association.subnet-id', [subnetA]), [rt.RouteTableId]);
    assert.deepEqual(await f('association.route-table-association-id', [assoc.AssociationId!]), [rt.RouteTableId]);
    assert.deepEqual(await f('route-table-id', [mainId]), [mainId]);
    assert.deepEqual(await f('tag:Name', ['private']), [rt.RouteTableId]);
    assert.deepEqual(await f('route.destination-cidr-block', ['10.0.0.0/16']), [mainId, rt.RouteTableId]);
    assert.deepEqual(await f('route.gateway-id', ['local']), [mainId, rt.RouteTableId]);
    const described = (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [rt.RouteTableId!] }))).RouteTables![0]!;
    assert.deepEqual(described.Associations, [{
      Main: false, RouteTableAssociationId: assoc.AssociationId, RouteTableId: rt.RouteTableId, SubnetId: subnetA, AssociationState: { State: 'associated' },
    }]);

    // Another VPC's subnet belongs to a different network.
    const vpc2 = (await c.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const far = (await c.send(new CreateSubnetCommand({ VpcId: vpc2, CidrBlock: '10.9.0.0/24' }))).Subnet!.SubnetId!;
    await rejectsWith(c.send(new AssociateRouteTableCommand({ RouteTableId: rt.RouteTableId!, SubnetId: far })), 'InvalidParameterValue', /different networks/);

    await rejectsWith(c.send(new DeleteRouteTableCommand({ RouteTableId: rt.RouteTableId! })), 'DependencyViolation', new RegExp(subnetA));
    await rejectsWith(c.send(new DeleteRouteTableCommand({ RouteTableId: mainId })), 'DependencyViolation', /main route table/);
    const mainAssoc = (await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [mainId] }))).RouteTables![0]!.Associations![0]!.RouteTableAssociationId!;
    await rejectsWith(c.send(new DisassociateRouteTableCommand({ AssociationId: mainAssoc })), 'InvalidParameterValue', /main/);
    await rejectsWith(c.send(new DisassociateRouteTableCommand({ AssociationId: 'rtbassoc-0123456789abcdef0' })), 'InvalidAssociationID.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId! })), 'InvalidAssociationID.NotFound');

    await c.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId! }));
    assert.deepEqual(await f('association.subnet-id', [subnetA]), []);
    // Deleting a subnet drops its explicit association.
    const assocB = await c.send(new AssociateRouteTableCommand({ RouteTableId: rt.RouteTableId!, SubnetId: subnetB }));
    await c.send(new DeleteSubnetCommand({ SubnetId: subnetB }));
    assert.deepEqual(await f('association.route-table-association-id', [assocB.AssociationId!]), []);

    // Gateway endpoint routes (written by the PrivateLink family) are shown, and keep the table.
    await s.store.transaction(true, async (tx) => {
      const doc = structuredClone((await tx.get('route-table', rt.RouteTableId!))!) as RouteTableDoc;
      doc.routes.push({ destinationPrefixListId: 'pl-63a5400a', vpcEndpointId: 'vpce-0123456789abcdef0', origin: 'CreateRoute', state: 'active' });
      await tx.put(doc);
    });
    const withEndpoint = (await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.destination-prefix-list-id', Values: ['pl-63a5400a'] }] }))).RouteTables!;
    assert.deepEqual(withEndpoint.map((t) => t.RouteTableId), [rt.RouteTableId]);
    assert.deepEqual(withEndpoint[0]!.Routes![1], { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-0123456789abcdef0', Origin: 'CreateRoute', State: 'active' });
    await rejectsWith(c.send(new DeleteRouteTableCommand({ RouteTableId: rt.RouteTableId! })), 'DependencyViolation', /vpce-0123456789abcdef0/);
    await s.store.transaction(true, async (tx) => {
      const doc = structuredClone((await tx.get('route-table', rt.RouteTableId!))!) as RouteTableDoc;
      doc.routes = doc.routes.slice(0, 1);
      await tx.put(doc);
    });
    await c.send(new DeleteRouteTableCommand({ RouteTableId: rt.RouteTableId! }));
    await rejectsWith(c.send(new DescribeRouteTablesCommand({ RouteTableIds: [rt.RouteTableId!] })), 'InvalidRouteTableID.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new CreateRouteTableCommand({ VpcId: vpcId })), 'InvalidVpcID.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new DescribeRouteTablesCommand({ RouteTableIds: [mainId] })), 'InvalidRouteTableID.NotFound');
  });

  it('DescribePrefixLists: the region\'s S3 and DynamoDB lists, by id and filter', async () => {
    const c = ec2(server());
    const all = await c.send(new DescribePrefixListsCommand({}));
    assert.deepEqual(all.PrefixLists!.map((p) => [p.PrefixListId, p.PrefixListName]),
      [['pl-63a5400a', 'com.amazonaws.us-east-1.s3'], ['pl-02cd2c6b', 'com.amazonaws.us-east-1.dynamodb']]);
    assert.ok(all.PrefixLists![0]!.Cidrs!.includes('54.231.0.0/16'));
    const byName = await c.send(new DescribePrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: ['*.dynamodb'] }] }));
    assert.deepEqual(byName.PrefixLists!.map((p) => p.PrefixListId), ['pl-02cd2c6b']);
    const byId = await c.send(new DescribePrefixListsCommand({ PrefixListIds: ['pl-63a5400a'] }));
    assert.deepEqual(byId.PrefixLists!.map((p) => p.PrefixListName), ['com.amazonaws.us-east-1.s3']);
    await rejectsWith(c.send(new DescribePrefixListsCommand({ PrefixListIds: ['pl-00000000'] })), 'InvalidPrefixListId.NotFound', /pl-00000000/);
  });

  it('DescribeNetworkInterfaces: the caller\'s requester-managed ENIs in AWS\'s shape, with filters and pages', async () => {
    const s = server();
    const c = ec2(s, '777777777777');
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const sg = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'endpoint', Description: 'ep' }))).GroupId!;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await putEni(s, {
        account: '777777777777', vpcId, subnetId, ip: `10.1.1.${4 + i}`, groupIds: i === 0 ? [sg] : [],
        interfaceType: i < 4 ? 'vpc_endpoint' : 'network_load_balancer', description: i < 4 ? `VPC Endpoint Interface vpce-${i}` : 'ELB net/nlb/abc',
        tags: i === 5 ? [{ Key: 'role', Value: 'lb' }] : [],
      }));
    }
    await putEni(s, { account: ACCOUNT_B, vpcId: 'vpc-00000000000000000', subnetId: 'subnet-00000000000000000', ip: '10.200.0.4' });
    const all = await c.send(new DescribeNetworkInterfacesCommand({}));
    assert.deepEqual(all.NetworkInterfaces!.map((e) => e.NetworkInterfaceId), ids);
    const e0 = all.NetworkInterfaces![0]!;
    assert.equal(e0.InterfaceType, 'vpc_endpoint');
    assert.equal(e0.RequesterManaged, true);
    assert.equal(e0.RequesterId, '727271725112');
    assert.equal(e0.Status, 'in-use');
    assert.equal(e0.PrivateIpAddress, '10.1.1.4');
    assert.equal(e0.PrivateDnsName, 'ip-10-1-1-4.ec2.internal');
    assert.deepEqual(e0.PrivateIpAddresses, [{ Primary: true, PrivateIpAddress: '10.1.1.4', PrivateDnsName: 'ip-10-1-1-4.ec2.internal' }]);
    assert.deepEqual(e0.Groups, [{ GroupId: sg, GroupName: 'endpoint' }]);
    assert.equal(e0.SubnetId, subnetId);
    assert.equal(e0.VpcId, vpcId);
    assert.equal(e0.AvailabilityZone, 'us-east-1a');
    assert.equal(e0.OwnerId, '777777777777');
    assert.equal(e0.SourceDestCheck, true);
    assert.equal(e0.MacAddress, '02:00:00:00:00:01');
    assert.equal(e0.Description, 'VPC Endpoint Interface vpce-0');
    assert.equal(e0.Attachment!.Status, 'attached');
    assert.equal(e0.Attachment!.InstanceOwnerId, 'amazon-aws');

    const f = async (Name: string, Values: string[]) =>
      (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name, Values }] }))).NetworkInterfaces!.map((e) => e.NetworkInterfaceId);
    assert.deepEqual(await f('interface-type', ['network_load_balancer']), ids.slice(4));
    assert.deepEqual(await f('group-id', [sg]), [ids[0]]);
    assert.deepEqual(await f('private-ip-address', ['10.1.1.6']), [ids[2]]);
    assert.deepEqual(await f('description', ['ELB *']), ids.slice(4));
    assert.deepEqual((await f('requester-managed', ['true'])).length, 6);
    assert.deepEqual((await f('subnet-id', [subnetId])).length, 6);
    assert.deepEqual((await f('vpc-id', [vpcId])).length, 6);
    assert.deepEqual((await f('status', ['in-use'])).length, 6);
    assert.deepEqual((await f('availability-zone', ['us-east-1a'])).length, 6);
    assert.deepEqual(await f('tag:role', ['lb']), [ids[5]]);
    assert.deepEqual(await f('network-interface-id', [ids[1]!]), [ids[1]]);
    const p1 = await c.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));
    const p2 = await c.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5, NextToken: p1.NextToken }));
    assert.deepEqual([...p1.NetworkInterfaces!, ...p2.NetworkInterfaces!].map((e) => e.NetworkInterfaceId), ids);
    await rejectsWith(c.send(new DescribeNetworkInterfacesCommand({ MaxResults: 4 })), 'InvalidParameterValue');
    await rejectsWith(c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] })), 'InvalidNetworkInterfaceID.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_B).send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids[0]!] })), 'InvalidNetworkInterfaceID.NotFound');
  });

  it('Create/Delete/DescribeTags across kinds, with filters, ownership and limits', async () => {
    const s = server();
    const c = ec2(s, '888888888888');
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.2.0.0/24' }))).Subnet!.SubnetId!;
    const sg = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 't', Description: 't' }))).GroupId!;
    const rtb = (await c.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const eni = await putEni(s, { account: '888888888888', vpcId, subnetId, ip: '10.2.0.4' });
    const rule = (await c.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpProtocol: 'tcp', FromPort: 1, ToPort: 1, CidrIp: '1.0.0.0/8' })))
      .SecurityGroupRules![0]!.SecurityGroupRuleId!;

    await c.send(new CreateTagsCommand({ Resources: [vpcId, subnetId, sg, rtb, eni, rule], Tags: [{ Key: 'env', Value: 'test' }, { Key: 'owner', Value: 'me' }] }));
    const all = await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['env'] }] }));
    assert.deepEqual(all.Tags!.map((t) => [t.ResourceId, t.ResourceType, t.Key, t.Value]).sort(), [
      [eni, 'network-interface', 'env', 'test'],
      [rtb, 'route-table', 'env', 'test'],
      [sg, 'security-group', 'env', 'test'],
      [rule, 'security-group-rule', 'env', 'test'],
      [subnetId, 'subnet', 'env', 'test'],
      [vpcId, 'vpc', 'env', 'test'],
    ].sort());
    const vpcTags = await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId] }] }));
    assert.deepEqual(vpcTags.Tags!.map((t) => t.Key), ['env', 'owner']);
    const subnets = await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-type', Values: ['subnet'] }, { Name: 'value', Values: ['me'] }] }));
    assert.deepEqual(subnets.Tags!.map((t) => [t.ResourceId, t.Key]), [[subnetId, 'owner']]);
    const paged = await c.send(new DescribeTagsCommand({ MaxResults: 5 }));
    assert.equal(paged.Tags!.length, 5);
    assert.ok(paged.NextToken);
    assert.deepEqual((await c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:owner', Values: ['me'] }] }))).Vpcs!.map((v) => v.VpcId), [vpcId]);
    assert.deepEqual((await c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'tag:env', Values: ['test'] }] }))).SecurityGroupRules!.map((r) => r.SecurityGroupRuleId), [rule]);

    // Overwrite a value; delete by key, by key+value (mismatch keeps it), and all.
    await c.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'env', Value: 'prod' }] }));
    await c.send(new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'owner', Value: 'someone-else' }] }));
    const tagsOf = async (id: string) => (await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }))).Tags!.map((t) => `${t.Key}=${t.Value}`);
    assert.deepEqual(await tagsOf(vpcId), ['env=prod', 'owner=me']);
    await c.send(new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'owner' }] }));
    assert.deepEqual(await tagsOf(vpcId), ['env=prod']);
    await c.send(new DeleteTagsCommand({ Resources: [subnetId, rule] }));
    assert.deepEqual(await tagsOf(subnetId), []);
    assert.deepEqual(await tagsOf(rule), []);

    // Bad input: all or nothing.
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: [vpcId, 'vpc-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVpcID.NotFound', /vpc-0123456789abcdef0/);
    assert.deepEqual(await tagsOf(vpcId), ['env=prod']);
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: ['i-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidID', /i-0123456789abcdef0/);
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: ['vpce-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVpcEndpointId.NotFound');
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: ['sgr-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidSecurityGroupRuleId.NotFound');
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'aws:reserved', Value: 'y' }] })), 'InvalidParameterValue', /aws:/);
    await rejectsWith(c.send(new CreateTagsCommand({ Resources: [vpcId], Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })), 'TagLimitExceeded');
    await rejectsWith(ec2(s, ACCOUNT_A).send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVpcID.NotFound');
    await rejectsWith(ec2(s, ACCOUNT_A).send(new DeleteTagsCommand({ Resources: [sg] })), 'InvalidGroup.NotFound');
    assert.ok(!(await ec2(s, ACCOUNT_A).send(new DescribeTagsCommand({}))).Tags!.some((t) => t.ResourceId === vpcId));
    await rejectsWith(c.send(new DescribeTagsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })), 'InvalidParameterValue');
  });
});
