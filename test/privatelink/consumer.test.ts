/**
 * The consumer side of PrivateLink through @aws-sdk/client-ec2: interface, gateway and GWLB
 * endpoints, their states, DNS entries, ENIs, routes, modifications, deletion and refusals,
 * checked field by field against the shape AWS records (../shared/reference/aws-recorded).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  CreateVpcEndpointCommand, DeleteVpcEndpointsCommand, DescribeNetworkInterfacesCommand, DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand, ModifyVpcEndpointCommand, type CreateVpcEndpointCommandInput, type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { DEFAULT_CONTROL_CONFIG } from '../../src/control/api/context.js';
import { consumerTick } from '../../src/control/services/privatelink/consumer/index.js';
import { awsPrefixLists } from '../../src/control/services/substrate/prefix-lists.js';
import { DIALECTS, eventually, startTestServer, type Dialect, type TestServer } from '../support/harness.js';
import {
  CONSUMER, PROVIDER, REGION, SLOW_STATE_DELAY_MS, STRANGER, advance, ec2, hexId, rejectsWith, seedConsumerNetwork, seedService, storeList,
} from './consumer-fixtures.js';

const DEFAULT_INTERFACE_POLICY = '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}';
const DEFAULT_GATEWAY_POLICY = '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
const S3 = `com.amazonaws.${REGION}.s3`;
const S3_PREFIX_LIST = awsPrefixLists(REGION).find((p) => p.name === S3)!.id;


/** A server on `dialect` with the consumer's network; `slow`: transitions only by `advance` (see SLOW_STATE_DELAY_MS). */
async function setup(t: TestContext, dialect: Dialect, slow = false) {
  const server = await startTestServer(t, { dialect, ...(slow ? { stateDelayMs: SLOW_STATE_DELAY_MS } : {}) });
  const net = await seedConsumerNetwork(server);
  return { server, net, client: ec2(server) };
}

async function describeOne(server: TestServer, id: string, account = CONSUMER): Promise<VpcEndpoint> {
  const out = await ec2(server, account).send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
  assert.equal(out.VpcEndpoints?.length, 1);
  return out.VpcEndpoints![0]!;
}

async function stateOf(server: TestServer, id: string): Promise<string | undefined> {
  return (await describeOne(server, id)).State;
}

/** The provider's accept, by the contract (pendingAcceptance → pending, stateChangedAt = now). */
async function acceptInStore(server: TestServer, id: string): Promise<void> {
  await server.store.transaction(true, async (tx) => {
    const e = (await tx.get('endpoint', id))!;
    await tx.put({ ...e, state: 'pending', stateChangedAt: new Date().toISOString() });
  });
}

for (const dialect of DIALECTS) {
  describe(`consumer endpoints (${dialect})`, () => {
    it('interface endpoint with acceptance: the AWS field set, DNS entries, ENIs, pendingAcceptance → (accept) → available', async (t) => {
      const { server, net, client } = await setup(t, dialect, true);
      const svc = await seedService(server, { acceptanceRequired: true });
      const before = Date.now();
      const out = await client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA, net.subnetB],
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'Name', Value: 'consumer ep' }] }],
      }));
      const ep = out.VpcEndpoint!;
      assert.equal(out.ClientToken, undefined);
      const id = ep.VpcEndpointId!;
      assert.match(id, /^vpce-[0-9a-f]{17}$/);
      // Exactly the members AWS returns for an interface endpoint (recorded responses), no more.
      assert.deepEqual(Object.keys(ep).sort(), [
        'CreationTimestamp', 'DnsEntries', 'DnsOptions', 'Groups', 'IpAddressType', 'NetworkInterfaceIds', 'OwnerId',
        'PolicyDocument', 'PrivateDnsEnabled', 'RequesterManaged', 'RouteTableIds', 'ServiceName', 'ServiceRegion', 'State',
        'SubnetIds', 'Tags', 'VpcEndpointId', 'VpcEndpointType', 'VpcId',
      ]);
      assert.equal(ep.VpcEndpointType, 'Interface');
      assert.equal(ep.VpcId, net.vpcId);
      assert.equal(ep.ServiceName, svc.serviceName);
      assert.equal(ep.State, 'pendingAcceptance');
      assert.equal(ep.PolicyDocument, DEFAULT_INTERFACE_POLICY);
      assert.deepEqual(ep.RouteTableIds, []);
      assert.deepEqual(ep.SubnetIds, [net.subnetA, net.subnetB]);
      assert.deepEqual(ep.Groups, [{ GroupId: net.defaultSgId, GroupName: 'default' }]);
      assert.equal(ep.IpAddressType, 'ipv4');
      assert.deepEqual(ep.DnsOptions, { DnsRecordIpType: 'ipv4' });
      assert.equal(ep.PrivateDnsEnabled, false);
      assert.equal(ep.RequesterManaged, false);
      assert.equal(ep.OwnerId, CONSUMER);
      assert.equal(ep.ServiceRegion, REGION);
      assert.deepEqual(ep.Tags, [{ Key: 'Name', Value: 'consumer ep' }]);
      assert.ok(ep.CreationTimestamp instanceof Date && Math.abs(ep.CreationTimestamp.getTime() - before) < 10_000);
      assert.equal(ep.NetworkInterfaceIds?.length, 2);
      for (const eni of ep.NetworkInterfaceIds!) assert.match(eni, /^eni-[0-9a-f]{17}$/);
      // DnsEntries: regional, then zonal (b before a, as AWS lists them), one hosted zone.
      const dns = ep.DnsEntries!;
      assert.equal(dns.length, 3);
      const suffix = /^vpce-[0-9a-f]{17}-([a-z0-9]{8})\./.exec(dns[0]!.DnsName!)?.[1];
      assert.ok(suffix, `regional name ${dns[0]!.DnsName}`);
      assert.equal(dns[0]!.DnsName, `${id}-${suffix}.${svc.serviceId}.${REGION}.vpce.amazonaws.com`);
      assert.equal(dns[1]!.DnsName, `${id}-${suffix}-us-east-1b.${svc.serviceId}.${REGION}.vpce.amazonaws.com`);
      assert.equal(dns[2]!.DnsName, `${id}-${suffix}-us-east-1a.${svc.serviceId}.${REGION}.vpce.amazonaws.com`);
      for (const d of dns) assert.equal(d.HostedZoneId, 'Z7HUB22UULQXV');

      // The ENIs: in the consumer's account, one per subnet, requester-managed, default group.
      const enis = (await storeList(server, 'network-interface')).filter((e) => e.ownerResourceId === id);
      assert.deepEqual(enis.map((e) => e.id).sort(), [...ep.NetworkInterfaceIds!].sort());
      for (const e of enis) {
        assert.equal(e.account, CONSUMER);
        assert.equal(e.interfaceType, 'vpc_endpoint');
        assert.equal(e.description, `VPC Endpoint Interface ${id}`);
        assert.equal(e.requesterId, PROVIDER);
        assert.deepEqual(e.groupIds, [net.defaultSgId]);
        assert.equal(e.vpcId, net.vpcId);
      }
      assert.deepEqual(enis.map((e) => e.subnetId).sort(), [net.subnetA, net.subnetB].sort());
      assert.match(enis.find((e) => e.subnetId === net.subnetA)!.privateIpAddress, /^10\.1\.1\.\d+$/);
      const described = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ep.NetworkInterfaceIds }))
        .catch((e: Error) => e);
      if (!(described instanceof Error && described.name === 'UnsupportedOperation')) {
        assert.ok(!(described instanceof Error), `DescribeNetworkInterfaces failed: ${String(described)}`);
        const nis = described.NetworkInterfaces!;
        assert.equal(nis.length, 2);
        for (const n of nis) {
          assert.equal(n.InterfaceType, 'vpc_endpoint');
          assert.equal(n.RequesterManaged, true);
          assert.equal(n.Description, `VPC Endpoint Interface ${id}`);
        }
      }

      // Describe returns the same document; it waits for acceptance however long it takes.
      await advance(server);
      const again = await describeOne(server, id);
      assert.deepEqual({ ...again, State: undefined }, { ...ep, State: undefined });
      assert.equal(again.State, 'pendingAcceptance');
      await acceptInStore(server, id);
      assert.equal(await stateOf(server, id), 'pending');
      await advance(server);
      assert.equal(await stateOf(server, id), 'available');
    });

    it('interface endpoint without acceptance: pending → available; ClientToken is idempotent; DryRun', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: false });
      const input: CreateVpcEndpointCommandInput = {
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetB],
        SecurityGroupIds: [net.sgId, net.defaultSgId], ClientToken: 'token-1',
      };
      await rejectsWith(client.send(new CreateVpcEndpointCommand({ ...input, DryRun: true })), 'DryRunOperation');
      assert.equal((await storeList(server, 'endpoint')).length, 0);
      const first = await client.send(new CreateVpcEndpointCommand(input));
      assert.equal(first.ClientToken, 'token-1');
      assert.equal(first.VpcEndpoint!.State, 'pending');
      assert.deepEqual(first.VpcEndpoint!.Groups, [{ GroupId: net.sgId, GroupName: 'endpoints' }, { GroupId: net.defaultSgId, GroupName: 'default' }]);
      const second = await client.send(new CreateVpcEndpointCommand(input));
      assert.equal(second.VpcEndpoint!.VpcEndpointId, first.VpcEndpoint!.VpcEndpointId);
      assert.equal((await storeList(server, 'endpoint')).length, 1);
      await eventually(async () => (await stateOf(server, first.VpcEndpoint!.VpcEndpointId!)) === 'available');
    });

    it('ModifyVpcEndpoint: add/remove subnets (ENIs follow, same zone rules), groups, policy, private DNS', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: false });
      const ep = (await client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA, net.subnetB],
      }))).VpcEndpoint!;
      const id = ep.VpcEndpointId!;
      const eniA = (await storeList(server, 'network-interface')).find((e) => e.subnetId === net.subnetA)!.id;
      // A second subnet in zone a while subnet A stays: refused, nothing changes.
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddSubnetIds: [net.subnetA2] })),
        'DuplicateSubnetsInSameZone', new RegExp(`availability zone of ${net.subnetA}`));
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddSubnetIds: [net.subnetC] })),
        'InvalidParameter', new RegExp(`does not support the availability zone of the subnet: ${net.subnetC}\\.`));
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, RemoveSubnetIds: [net.subnetC] })),
        'InvalidParameter', /is not a subnet of the VPC endpoint/);
      assert.equal((await storeList(server, 'network-interface')).length, 2);
      // Swap A for A2 in one request.
      const ok = await client.send(new ModifyVpcEndpointCommand({
        VpcEndpointId: id, RemoveSubnetIds: [net.subnetA], AddSubnetIds: [net.subnetA2], AddSecurityGroupIds: [net.sgId],
        SubnetConfigurations: [{ SubnetId: net.subnetA2, Ipv4: '10.1.4.100' }],
      }));
      assert.equal(ok.Return, true);
      const after = await describeOne(server, id);
      assert.deepEqual(after.SubnetIds, [net.subnetB, net.subnetA2]);
      assert.equal(after.NetworkInterfaceIds!.length, 2);
      assert.ok(!after.NetworkInterfaceIds!.includes(eniA));
      assert.deepEqual(after.Groups!.map((g) => g.GroupId), [net.defaultSgId, net.sgId]);
      const enis = (await storeList(server, 'network-interface')).filter((e) => e.ownerResourceId === id);
      assert.deepEqual(enis.map((e) => e.id).sort(), [...after.NetworkInterfaceIds!].sort(), 'the removed ENI is gone');
      assert.equal(enis.find((e) => e.subnetId === net.subnetA2)!.privateIpAddress, '10.1.4.100');
      for (const e of enis) assert.deepEqual(e.groupIds, [net.defaultSgId, net.sgId]);
      assert.equal(after.DnsEntries!.length, 3, 'regional + zones b and a');
      // Groups: cannot remove the last one; removal updates the ENIs.
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, RemoveSecurityGroupIds: [net.defaultSgId] }));
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, RemoveSecurityGroupIds: [net.sgId] })),
        'InvalidParameter', /at least one security group/);
      for (const e of (await storeList(server, 'network-interface')).filter((x) => x.ownerResourceId === id)) assert.deepEqual(e.groupIds, [net.sgId]);
      // Remove a subnet: one zonal name less.
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, RemoveSubnetIds: [net.subnetB] }));
      const single = await describeOne(server, id);
      assert.deepEqual(single.SubnetIds, [net.subnetA2]);
      assert.equal(single.DnsEntries!.length, 2);
      assert.match(single.DnsEntries![1]!.DnsName!, /-us-east-1a\./);
      // Policy: a bad one is refused, a good one stored verbatim.
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PolicyDocument: '{"Statement":' })), 'InvalidPolicyDocument', /not valid JSON/);
      const policy = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PolicyDocument: policy }));
      assert.equal((await describeOne(server, id)).PolicyDocument, policy);
      // Private DNS on a service without a name; route tables on an interface endpoint.
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PrivateDnsEnabled: true })), 'InvalidParameter',
        new RegExp(`Private DNS can't be enabled because the service ${svc.serviceName.replace(/\./g, '\\.')} does not provide a private DNS name\\.`));
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddRouteTableIds: [net.routeTableId] })), 'InvalidParameter', /Gateway endpoints/);
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: hexId('vpce') })), 'InvalidVpcEndpointId.NotFound');
    });

    it('private DNS: verified name gives the private entry; unverified name, pending acceptance and VPC attributes refuse', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const verified = await seedService(server, { acceptanceRequired: false, privateDnsName: 'api.example.com', privateDnsState: 'verified' });
      const unverified = await seedService(server, { acceptanceRequired: false, privateDnsName: 'other.example.com' });
      const gated = await seedService(server, { acceptanceRequired: true, privateDnsName: 'gated.example.com', privateDnsState: 'verified' });
      const create = (serviceName: string, vpcId = net.vpcId, subnet = net.subnetA, dns: 'on' | 'off' | 'default' = 'on') =>
        client.send(new CreateVpcEndpointCommand({
          VpcEndpointType: 'Interface', VpcId: vpcId, ServiceName: serviceName, SubnetIds: [subnet],
          PrivateDnsEnabled: dns === 'default' ? undefined : dns === 'on',
        }));
      await rejectsWith(create(unverified.serviceName), 'InvalidParameter', /other\.example\.com .*is not verified \(its verification state is pendingVerification\)/);
      await rejectsWith(create(gated.serviceName), 'InvalidParameter',
        new RegExp(`Private DNS can only be enabled after the endpoint connection is accepted by the owner of ${gated.serviceName.replace(/\./g, '\\.')}\\.`));
      const noDns = await seedConsumerNetwork(server, CONSUMER, { dns: false, cidr: '10.2' });
      await rejectsWith(create(verified.serviceName, noDns.vpcId, noDns.subnetA), 'InvalidParameter',
        new RegExp(`Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${noDns.vpcId}`));
      // Without the flag: on when it can be (verified name, DNS attributes), off otherwise.
      const off = (await create(verified.serviceName, noDns.vpcId, noDns.subnetA, 'default')).VpcEndpoint!;
      assert.equal(off.PrivateDnsEnabled, false);
      assert.equal((await create(verified.serviceName, net.vpcId, net.subnetB, 'default')).VpcEndpoint!.PrivateDnsEnabled, true);
      const ep = (await create(verified.serviceName)).VpcEndpoint!;
      assert.equal(ep.PrivateDnsEnabled, true);
      assert.equal(ep.DnsEntries!.length, 3);
      assert.equal(ep.DnsEntries![2]!.DnsName, 'api.example.com');
      assert.match(ep.DnsEntries![2]!.HostedZoneId!, /^Z[A-Z0-9]{13}$/);
      assert.notEqual(ep.DnsEntries![2]!.HostedZoneId, 'Z7HUB22UULQXV');
      // Gated service: create without private DNS, accept, then enable it.
      const g = (await create(gated.serviceName, net.vpcId, net.subnetB, 'off')).VpcEndpoint!;
      assert.equal(g.State, 'pendingAcceptance');
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: g.VpcEndpointId, PrivateDnsEnabled: true })), 'InvalidParameter', /after the endpoint connection is accepted/);
      await acceptInStore(server, g.VpcEndpointId!);
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: g.VpcEndpointId, PrivateDnsEnabled: true }));
      assert.equal((await describeOne(server, g.VpcEndpointId!)).DnsEntries!.at(-1)!.DnsName, 'gated.example.com');
    });

    it('gateway endpoint to S3: default type, prefix-list routes, available at once, one per table, modify and delete', async (t) => {
      const { server, net, client } = await setup(t, dialect, true);
      const out = await client.send(new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [net.routeTableId] }));
      const ep = out.VpcEndpoint!;
      const id = ep.VpcEndpointId!;
      assert.equal(ep.VpcEndpointType, 'Gateway');
      assert.equal(ep.State, 'available');
      assert.equal(ep.PolicyDocument, DEFAULT_GATEWAY_POLICY);
      assert.deepEqual(ep.RouteTableIds, [net.routeTableId]);
      assert.deepEqual(ep.SubnetIds, []);
      assert.deepEqual(ep.NetworkInterfaceIds, []);
      assert.deepEqual(ep.DnsEntries, []);
      assert.deepEqual(ep.Groups, []);
      assert.equal(ep.PrivateDnsEnabled, false);
      assert.equal(ep.RequesterManaged, false);
      assert.equal(ep.OwnerId, CONSUMER);
      const routesOf = async (rtb: string) => (await storeList(server, 'route-table')).find((r) => r.id === rtb)!.routes;
      assert.deepEqual((await routesOf(net.routeTableId)).filter((r) => r.destinationPrefixListId), [
        { destinationPrefixListId: S3_PREFIX_LIST, gatewayId: id, origin: 'CreateRoute', state: 'active' },
      ]);
      const rt = await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.routeTableId] })).catch((e: Error) => e);
      if (!(rt instanceof Error && rt.name === 'UnsupportedOperation')) {
        assert.ok(!(rt instanceof Error), `DescribeRouteTables failed: ${String(rt)}`);
        const route = rt.RouteTables![0]!.Routes!.find((r) => r.DestinationPrefixListId === S3_PREFIX_LIST);
        assert.equal(route?.GatewayId, id);
      }
      // A second S3 endpoint may not share the table.
      await rejectsWith(client.send(new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [net.routeTableId] })),
        'RouteAlreadyExists', new RegExp(`route table ${net.routeTableId} already has a route with destination-prefix-list-id ${S3_PREFIX_LIST}`));
      await rejectsWith(client.send(new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: S3, SubnetIds: [net.subnetA] })), 'InvalidParameter', /SubnetIds cannot be used with Gateway endpoints/);
      // Move it to the second table, set and reset the policy.
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddRouteTableIds: [net.routeTable2Id], RemoveRouteTableIds: [net.routeTableId] }));
      assert.deepEqual((await routesOf(net.routeTableId)).filter((r) => r.destinationPrefixListId), []);
      assert.equal((await routesOf(net.routeTable2Id)).filter((r) => r.gatewayId === id).length, 1);
      const custom = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}';
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, PolicyDocument: custom }));
      assert.equal((await describeOne(server, id)).PolicyDocument, custom);
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, ResetPolicy: true, PolicyDocument: custom })), 'InvalidParameterCombination');
      await client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, ResetPolicy: true }));
      assert.equal((await describeOne(server, id)).PolicyDocument, DEFAULT_GATEWAY_POLICY);
      // Delete: deleting → deleted, routes gone.
      const del = await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
      assert.deepEqual(del.Unsuccessful, []);
      assert.equal(await stateOf(server, id), 'deleting');
      assert.equal((await routesOf(net.routeTable2Id)).filter((r) => r.gatewayId === id).length, 1, 'the route goes with the teardown');
      await advance(server);
      assert.equal(await stateOf(server, id), 'deleted');
      assert.deepEqual((await routesOf(net.routeTable2Id)).filter((r) => r.gatewayId === id), []);
    });

    it('GWLB endpoint: one subnet, no groups or policy, GWLB ENI type', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: false, type: 'GatewayLoadBalancer' });
      const create = (extra: Partial<CreateVpcEndpointCommandInput>) => client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'GatewayLoadBalancer', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA], ...extra,
      }));
      await rejectsWith(create({ SubnetIds: [net.subnetA, net.subnetB] }), 'InvalidParameter', /exactly one subnet; 2 were given/);
      await rejectsWith(create({ SecurityGroupIds: [net.sgId] }), 'InvalidParameter', /do not support security groups/);
      await rejectsWith(create({ PolicyDocument: DEFAULT_GATEWAY_POLICY }), 'InvalidParameter', /do not support endpoint policies/);
      await rejectsWith(create({ VpcEndpointType: 'Interface' }), 'InvalidParameter', /Endpoint type \(Interface\) does not match available service types \(\[GatewayLoadBalancer\]\)\./);
      const ep = (await create({})).VpcEndpoint!;
      assert.equal(ep.VpcEndpointType, 'GatewayLoadBalancer');
      assert.equal(ep.State, 'pending');
      assert.equal(ep.PolicyDocument, undefined);
      assert.equal(ep.Groups, undefined);
      assert.deepEqual(ep.SubnetIds, [net.subnetA]);
      const eni = (await storeList(server, 'network-interface')).find((e) => e.ownerResourceId === ep.VpcEndpointId)!;
      assert.equal(eni.interfaceType, 'gateway_load_balancer_endpoint');
      assert.deepEqual(eni.groupIds, []);
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: [net.subnetB] })), 'InvalidParameter', /cannot be changed/);
      await eventually(async () => (await stateOf(server, ep.VpcEndpointId!)) === 'available');
    });

    it('refusals: each bad input gets its AWS code and a clear message, and nothing is half-written', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: false });
      const privateSvc = await seedService(server, { acceptanceRequired: false, allowed: [PROVIDER] });
      const other = await seedConsumerNetwork(server, CONSUMER, { cidr: '10.3' });
      const foreign = await seedConsumerNetwork(server, STRANGER, { cidr: '10.4' });
      const iface = (extra: Partial<CreateVpcEndpointCommandInput>): CreateVpcEndpointCommandInput => ({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA], ...extra,
      });
      const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const cases: Array<[string, CreateVpcEndpointCommandInput, string, RegExp]> = [
        ['zone the service does not serve', iface({ SubnetIds: [net.subnetC] }), 'InvalidParameter',
          new RegExp(`^The VPC endpoint service ${esc(svc.serviceName)} does not support the availability zone of the subnet: ${net.subnetC}\\.$`)],
        ['two subnets in one zone', iface({ SubnetIds: [net.subnetA, net.subnetA2] }), 'DuplicateSubnetsInSameZone',
          new RegExp(`Found another VPC endpoint subnet in the availability zone of ${net.subnetA}`)],
        ['another account\'s subnet', iface({ SubnetIds: [foreign.subnetA] }), 'InvalidSubnetID.NotFound', new RegExp(`'${foreign.subnetA}' does not exist`)],
        ['a subnet of another VPC', iface({ SubnetIds: [other.subnetA] }), 'InvalidParameter', /belongs to VPC .* not to the endpoint's VPC/],
        ['a malformed subnet id', iface({ SubnetIds: ['subnet-nope'] }), 'InvalidSubnetID.Malformed', /subnet-nope/],
        ['no subnet', iface({ SubnetIds: [] }), 'MissingParameter', /at least one subnet/],
        ['another VPC\'s security group', iface({ SecurityGroupIds: [other.sgId] }), 'InvalidParameter', /security group .* belongs to VPC/],
        ['another account\'s VPC', iface({ VpcId: foreign.vpcId }), 'InvalidVpcID.NotFound', new RegExp(foreign.vpcId)],
        ['private DNS without a name', iface({ PrivateDnsEnabled: true }), 'InvalidParameter',
          new RegExp(`^Private DNS can't be enabled because the service ${esc(svc.serviceName)} does not provide a private DNS name\\.$`)],
        ['policy that is not JSON', iface({ PolicyDocument: 'allow everything' }), 'InvalidPolicyDocument', /not valid JSON/],
        ['policy without Statement', iface({ PolicyDocument: '{"Version":"2012-10-17"}' }), 'InvalidPolicyDocument', /no Statement/],
        ['unknown service name', iface({ ServiceName: `com.amazonaws.vpce.${REGION}.${hexId('vpce-svc')}` }), 'InvalidServiceName', /^The Vpc Endpoint Service 'com\.amazonaws\.vpce\..*' does not exist$/],
        ['a service that does not allow the caller', iface({ ServiceName: privateSvc.serviceName }), 'InvalidServiceName', new RegExp(`'${esc(privateSvc.serviceName)}' does not exist`)],
        ['an AWS service Underpass does not offer', iface({ ServiceName: `com.amazonaws.${REGION}.ec2` }), 'InvalidServiceName', /does not exist/],
        ['the default type (Gateway) for an interface service', iface({ VpcEndpointType: undefined }), 'InvalidParameter', /^Endpoint type \(Gateway\) does not match available service types \(\[Interface\]\)\.$/],
        ['Interface type for S3', iface({ ServiceName: S3 }), 'InvalidParameter', /Endpoint type \(Interface\) does not match available service types \(\[Gateway\]\)/],
        ['Resource endpoints', iface({ VpcEndpointType: 'Resource' }), 'InvalidParameter', /Resource is not supported by Underpass/],
        ['IPv6', iface({ IpAddressType: 'dualstack' }), 'InvalidParameter', /does not support the IP address type dualstack/],
        ['a record type that does not suit ipv4', iface({ DnsOptions: { DnsRecordIpType: 'ipv6' } }), 'InvalidParameter', /DnsRecordIpType ipv6 is not valid/],
        ['inbound-resolver-only private DNS', iface({ DnsOptions: { PrivateDnsOnlyForInboundResolverEndpoint: true } }), 'InvalidParameter', /PrivateDnsOnlyForInboundResolverEndpoint/],
        ['route tables on an interface endpoint', iface({ RouteTableIds: [net.routeTableId] }), 'InvalidParameter', /RouteTableIds cannot be used with Interface endpoints/],
        ['another region', iface({ ServiceRegion: 'eu-west-1' }), 'InvalidParameter', /Cross-Region endpoints are not supported/],
        ['a fixed address outside the subnet', iface({ SubnetIds: undefined, SubnetConfigurations: [{ SubnetId: net.subnetA, Ipv4: '10.9.9.9' }] }), 'InvalidParameterValue', /not in the CIDR block 10\.1\.1\.0\/24/],
        ['a reserved address', iface({ SubnetIds: undefined, SubnetConfigurations: [{ SubnetId: net.subnetA, Ipv4: '10.1.1.1' }] }), 'InvalidParameterValue', /reserved/],
        ['a DNS record type for a gateway endpoint', { VpcId: net.vpcId, ServiceName: S3, DnsOptions: { DnsRecordIpType: 'dualstack' } }, 'InvalidParameter', /DnsRecordIpType dualstack is applicable only to Interface VPC Endpoints/],
        ['a gateway endpoint into another VPC\'s table', { VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [other.routeTableId] }, 'InvalidParameter', /route table .* belongs to VPC/],
        ['a wrong tag resource type', iface({ TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'a', Value: 'b' }] }] }), 'InvalidParameterValue', /not a valid taggable resource type/],
      ];
      for (const [name, input, code, message] of cases) {
        await t.test(name, async () => {
          await rejectsWith(client.send(new CreateVpcEndpointCommand(input)), code, message);
        });
      }
      // A unknown service for another account; the third account cannot use the consumer's service.
      await rejectsWith(ec2(server, STRANGER).send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: foreign.vpcId, ServiceName: svc.serviceName, SubnetIds: [foreign.subnetA],
      })), 'InvalidServiceName');
      // Nothing was written by any refusal.
      assert.equal((await storeList(server, 'endpoint')).length, 0);
      assert.equal((await storeList(server, 'network-interface')).length, 0);
      assert.deepEqual((await storeList(server, 'route-table')).flatMap((r) => r.routes.filter((x) => x.destinationPrefixListId)), []);
      // The server is still up and serving.
      assert.equal((await client.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints?.length, 0);
    });

    it('quota: 50 interface endpoints per VPC', async (t) => {
      const { server, net, client } = await setup(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: true });
      await server.store.transaction(true, async (tx) => {
        for (let i = 0; i < 50; i++) {
          await tx.put({
            kind: 'endpoint', id: hexId('vpce'), account: CONSUMER, region: REGION, createdAt: new Date().toISOString(), tags: [],
            type: 'Interface', vpcId: net.vpcId, serviceName: svc.serviceName, serviceId: svc.serviceId, serviceOwner: PROVIDER,
            state: 'pendingAcceptance', stateChangedAt: new Date().toISOString(), routeTableIds: [], subnetIds: [], groupIds: [],
            networkInterfaceIds: [], ipAddressType: 'ipv4', dnsRecordIpType: 'ipv4', privateDnsEnabled: false, dnsSuffix: 'abcdefgh',
          });
        }
      });
      await rejectsWith(client.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA] })),
        'VpcEndpointLimitExceeded', /maximum \(50\)/);
    });

    it('describe filters and pages; delete → deleting → deleted (ENIs released); other accounts see NotFound; purge', async (t) => {
      const { server, net, client } = await setup(t, dialect, true);
      const svc = await seedService(server, { acceptanceRequired: true });
      const a = (await client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA, net.subnetB],
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'team', Value: 'blue' }] }],
      }))).VpcEndpoint!;
      const g = (await client.send(new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [net.routeTableId] }))).VpcEndpoint!;
      const ids = async (filters: Array<{ Name: string; Values: string[] }>) =>
        ((await client.send(new DescribeVpcEndpointsCommand({ Filters: filters }))).VpcEndpoints ?? []).map((e) => e.VpcEndpointId).sort();
      assert.deepEqual(await ids([{ Name: 'vpc-endpoint-type', Values: ['Interface'] }]), [a.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'vpc-endpoint-state', Values: ['available'] }]), [g.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'vpc-endpoint-state', Values: ['pendingAcceptance', 'available'] }]), [a.VpcEndpointId, g.VpcEndpointId].sort());
      assert.deepEqual(await ids([{ Name: 'service-name', Values: ['com.amazonaws.*.s3'] }]), [g.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'vpc-id', Values: [net.vpcId] }, { Name: 'tag:team', Values: ['blue'] }]), [a.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'tag-key', Values: ['team'] }]), [a.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'vpc-endpoint-id', Values: [g.VpcEndpointId!] }]), [g.VpcEndpointId]);
      assert.deepEqual(await ids([{ Name: 'ip-address-type', Values: ['ipv4'] }, { Name: 'service-region', Values: [REGION] }]), [a.VpcEndpointId, g.VpcEndpointId].sort());
      await rejectsWith(client.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'owner-id', Values: ['x'] }] })), 'InvalidParameterValue', /owner-id/);
      const p1 = await client.send(new DescribeVpcEndpointsCommand({ MaxResults: 1 }));
      assert.equal(p1.VpcEndpoints!.length, 1);
      assert.ok(p1.NextToken);
      const p2 = await client.send(new DescribeVpcEndpointsCommand({ MaxResults: 1, NextToken: p1.NextToken }));
      assert.equal(p2.VpcEndpoints!.length, 1);
      assert.equal(p2.NextToken, undefined);
      assert.notEqual(p1.VpcEndpoints![0]!.VpcEndpointId, p2.VpcEndpoints![0]!.VpcEndpointId);

      // Another account: NotFound for describe, Unsuccessful for delete; its own list is empty.
      const stranger = ec2(server, STRANGER);
      await rejectsWith(stranger.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [a.VpcEndpointId!] })), 'InvalidVpcEndpointId.NotFound',
        new RegExp(`^The VpcEndPoint ID '${a.VpcEndpointId}' does not exist$`));
      assert.deepEqual((await stranger.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints, []);
      const foreignDelete = await stranger.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [a.VpcEndpointId!] }));
      assert.deepEqual(foreignDelete.Unsuccessful, [{
        ResourceId: a.VpcEndpointId, Error: { Code: 'InvalidVpcEndpointId.NotFound', Message: `The VpcEndPoint ID '${a.VpcEndpointId}' does not exist` },
      }]);
      await rejectsWith(client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: ['vpce-zz'] })), 'InvalidVpcEndpointId.Malformed');

      // The consumer deletes one real and one unknown endpoint.
      const unknown = hexId('vpce');
      const del = await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [a.VpcEndpointId!, unknown] }));
      assert.deepEqual(del.Unsuccessful!.map((u) => [u.ResourceId, u.Error?.Code]), [[unknown, 'InvalidVpcEndpointId.NotFound']]);
      assert.equal(await stateOf(server, a.VpcEndpointId!), 'deleting');
      assert.equal((await storeList(server, 'network-interface')).filter((e) => e.ownerResourceId === a.VpcEndpointId).length, 2,
        'the ENIs stay until the endpoint is deleted');
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: a.VpcEndpointId, AddSecurityGroupIds: [net.sgId] })), 'IncorrectState', /deleting/);
      await advance(server);
      assert.equal(await stateOf(server, a.VpcEndpointId!), 'deleted');
      assert.equal((await storeList(server, 'network-interface')).filter((e) => e.ownerResourceId === a.VpcEndpointId).length, 0);
      const gone = await describeOne(server, a.VpcEndpointId!);
      assert.deepEqual(gone.NetworkInterfaceIds, []);
      assert.deepEqual(await ids([{ Name: 'vpc-endpoint-state', Values: ['deleted'] }]), [a.VpcEndpointId]);
      // Deleting again is harmless.
      assert.deepEqual((await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [a.VpcEndpointId!] }))).Unsuccessful, []);

      // Purge after the retention period (driven directly with a short retention).
      await server.store.transaction(true, (tx) => consumerTick(tx, new Date(Date.now() + 2 * SLOW_STATE_DELAY_MS), {
        ...DEFAULT_CONTROL_CONFIG, stateDelayMs: SLOW_STATE_DELAY_MS, deletedRetentionMs: SLOW_STATE_DELAY_MS / 2,
      }));
      await rejectsWith(client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [a.VpcEndpointId!] })), 'InvalidVpcEndpointId.NotFound');
      assert.deepEqual(await ids([]), [g.VpcEndpointId]);
    });
  });
}
