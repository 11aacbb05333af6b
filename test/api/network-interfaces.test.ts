/**
 * The account's own network interfaces (CreateNetworkInterface, DeleteNetworkInterface,
 * ModifyNetworkInterfaceAttribute) through the real EC2 client on every store back-end, one call
 * path through Debian's AWS CLI v2, and the workload interface they compile to.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand, DeleteSubnetCommand, DeleteVpcCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand,
  ModifyNetworkInterfaceAttributeCommand, type CreateNetworkInterfaceCommandInput, type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { readSnapshot } from '../../src/control/snapshot.js';
import { runCli } from '../support/clients.js';
import { devCredentials, type TestServer } from '../support/harness.js';
import { ACCOUNT_A, ACCOUNT_B, ec2, forEachDialect, putEni, rejectsWith, suiteServer } from '../substrate/support.js';

interface Net {
  vpcId: string; subnetA: string; subnetB: string; defaultSg: string; appSg: string; webSg: string;
  /** A second VPC of the same account, with its own group. */
  otherVpcSg: string;
  /** Account B's subnet and group. */
  foreignSubnet: string; foreignSg: string;
}

async function vpcWithSubnets(c: EC2Client, cidr: string, subnets: string[]): Promise<{ vpcId: string; subnetIds: string[]; defaultSg: string }> {
  const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, s] of subnets.entries()) {
    subnetIds.push((await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: s, AvailabilityZone: `us-east-1${'ab'[i]}` }))).Subnet!.SubnetId!);
  }
  const groups = await c.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }));
  return { vpcId, subnetIds, defaultSg: groups.SecurityGroups![0]!.GroupId! };
}

async function group(c: EC2Client, vpcId: string, name: string): Promise<string> {
  return (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: name }))).GroupId!;
}

async function network(s: TestServer, cidr: string): Promise<Net> {
  const a = ec2(s, ACCOUNT_A);
  const b = ec2(s, ACCOUNT_B);
  const main = await vpcWithSubnets(a, cidr, [cidr.replace(/\.0\.0\/16$/, '.1.0/24'), cidr.replace(/\.0\.0\/16$/, '.2.0/24')]);
  const other = await vpcWithSubnets(a, '172.16.0.0/16', []);
  const foreign = await vpcWithSubnets(b, cidr, [cidr.replace(/\.0\.0\/16$/, '.1.0/24')]);
  return {
    vpcId: main.vpcId, subnetA: main.subnetIds[0]!, subnetB: main.subnetIds[1]!, defaultSg: main.defaultSg,
    appSg: await group(a, main.vpcId, 'app'), webSg: await group(a, main.vpcId, 'web'),
    otherVpcSg: await group(a, other.vpcId, 'elsewhere'),
    foreignSubnet: foreign.subnetIds[0]!, foreignSg: await group(b, foreign.vpcId, 'theirs'),
  };
}

async function create(c: EC2Client, input: CreateNetworkInterfaceCommandInput) {
  return (await c.send(new CreateNetworkInterfaceCommand(input))).NetworkInterface!;
}

forEachDialect('network interfaces: the account\'s own ENIs', (dialect) => {
  const server = suiteServer(dialect);
  let n: Net;

  it('create with the next free address: the AWS shape of an `interface` ENI in the VPC\'s default group', async () => {
    n = await network(server(), '10.0.0.0/16');
    const c = ec2(server());
    const eni = await create(c, {
      SubnetId: n.subnetA, Description: 'workload one',
      TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'Name', Value: 'w1' }] }],
    });
    assert.match(eni.NetworkInterfaceId!, /^eni-[0-9a-f]{17}$/);
    assert.match(eni.MacAddress!, /^02(:[0-9a-f]{2}){5}$/);
    const { NetworkInterfaceId, MacAddress, ...rest } = eni;
    assert.deepEqual(rest, {
      InterfaceType: 'interface', Description: 'workload one', OwnerId: ACCOUNT_A, RequesterManaged: false, Status: 'available',
      PrivateIpAddress: '10.0.1.4', PrivateDnsName: 'ip-10-0-1-4.ec2.internal',
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '10.0.1.4', PrivateDnsName: 'ip-10-0-1-4.ec2.internal' }],
      Groups: [{ GroupId: n.defaultSg, GroupName: 'default' }],
      SubnetId: n.subnetA, VpcId: n.vpcId, AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1',
      SourceDestCheck: true, Ipv6Addresses: [], TagSet: [{ Key: 'Name', Value: 'w1' }],
    });
    const [described] = (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NetworkInterfaceId!] }))).NetworkInterfaces!;
    assert.deepEqual(described, eni, 'DescribeNetworkInterfaces shows the same interface');
    const subnet = (await c.send(new DescribeSubnetsCommand({ SubnetIds: [n.subnetA] }))).Subnets![0]!;
    assert.equal(subnet.AvailableIpAddressCount, 250, 'the address is taken from the subnet');
  });

  it('create with an explicit address and explicit groups (duplicates dropped), in order', async () => {
    const c = ec2(server());
    const eni = await create(c, { SubnetId: n.subnetA, PrivateIpAddress: '10.0.1.50', Groups: [n.webSg, n.appSg, n.webSg] });
    assert.equal(eni.PrivateIpAddress, '10.0.1.50');
    assert.deepEqual(eni.Groups, [{ GroupId: n.webSg, GroupName: 'web' }, { GroupId: n.appSg, GroupName: 'app' }]);
    assert.equal(eni.Description, '');
    const viaList = await create(c, { SubnetId: n.subnetA, PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.51', Primary: true }] });
    assert.equal(viaList.PrivateIpAddress, '10.0.1.51', 'PrivateIpAddresses with one primary entry is the same request');
    const next = await create(c, { SubnetId: n.subnetA });
    assert.equal(next.PrivateIpAddress, '10.0.1.5', 'the allocator goes on with the lowest free address');
  });

  const refusals: Array<{ name: string; input: () => CreateNetworkInterfaceCommandInput; account?: string; code: string; message?: RegExp }> = [
    ...['10.0.1.0', '10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.255'].map((ip) => ({
      name: `reserved address ${ip}`, input: () => ({ SubnetId: n.subnetA, PrivateIpAddress: ip }), code: 'InvalidParameterValue', message: /reserved/,
    })),
    { name: 'address in use', input: () => ({ SubnetId: n.subnetA, PrivateIpAddress: '10.0.1.50' }), code: 'InvalidIPAddress.InUse', message: /already in use/ },
    { name: 'address of another subnet', input: () => ({ SubnetId: n.subnetA, PrivateIpAddress: '10.0.2.10' }), code: 'InvalidParameterValue', message: /does not fall within/ },
    { name: 'not an address', input: () => ({ SubnetId: n.subnetA, PrivateIpAddress: '10.0.1.300' }), code: 'InvalidParameterValue' },
    { name: 'unknown subnet', input: () => ({ SubnetId: 'subnet-0123456789abcdef0' }), code: 'InvalidSubnetID.NotFound' },
    { name: 'malformed subnet id', input: () => ({ SubnetId: 'subnet-xyz' }), code: 'InvalidSubnetID.Malformed' },
    { name: 'another account\'s subnet', input: () => ({ SubnetId: n.foreignSubnet }), code: 'InvalidSubnetID.NotFound' },
    { name: 'the subnet owner may not use the caller\'s', input: () => ({ SubnetId: n.subnetA }), account: ACCOUNT_B, code: 'InvalidSubnetID.NotFound' },
    { name: 'group of another VPC', input: () => ({ SubnetId: n.subnetA, Groups: [n.appSg, n.otherVpcSg] }), code: 'InvalidGroup.NotFound', message: /different networks/ },
    { name: 'unknown group', input: () => ({ SubnetId: n.subnetA, Groups: ['sg-0123456789abcdef0'] }), code: 'InvalidGroup.NotFound' },
    { name: 'another account\'s group', input: () => ({ SubnetId: n.subnetA, Groups: [n.foreignSg] }), code: 'InvalidGroup.NotFound' },
    { name: 'malformed group id', input: () => ({ SubnetId: n.subnetA, Groups: ['sg-nope'] }), code: 'InvalidGroupId.Malformed' },
    {
      name: 'tags for another resource type',
      input: () => ({ SubnetId: n.subnetA, TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'a', Value: 'b' }] }] }), code: 'InvalidParameterValue',
    },
    { name: 'IPv6 addresses', input: () => ({ SubnetId: n.subnetA, Ipv6AddressCount: 1 }), code: 'InvalidParameterValue', message: /Ipv6AddressCount/ },
    { name: 'secondary addresses', input: () => ({ SubnetId: n.subnetA, SecondaryPrivateIpAddressCount: 2 }), code: 'InvalidParameterValue' },
    { name: 'description too long', input: () => ({ SubnetId: n.subnetA, Description: 'x'.repeat(256) }), code: 'InvalidParameterValue' },
  ];
  for (const r of refusals) {
    it(`create refused: ${r.name} → ${r.code}`, async () => {
      const c = ec2(server(), r.account ?? ACCOUNT_A);
      const before = (await c.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces!.length;
      await rejectsWith(c.send(new CreateNetworkInterfaceCommand(r.input())), r.code, r.message);
      assert.equal((await c.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces!.length, before, 'nothing was created');
    });
  }

  it('more than five groups → SecurityGroupsPerInterfaceLimitExceeded', async () => {
    const c = ec2(server());
    const groups = [n.appSg, n.webSg];
    for (let i = 0; i < 4; i++) groups.push(await group(c, n.vpcId, `extra-${i}`));
    await rejectsWith(c.send(new CreateNetworkInterfaceCommand({ SubnetId: n.subnetB, Groups: groups })), 'SecurityGroupsPerInterfaceLimitExceeded');
    for (const g of groups.slice(2)) await c.send(new DeleteSecurityGroupCommand({ GroupId: g }));
  });

  it('DryRun answers DryRunOperation and creates nothing; a ClientToken replays the same interface', async () => {
    const c = ec2(server());
    await rejectsWith(c.send(new CreateNetworkInterfaceCommand({ SubnetId: n.subnetB, DryRun: true })), 'DryRunOperation');
    assert.deepEqual((await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [n.subnetB] }] }))).NetworkInterfaces, []);
    const first = await c.send(new CreateNetworkInterfaceCommand({ SubnetId: n.subnetB, ClientToken: 'eni-token-1', Description: 'idem' }));
    assert.equal(first.ClientToken, 'eni-token-1');
    const again = await c.send(new CreateNetworkInterfaceCommand({ SubnetId: n.subnetB, ClientToken: 'eni-token-1', Description: 'idem' }));
    assert.equal(again.NetworkInterface!.NetworkInterfaceId, first.NetworkInterface!.NetworkInterfaceId);
    await rejectsWith(c.send(new CreateNetworkInterfaceCommand({ SubnetId: n.subnetB, ClientToken: 'eni-token-1', Description: 'other' })), 'IdempotentParameterMismatch');
    assert.equal((await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [n.subnetB] }] }))).NetworkInterfaces!.length, 1);
  });

  it('DescribeNetworkInterfaces filters them next to requester-managed ones', async () => {
    const s = server();
    const c = ec2(s);
    const endpointEni = await putEni(s, { account: ACCOUNT_A, vpcId: n.vpcId, subnetId: n.subnetB, ip: '10.0.2.200', groupIds: [n.appSg] });
    const f = async (Name: string, Values: string[]) => (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name, Values }] })))
      .NetworkInterfaces!.map((e) => e.PrivateIpAddress).sort();
    const mine = ['10.0.1.4', '10.0.1.5', '10.0.1.50', '10.0.1.51', '10.0.2.4'];
    assert.deepEqual(await f('interface-type', ['interface']), mine);
    assert.deepEqual(await f('requester-managed', ['false']), mine);
    assert.deepEqual(await f('status', ['available']), mine);
    assert.deepEqual(await f('interface-type', ['vpc_endpoint']), ['10.0.2.200']);
    assert.deepEqual(await f('subnet-id', [n.subnetB]), ['10.0.2.200', '10.0.2.4']);
    assert.deepEqual(await f('vpc-id', [n.vpcId]), [...mine.slice(0, 4), '10.0.2.200', '10.0.2.4']);
    assert.deepEqual(await f('group-id', [n.appSg]), ['10.0.1.50', '10.0.2.200']);
    assert.deepEqual(await f('group-name', ['default']), ['10.0.1.4', '10.0.1.5', '10.0.1.51', '10.0.2.4']);
    assert.deepEqual(await f('description', ['workload one']), ['10.0.1.4']);
    assert.deepEqual(await f('tag:Name', ['w1']), ['10.0.1.4']);
    assert.deepEqual(await f('owner-id', [ACCOUNT_A]), [...mine.slice(0, 4), '10.0.2.200', '10.0.2.4']);
    assert.deepEqual(await f('private-ip-address', ['10.0.1.50']), ['10.0.1.50']);
    const [managed] = (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [endpointEni] }))).NetworkInterfaces!;
    assert.equal(managed!.RequesterManaged, true);
    assert.deepEqual(await f('requester-managed', ['true']), ['10.0.2.200']);
    assert.deepEqual((await ec2(s, ACCOUNT_B).send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces, [], 'another account sees none of them');
  });

  it('subnet, group and VPC deletion wait for the interface (DependencyViolation)', async () => {
    const c = ec2(server());
    await rejectsWith(c.send(new DeleteSubnetCommand({ SubnetId: n.subnetA })), 'DependencyViolation', /eni-/);
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: n.webSg })), 'DependencyViolation', /eni-/);
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: n.vpcId })), 'DependencyViolation');
  });

  it('ModifyNetworkInterfaceAttribute: Description, Groups (replaced), one attribute at a time', async () => {
    const c = ec2(server());
    const [eni] = (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.1.50'] }] }))).NetworkInterfaces!;
    const id = eni!.NetworkInterfaceId!;
    const show = async () => (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }))).NetworkInterfaces![0]!;
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Description: { Value: 'renamed' } }));
    assert.equal((await show()).Description, 'renamed');
    await c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [n.appSg] }));
    assert.deepEqual((await show()).Groups, [{ GroupId: n.appSg, GroupName: 'app' }]);
    await c.send(new DeleteSecurityGroupCommand({ GroupId: n.webSg }));
    n.webSg = '';
    await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [n.otherVpcSg] })), 'InvalidGroup.NotFound', /different networks/);
    await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [n.foreignSg] })), 'InvalidGroup.NotFound');
    await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id })), 'InvalidParameterCombination');
    await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Description: { Value: 'x' }, Groups: [n.appSg] })), 'InvalidParameterCombination');
    await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, SourceDestCheck: { Value: false } })), 'InvalidParameterValue', /SourceDestCheck/);
    await rejectsWith(ec2(server(), ACCOUNT_B).send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Description: { Value: 'theirs' } })),
      'InvalidNetworkInterfaceID.NotFound');
    assert.deepEqual([(await show()).Description, (await show()).Groups], ['renamed', [{ GroupId: n.appSg, GroupName: 'app' }]], 'refused changes changed nothing');
  });

  it('requester-managed interfaces (load balancer node, endpoint) cannot be deleted or modified', async () => {
    const s = server();
    const c = ec2(s);
    const elb = new ElasticLoadBalancingV2Client({ endpoint: s.endpoint, region: s.region, credentials: devCredentials(ACCOUNT_A), maxAttempts: 1 });
    await elb.send(new CreateLoadBalancerCommand({ Name: 'eni-test', Type: 'network', Scheme: 'internal', Subnets: [n.subnetB] }));
    const managed = (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'requester-managed', Values: ['true'] }] }))).NetworkInterfaces!;
    assert.deepEqual(managed.map((e) => e.InterfaceType).sort(), ['network_load_balancer', 'vpc_endpoint']);
    for (const e of managed) {
      await rejectsWith(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: e.NetworkInterfaceId! })), 'InvalidParameterValue', /is currently in use/);
      const err = await rejectsWith(c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: e.NetworkInterfaceId!, Description: { Value: 'mine' } })), 'AuthFailure');
      assert.equal((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400, 'AWS answers this AuthFailure with 400');
    }
    assert.equal((await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'requester-managed', Values: ['true'] }] }))).NetworkInterfaces!.length, 2);
  });

  it('compiles to workload interfaces owned by themselves', async () => {
    const s = server();
    const desired = compileDesiredState(await s.store.transaction(false, readSnapshot), 1);
    const workloads = desired.interfaces.filter((i) => i.kind === 'workload');
    assert.deepEqual(workloads.map((i) => i.ip).sort(), ['10.0.1.4', '10.0.1.5', '10.0.1.50', '10.0.1.51', '10.0.2.4']);
    for (const w of workloads) assert.equal(w.owner, w.eniId);
    assert.deepEqual(desired.interfaces.filter((i) => i.kind !== 'workload').map((i) => i.kind).sort(), ['endpoint', 'nlb-node']);
  });

  it('delete releases the address; unknown, foreign and malformed ids are refused', async () => {
    const c = ec2(server());
    const [eni] = (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.1.5'] }] }))).NetworkInterfaces!;
    const id = eni!.NetworkInterfaceId!;
    await rejectsWith(ec2(server(), ACCOUNT_B).send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })), 'InvalidNetworkInterfaceID.NotFound');
    await rejectsWith(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id, DryRun: true })), 'DryRunOperation');
    await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
    await rejectsWith(c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] })), 'InvalidNetworkInterfaceID.NotFound');
    await rejectsWith(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })), 'InvalidNetworkInterfaceID.NotFound');
    await rejectsWith(c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-123' })), 'InvalidNetworkInterfaceId.Malformed');
    assert.equal((await create(c, { SubnetId: n.subnetA })).PrivateIpAddress, '10.0.1.5', 'the freed address is handed out again');
  });

  it('once its interfaces are gone, the subnet can be deleted', async () => {
    const c = ec2(server());
    for (const e of (await c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [n.subnetA] }] }))).NetworkInterfaces!) {
      await c.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: e.NetworkInterfaceId! }));
    }
    await c.send(new DeleteSubnetCommand({ SubnetId: n.subnetA }));
  });
});

forEachDialect('network interfaces with the AWS CLI', (dialect) => {
  const server = suiteServer(dialect);

  it('aws ec2 create-network-interface / describe / delete (requester-managed refused)', { timeout: 120_000 }, async () => {
    const s = server();
    const n = await network(s, '10.5.0.0/16');
    const aws = async (...args: string[]) => {
      const r = await runCli(s.endpoint, ACCOUNT_A, ['ec2', ...args, '--output', 'json']);
      return { ...r, json: r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
    };
    const created = await aws('create-network-interface', '--subnet-id', n.subnetA, '--private-ip-address', '10.5.1.10',
      '--groups', n.appSg, '--description', 'from the cli', '--tag-specifications', 'ResourceType=network-interface,Tags=[{Key=Name,Value=cli}]');
    assert.equal(created.code, 0, created.stderr);
    const eni = created.json.NetworkInterface;
    assert.deepEqual([eni.InterfaceType, eni.Status, eni.RequesterManaged, eni.PrivateIpAddress, eni.Groups, eni.TagSet],
      ['interface', 'available', false, '10.5.1.10', [{ GroupId: n.appSg, GroupName: 'app' }], [{ Key: 'Name', Value: 'cli' }]]);
    const listed = await aws('describe-network-interfaces', '--filters', 'Name=interface-type,Values=interface', `Name=vpc-id,Values=${n.vpcId}`);
    assert.deepEqual(listed.json.NetworkInterfaces.map((e: { NetworkInterfaceId: string }) => e.NetworkInterfaceId), [eni.NetworkInterfaceId]);
    const taken = await aws('create-network-interface', '--subnet-id', n.subnetA, '--private-ip-address', '10.5.1.10');
    assert.match(taken.stderr, /\(InvalidIPAddress\.InUse\) when calling the CreateNetworkInterface operation/);
    const endpointEni = await putEni(s, { account: ACCOUNT_A, vpcId: n.vpcId, subnetId: n.subnetB, ip: '10.5.2.9' });
    const refused = await aws('delete-network-interface', '--network-interface-id', endpointEni);
    assert.match(refused.stderr, /\(InvalidParameterValue\) when calling the DeleteNetworkInterface operation(?: \(reached max retries: \d+\))?: Network interface 'eni-[0-9a-f]+' is currently in use\./);
    const deleted = await aws('delete-network-interface', '--network-interface-id', eni.NetworkInterfaceId);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await aws('describe-network-interfaces', '--filters', 'Name=interface-type,Values=interface')).json.NetworkInterfaces.length, 0);
  });
});
