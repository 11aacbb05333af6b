/**
 * Endpoints on a network built with the real EC2 substrate operations (CreateVpc, CreateSubnet,
 * ModifyVpcAttribute, DescribeSecurityGroups, DescribeNetworkInterfaces, DescribeRouteTables,
 * DeleteSubnet): the ENIs and routes an endpoint creates are what the substrate shows, and its
 * asynchronous teardown holds the subnet until the endpoint is deleted; the provider's accept and
 * reject (its real operations) move the consumer's endpoint. The provider's service itself is
 * seeded in the store (the provider side has its own tests).
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  AcceptVpcEndpointConnectionsCommand, DescribeVpcEndpointConnectionsCommand, RejectVpcEndpointConnectionsCommand,
  CreateSubnetCommand, CreateVpcCommand, CreateVpcEndpointCommand, DeleteSubnetCommand, DeleteVpcEndpointsCommand,
  DescribeNetworkInterfacesCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeVpcEndpointsCommand,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { awsPrefixLists } from '../../src/control/services/substrate/prefix-lists.js';
import { DIALECTS, startTestServer, type Dialect } from '../support/harness.js';
import { CONSUMER, PROVIDER, REGION, SLOW_STATE_DELAY_MS, advance, ec2, rejectsWith, seedService } from './consumer-fixtures.js';


async function network(t: TestContext, dialect: Dialect) {
  // Transitions only by `advance`: the deleting window is observed without racing the ticker.
  const server = await startTestServer(t, { dialect, stateDelayMs: SLOW_STATE_DELAY_MS });
  const client = ec2(server, CONSUMER);
  const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!;
  await client.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId, EnableDnsHostnames: { Value: true } }));
  const subnet = async (cidr: string, zone: string) =>
    (await client.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const subnetA = await subnet('10.20.1.0/24', 'us-east-1a');
  const subnetB = await subnet('10.20.2.0/24', 'us-east-1b');
  const groups = (await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }))).SecurityGroups!;
  const defaultSg = groups.find((g) => g.GroupName === 'default')!;
  return { server, client, vpcId: vpc.VpcId!, subnetA, subnetB, defaultSg };
}

for (const dialect of DIALECTS) {
  describe(`consumer endpoints on the real substrate (${dialect})`, () => {
    it('interface endpoint: ENIs in DescribeNetworkInterfaces, default group, subnet held until deleted', async (t) => {
      const { server, client, vpcId, subnetA, subnetB, defaultSg } = await network(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: false });
      const ep = (await client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: vpcId, ServiceName: svc.serviceName, SubnetIds: [subnetA, subnetB],
      }))).VpcEndpoint!;
      assert.deepEqual(ep.Groups, [{ GroupId: defaultSg.GroupId, GroupName: 'default' }]);
      const nis = (await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).NetworkInterfaces!;
      assert.deepEqual(nis.map((n) => n.NetworkInterfaceId).sort(), [...ep.NetworkInterfaceIds!].sort());
      for (const n of nis) {
        assert.equal(n.InterfaceType, 'vpc_endpoint');
        assert.equal(n.Description, `VPC Endpoint Interface ${ep.VpcEndpointId}`);
        assert.equal(n.RequesterManaged, true);
        assert.equal(n.RequesterId, PROVIDER);
        assert.equal(n.OwnerId, CONSUMER);
        assert.deepEqual(n.Groups?.map((g) => g.GroupId), [defaultSg.GroupId]);
        assert.ok([subnetA, subnetB].includes(n.SubnetId!));
        const cidr = n.SubnetId === subnetA ? /^10\.20\.1\./ : /^10\.20\.2\./;
        assert.match(n.PrivateIpAddress!, cidr);
      }
      const stateOf = async () => (await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId!] }))).VpcEndpoints![0]!.State as string;
      assert.equal(await stateOf(), 'pending');
      await advance(server);
      assert.equal(await stateOf(), 'available');
      await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId!] }));
      // AWS tears endpoint ENIs down asynchronously: the subnet is in use until the endpoint is deleted.
      await rejectsWith(client.send(new DeleteSubnetCommand({ SubnetId: subnetA })), 'DependencyViolation');
      assert.equal(await stateOf(), 'deleting');
      await advance(server);
      assert.equal(await stateOf(), 'deleted');
      assert.deepEqual((await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).NetworkInterfaces, []);
      await client.send(new DeleteSubnetCommand({ SubnetId: subnetA }));
    });

    it('the provider accepts and rejects through its API; both sides show the same DNS entries', async (t) => {
      const { server, client, vpcId, subnetA, subnetB } = await network(t, dialect);
      const svc = await seedService(server, { acceptanceRequired: true });
      const provider = ec2(server, PROVIDER);
      const create = async (subnets: string[]) => (await client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: vpcId, ServiceName: svc.serviceName, SubnetIds: subnets,
      }))).VpcEndpoint!;
      const one = await create([subnetA, subnetB]);
      const two = await create([subnetA]);
      const stateOf = async (id: string) => (await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints![0]!.State as string;
      const accepted = await provider.send(new AcceptVpcEndpointConnectionsCommand({ ServiceId: svc.serviceId, VpcEndpointIds: [one.VpcEndpointId!] }));
      assert.deepEqual(accepted.Unsuccessful, []);
      assert.equal(await stateOf(one.VpcEndpointId!), 'pending');
      await advance(server);
      assert.equal(await stateOf(one.VpcEndpointId!), 'available');
      const conns = (await provider.send(new DescribeVpcEndpointConnectionsCommand({
        Filters: [{ Name: 'vpc-endpoint-id', Values: [one.VpcEndpointId!] }],
      }))).VpcEndpointConnections!;
      assert.equal(conns.length, 1);
      assert.equal(conns[0]!.VpcEndpointState as string, 'available');
      assert.deepEqual(conns[0]!.DnsEntries, (await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [one.VpcEndpointId!] }))).VpcEndpoints![0]!.DnsEntries);
      // Rejected: the ENIs stay until the consumer deletes the endpoint.
      await provider.send(new RejectVpcEndpointConnectionsCommand({ ServiceId: svc.serviceId, VpcEndpointIds: [two.VpcEndpointId!] }));
      assert.equal(await stateOf(two.VpcEndpointId!), 'rejected');
      await advance(server);
      assert.equal(await stateOf(two.VpcEndpointId!), 'rejected');
      const enisOf = async (id: string) => (await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .NetworkInterfaces!.filter((n) => n.Description === `VPC Endpoint Interface ${id}`).length;
      assert.equal(await enisOf(two.VpcEndpointId!), 1);
      await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [two.VpcEndpointId!] }));
      await advance(server);
      assert.equal(await stateOf(two.VpcEndpointId!), 'deleted');
      assert.equal(await enisOf(two.VpcEndpointId!), 0);
    });

    it('gateway endpoint: DescribeRouteTables shows the prefix-list route to the endpoint', async (t) => {
      const { server, client, vpcId } = await network(t, dialect);
      const main = (await client.send(new DescribeRouteTablesCommand({
        Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }],
      }))).RouteTables![0]!;
      const s3 = awsPrefixLists(REGION).find((p) => p.service === 's3')!;
      const ep = (await client.send(new CreateVpcEndpointCommand({ VpcId: vpcId, ServiceName: s3.name, RouteTableIds: [main.RouteTableId!] }))).VpcEndpoint!;
      const routes = (await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [main.RouteTableId!] }))).RouteTables![0]!.Routes!;
      const route = routes.find((r) => r.DestinationPrefixListId === s3.id);
      assert.deepEqual(route && { GatewayId: route.GatewayId, Origin: route.Origin, State: route.State },
        { GatewayId: ep.VpcEndpointId, Origin: 'CreateRoute', State: 'active' });
      await client.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId!] }));
      await advance(server);
      const rs = (await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [main.RouteTableId!] }))).RouteTables![0]!.Routes!;
      assert.ok(!rs.some((r) => r.DestinationPrefixListId === s3.id), 'the prefix-list route is removed at deleted');
    });
  });
}
