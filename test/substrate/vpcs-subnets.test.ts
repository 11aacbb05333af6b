/** Regions, zones, VPCs and subnets through the real EC2 client, on every store back-end. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CreateSubnetCommand, CreateVpcCommand, DeleteSubnetCommand, DeleteVpcCommand, DescribeAvailabilityZonesCommand,
  DescribeRegionsCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand,
  DescribeVpcAttributeCommand, DescribeVpcsCommand, ModifyVpcAttributeCommand, CreateSecurityGroupCommand,
  CreateRouteTableCommand, DeleteSecurityGroupCommand, DeleteRouteTableCommand,
} from '@aws-sdk/client-ec2';
import { eventually } from '../support/harness.js';
import { ACCOUNT_A, ACCOUNT_B, ec2, putEni, rejectsWith, suiteServer, forEachDialect } from './support.js';

forEachDialect('substrate: regions, zones, VPCs, subnets', (dialect) => {
  const server = suiteServer(dialect);

  it('DescribeRegions lists the known regions with endpoints, by name and filter', async () => {
    const c = ec2(server());
    const all = await c.send(new DescribeRegionsCommand({}));
    assert.ok(all.Regions!.length >= 16);
    const east = all.Regions!.find((r) => r.RegionName === 'us-east-1')!;
    assert.deepEqual(east, { RegionName: 'us-east-1', Endpoint: 'ec2.us-east-1.amazonaws.com', OptInStatus: 'opt-in-not-required' });
    const two = await c.send(new DescribeRegionsCommand({ RegionNames: ['eu-west-1', 'ap-south-1'] }));
    assert.deepEqual(two.Regions!.map((r) => r.RegionName).sort(), ['ap-south-1', 'eu-west-1']);
    const filtered = await c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'endpoint', Values: ['*us-west*'] }] }));
    assert.deepEqual(filtered.Regions!.map((r) => r.RegionName), ['us-west-1', 'us-west-2']);
    await rejectsWith(c.send(new DescribeRegionsCommand({ RegionNames: ['mars-north-1'] })), 'InvalidParameterValue', /mars-north-1/);
    await rejectsWith(c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })), 'InvalidParameterValue', /colour/);
  });

  it('DescribeAvailabilityZones gives three zones with ids; names, ids and filters select', async () => {
    const c = ec2(server());
    const all = await c.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(all.AvailabilityZones!.map((z) => [z.ZoneName, z.ZoneId]),
      [['us-east-1a', 'use1-az1'], ['us-east-1b', 'use1-az2'], ['us-east-1c', 'use1-az3']]);
    const a = all.AvailabilityZones![0]!;
    assert.equal(a.State, 'available');
    assert.equal(a.ZoneType, 'availability-zone');
    assert.equal(a.RegionName, 'us-east-1');
    assert.equal(a.OptInStatus, 'opt-in-not-required');
    const byId = await c.send(new DescribeAvailabilityZonesCommand({ ZoneIds: ['use1-az2'] }));
    assert.deepEqual(byId.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1b']);
    const byName = await c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1c'] }));
    assert.deepEqual(byName.AvailabilityZones!.map((z) => z.ZoneId), ['use1-az3']);
    const f = await c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-id', Values: ['use1-az1', 'use1-az3'] }, { Name: 'state', Values: ['available'] }] }));
    assert.deepEqual(f.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1a', 'us-east-1c']);
    await rejectsWith(c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1z'] })), 'InvalidParameterValue', /us-east-1z/);
  });

  it('CreateVpc answers pending with every field, creates the main route table and default group, then turns available', async () => {
    const c = ec2(server());
    const out = await c.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'main' }] }] }));
    const vpc = out.Vpc!;
    assert.match(vpc.VpcId!, /^vpc-[0-9a-f]{17}$/);
    assert.equal(vpc.State, 'pending');
    assert.equal(vpc.CidrBlock, '10.1.0.0/16');
    assert.equal(vpc.OwnerId, ACCOUNT_A);
    assert.equal(vpc.IsDefault, false);
    assert.equal(vpc.InstanceTenancy, 'default');
    assert.match(vpc.DhcpOptionsId!, /^dopt-[0-9a-f]{8}$/);
    assert.equal(vpc.CidrBlockAssociationSet!.length, 1);
    assert.match(vpc.CidrBlockAssociationSet![0]!.AssociationId!, /^vpc-cidr-assoc-[0-9a-f]{17}$/);
    assert.equal(vpc.CidrBlockAssociationSet![0]!.CidrBlock, '10.1.0.0/16');
    assert.equal(vpc.CidrBlockAssociationSet![0]!.CidrBlockState!.State, 'associated');
    assert.deepEqual(vpc.Tags, [{ Key: 'Name', Value: 'main' }]);

    const available = await eventually(async () => {
      const d = await c.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }));
      return d.Vpcs![0]!.State === 'available' ? d.Vpcs![0]! : undefined;
    });
    assert.equal(available.CidrBlock, '10.1.0.0/16');

    const tables = await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }));
    assert.equal(tables.RouteTables!.length, 1);
    const main = tables.RouteTables![0]!;
    assert.deepEqual(main.Routes, [{ DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    assert.equal(main.Associations!.length, 1);
    assert.equal(main.Associations![0]!.Main, true);
    assert.equal(main.Associations![0]!.AssociationState!.State, 'associated');

    const groups = await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }));
    assert.equal(groups.SecurityGroups!.length, 1);
    const def = groups.SecurityGroups![0]!;
    assert.equal(def.GroupName, 'default');
    assert.equal(def.Description, 'default VPC security group');
    assert.equal(def.IpPermissions!.length, 1);
    assert.equal(def.IpPermissions![0]!.IpProtocol, '-1');
    assert.deepEqual(def.IpPermissions![0]!.UserIdGroupPairs, [{ UserId: ACCOUNT_A, GroupId: def.GroupId }]);
    assert.deepEqual(def.IpPermissionsEgress![0]!.IpRanges, [{ CidrIp: '0.0.0.0/0' }]);
  });

  it('CreateVpc validates the CIDR block', async () => {
    const c = ec2(server());
    const cases: Array<[string, string | undefined]> = [
      ['10.0.0.0/8', 'InvalidVpc.Range'],
      ['10.0.0.0/15', 'InvalidVpc.Range'],
      ['10.0.0.0/29', 'InvalidVpc.Range'],
      ['127.0.0.0/16', 'InvalidVpc.Range'],
      ['169.254.0.0/16', 'InvalidVpc.Range'],
      ['224.0.0.0/16', 'InvalidVpc.Range'],
      ['10.0.0.0/16', undefined],
      ['192.168.0.0/28', undefined],
      ['10.0.0.1/16', 'InvalidParameterValue'],
      ['10.0.0.0', 'InvalidParameterValue'],
      ['300.0.0.0/16', 'InvalidParameterValue'],
      ['banana', 'InvalidParameterValue'],
    ];
    for (const [cidr, code] of cases) {
      if (code) await rejectsWith(c.send(new CreateVpcCommand({ CidrBlock: cidr })), code, new RegExp(cidr.replace(/[./]/g, '\\$&')));
      else {
        const v = await c.send(new CreateVpcCommand({ CidrBlock: cidr }));
        assert.equal(v.Vpc!.CidrBlock, cidr);
        await c.send(new DeleteVpcCommand({ VpcId: v.Vpc!.VpcId! }));
      }
    }
    await rejectsWith(c.send(new CreateVpcCommand({})), 'MissingParameter');
    await rejectsWith(c.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'a', Value: 'b' }] }] })),
      'InvalidParameterValue', /subnet/);
  });

  it('DescribeVpcs filters by id, cidr, state, owner, tag and tag-key, and pages', async () => {
    const c = ec2(server(), '333333333333');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const v = await c.send(new CreateVpcCommand({
        CidrBlock: `10.${i}.0.0/16`, TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'env', Value: i % 2 ? 'prod' : 'dev' }] }],
      }));
      ids.push(v.Vpc!.VpcId!);
    }
    const f = async (Name: string, Values: string[]) => (await c.send(new DescribeVpcsCommand({ Filters: [{ Name, Values }] }))).Vpcs!.map((v) => v.VpcId);
    assert.deepEqual(await f('vpc-id', [ids[2]!]), [ids[2]]);
    assert.deepEqual(await f('cidr', ['10.3.0.0/16']), [ids[3]]);
    assert.deepEqual(await f('cidr-block-association.cidr-block', ['10.4.0.0/16', '10.5.0.0/16']), [ids[4], ids[5]]);
    assert.deepEqual(await f('tag:env', ['prod']), [ids[1], ids[3], ids[5]]);
    assert.deepEqual((await f('tag-key', ['env'])).length, 7);
    assert.deepEqual(await f('tag:env', ['nope']), []);
    assert.deepEqual((await f('owner-id', ['333333333333'])).length, 7);
    assert.deepEqual((await f('is-default', ['false'])).length, 7);
    assert.deepEqual((await f('dhcp-options-id', ['dopt-*'])).length, 7);
    await eventually(async () => (await f('state', ['available'])).length === 7);
    await rejectsWith(c.send(new DescribeVpcsCommand({ Filters: [{ Name: 'nonsense', Values: ['x'] }] })), 'InvalidParameterValue', /nonsense/);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await c.send(new DescribeVpcsCommand({ MaxResults: 5, NextToken: token }));
      seen.push(...page.Vpcs!.map((v) => v.VpcId!));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 2);
    assert.deepEqual(seen, ids);
    await rejectsWith(c.send(new DescribeVpcsCommand({ NextToken: 'garbage' })), 'InvalidNextToken');
    await rejectsWith(c.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })), 'InvalidVpcID.NotFound', /vpc-0123456789abcdef0/);
    await rejectsWith(c.send(new DescribeVpcsCommand({ VpcIds: ['vpc-xyz'] })), 'InvalidVpcID.Malformed');
  });

  it('Modify/DescribeVpcAttribute: defaults, one attribute at a time, hostnames need DNS support', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const attr = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames' | 'enableNetworkAddressUsageMetrics') =>
      c.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }));
    assert.equal((await attr('enableDnsSupport')).EnableDnsSupport!.Value, true);
    assert.equal((await attr('enableDnsHostnames')).EnableDnsHostnames!.Value, false);
    assert.equal((await attr('enableNetworkAddressUsageMetrics')).EnableNetworkAddressUsageMetrics!.Value, false);
    assert.equal((await attr('enableDnsSupport')).VpcId, vpcId);

    await c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    assert.equal((await attr('enableDnsHostnames')).EnableDnsHostnames!.Value, true);
    await rejectsWith(c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true }, EnableDnsSupport: { Value: true } })),
      'InvalidParameterCombination', /multiple/);
    await rejectsWith(c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId })), 'MissingParameter');
    await c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: false } }));
    await c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: false } }));
    assert.equal((await attr('enableDnsSupport')).EnableDnsSupport!.Value, false);
    await rejectsWith(c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })), 'InvalidParameterValue', /DNS support/);
    await c.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableNetworkAddressUsageMetrics: { Value: true } }));
    assert.equal((await attr('enableNetworkAddressUsageMetrics')).EnableNetworkAddressUsageMetrics!.Value, true);
    await rejectsWith(c.send(new ModifyVpcAttributeCommand({ VpcId: 'vpc-0000000000000000f', EnableDnsSupport: { Value: true } })), 'InvalidVpcID.NotFound');
  });

  it('CreateSubnet: fields, zones by name or id, AWS picks a zone, pending then available', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
    const s = (await c.send(new CreateSubnetCommand({
      VpcId: vpcId, CidrBlock: '10.30.1.0/24', AvailabilityZone: 'us-east-1b',
      TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: 'b' }] }],
    }))).Subnet!;
    assert.match(s.SubnetId!, /^subnet-[0-9a-f]{17}$/);
    assert.equal(s.VpcId, vpcId);
    assert.equal(s.State, 'pending');
    assert.equal(s.CidrBlock, '10.30.1.0/24');
    assert.equal(s.AvailabilityZone, 'us-east-1b');
    assert.equal(s.AvailabilityZoneId, 'use1-az2');
    assert.equal(s.AvailableIpAddressCount, 251);
    assert.equal(s.SubnetArn, `arn:aws:ec2:us-east-1:${ACCOUNT_A}:subnet/${s.SubnetId}`);
    assert.equal(s.OwnerId, ACCOUNT_A);
    assert.equal(s.DefaultForAz, false);
    assert.equal(s.MapPublicIpOnLaunch, false);
    assert.equal(s.AssignIpv6AddressOnCreation, false);
    assert.deepEqual(s.Tags, [{ Key: 'Name', Value: 'b' }]);
    await eventually(async () => (await c.send(new DescribeSubnetsCommand({ SubnetIds: [s.SubnetId!] }))).Subnets![0]!.State === 'available');

    const byId = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.2.0/28', AvailabilityZoneId: 'use1-az3' }))).Subnet!;
    assert.equal(byId.AvailabilityZone, 'us-east-1c');
    assert.equal(byId.AvailableIpAddressCount, 11);
    const picked = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.3.0/24' }))).Subnet!;
    assert.equal(picked.AvailabilityZone, 'us-east-1a', 'the zone without a subnet of this VPC');

    await rejectsWith(c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.4.0/24', AvailabilityZone: 'us-east-1z' })), 'InvalidParameterValue', /us-east-1a, us-east-1b, us-east-1c/);
    await rejectsWith(c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.4.0/24', AvailabilityZoneId: 'usw2-az1' })), 'InvalidParameterValue', /usw2-az1/);
    await rejectsWith(c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.4.0/24', AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' })), 'InvalidParameterCombination');
    await rejectsWith(c.send(new CreateSubnetCommand({ VpcId: 'vpc-0000000000000000a', CidrBlock: '10.30.4.0/24' })), 'InvalidVpcID.NotFound');
  });

  it('CreateSubnet CIDR table: inside the VPC, /16–/28, no overlap', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
    await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.40.8.0/22' }));
    const cases: Array<[string, string | undefined]> = [
      ['10.40.0.0/24', undefined],
      ['10.40.255.240/28', undefined],
      ['10.40.0.0/16', 'InvalidSubnet.Conflict'],
      ['10.40.9.0/24', 'InvalidSubnet.Conflict'],
      ['10.40.8.0/21', 'InvalidSubnet.Conflict'],
      ['10.41.0.0/24', 'InvalidSubnet.Range'],
      ['10.40.1.0/29', 'InvalidSubnet.Range'],
      ['10.0.0.0/8', 'InvalidSubnet.Range'],
      ['10.40.1.1/24', 'InvalidParameterValue'],
      ['not-a-cidr', 'InvalidParameterValue'],
    ];
    for (const [cidr, code] of cases) {
      const p = c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr }));
      if (code) await rejectsWith(p, code, new RegExp(cidr.replace(/[./]/g, '\\$&')));
      else assert.equal((await p).Subnet!.CidrBlock, cidr);
    }
  });

  it('DescribeSubnets filters and pages; AvailableIpAddressCount counts ENIs', async () => {
    const c = ec2(server(), '444444444444');
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
    const other = (await c.send(new CreateVpcCommand({ CidrBlock: '10.51.0.0/16' }))).Vpc!.VpcId!;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await c.send(new CreateSubnetCommand({
        VpcId: vpcId, CidrBlock: `10.50.${i}.0/24`, AvailabilityZone: `us-east-1${'abc'[i % 3]}`,
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'tier', Value: i < 3 ? 'app' : 'db' }] }],
      }));
      ids.push(s.Subnet!.SubnetId!);
    }
    const o = (await c.send(new CreateSubnetCommand({ VpcId: other, CidrBlock: '10.51.0.0/24' }))).Subnet!.SubnetId!;
    const f = async (Name: string, Values: string[]) => (await c.send(new DescribeSubnetsCommand({ Filters: [{ Name, Values }] }))).Subnets!.map((s) => s.SubnetId);
    assert.deepEqual(await f('vpc-id', [other]), [o]);
    assert.deepEqual(await f('availability-zone', ['us-east-1b']), [ids[1], ids[4]]);
    assert.deepEqual(await f('availability-zone-id', ['use1-az3']), [ids[2], ids[5]]);
    assert.deepEqual(await f('cidr-block', ['10.50.3.0/24']), [ids[3]]);
    assert.deepEqual(await f('cidr', ['10.51.0.0/24']), [o]);
    assert.deepEqual(await f('subnet-id', [ids[0]!, o]), [ids[0], o]);
    assert.deepEqual(await f('tag:tier', ['db']), [ids[3], ids[4], ids[5]]);
    assert.deepEqual((await f('owner-id', ['444444444444'])).length, 7);
    const both = await c.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'tag:tier', Values: ['app'] }] }));
    assert.deepEqual(both.Subnets!.map((s) => s.SubnetId), ids.slice(0, 3));

    const p1 = await c.send(new DescribeSubnetsCommand({ MaxResults: 5 }));
    assert.equal(p1.Subnets!.length, 5);
    const p2 = await c.send(new DescribeSubnetsCommand({ MaxResults: 5, NextToken: p1.NextToken }));
    assert.equal(p2.Subnets!.length, 2);
    assert.equal(p2.NextToken, undefined);

    await putEni(server(), { account: '444444444444', vpcId, subnetId: ids[0]!, ip: '10.50.0.4' });
    await putEni(server(), { account: '444444444444', vpcId, subnetId: ids[0]!, ip: '10.50.0.5' });
    const counted = await c.send(new DescribeSubnetsCommand({ SubnetIds: [ids[0]!, ids[1]!] }));
    assert.deepEqual(counted.Subnets!.map((s) => s.AvailableIpAddressCount), [249, 251]);
    assert.deepEqual(await f('available-ip-address-count', ['249']), [ids[0]]);
    await rejectsWith(c.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })), 'InvalidSubnetID.NotFound', /subnet-0123456789abcdef0/);
  });

  it('DeleteSubnet and DeleteVpc refuse while dependencies exist, then succeed', async () => {
    const s = server();
    const c = ec2(s);
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.60.1.0/24' }))).Subnet!.SubnetId!;
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', new RegExp(`The vpc '${vpcId}' has dependencies and cannot be deleted.*${subnetId}`));

    const eni = await putEni(s, { account: ACCOUNT_A, vpcId, subnetId, ip: '10.60.1.4' });
    await rejectsWith(c.send(new DeleteSubnetCommand({ SubnetId: subnetId })), 'DependencyViolation',
      new RegExp(`^The subnet '${subnetId}' has dependencies and cannot be deleted\\..*${eni}`));
    await s.store.transaction(true, (tx) => tx.delete(eni));
    await c.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
    await rejectsWith(c.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })), 'InvalidSubnetID.NotFound');

    const sg = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'web', Description: 'web' }))).GroupId!;
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', new RegExp(sg));
    await c.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
    const rtb = (await c.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', new RegExp(rtb));
    await c.send(new DeleteRouteTableCommand({ RouteTableId: rtb }));

    await c.send(new DeleteVpcCommand({ VpcId: vpcId }));
    await rejectsWith(c.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })), 'InvalidVpcID.NotFound');
    const leftovers = await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    assert.deepEqual(leftovers.RouteTables, []);
    const groups = await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    assert.deepEqual(groups.SecurityGroups, []);
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'InvalidVpcID.NotFound');
  });

  it('a second account can neither see nor change the first account\'s VPC and subnet', async () => {
    const a = ec2(server(), ACCOUNT_A);
    const b = ec2(server(), ACCOUNT_B);
    const vpcId = (await a.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await a.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.0.0/24' }))).Subnet!.SubnetId!;
    const bVpcs = await b.send(new DescribeVpcsCommand({}));
    assert.ok(!bVpcs.Vpcs!.some((v) => v.VpcId === vpcId));
    assert.ok(!(await b.send(new DescribeSubnetsCommand({}))).Subnets!.some((s) => s.SubnetId === subnetId));
    await rejectsWith(b.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })), 'InvalidVpcID.NotFound', new RegExp(`The vpc ID '${vpcId}' does not exist`));
    await rejectsWith(b.send(new DeleteVpcCommand({ VpcId: vpcId })), 'InvalidVpcID.NotFound');
    await rejectsWith(b.send(new DeleteSubnetCommand({ SubnetId: subnetId })), 'InvalidSubnetID.NotFound');
    await rejectsWith(b.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.1.0/24' })), 'InvalidVpcID.NotFound');
    await rejectsWith(b.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } })), 'InvalidVpcID.NotFound');
    await rejectsWith(b.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'x', Description: 'x' })), 'InvalidVpcID.NotFound');
    assert.equal((await a.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs!.length, 1);
  });

  it('DryRun answers DryRunOperation and changes nothing', async () => {
    const c = ec2(server(), '555555555555');
    await rejectsWith(c.send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16', DryRun: true })), 'DryRunOperation');
    assert.deepEqual((await c.send(new DescribeVpcsCommand({}))).Vpcs, []);
    await rejectsWith(c.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8', DryRun: true })), 'InvalidVpc.Range');
  });
});
