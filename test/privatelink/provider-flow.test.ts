/**
 * The provider's workflow end to end through the real APIs only (@aws-sdk/client-ec2 and
 * @aws-sdk/client-elastic-load-balancing-v2): VPC, subnets and an NLB; an endpoint service with
 * acceptance; permissions for a consumer account; the consumer's endpoints; accept, reject,
 * deletion refused and then allowed; the NLB held while the service lives.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { DIALECTS, devCredentials, eventually, startTestServer, type TestServer } from '../support/harness.js';

const REGION = 'us-east-1';
const OWNER = '111111111111';
const CONSUMER = '222222222222';
const STRANGER = '333333333333';

/** Clean-ups last-registered-first: the server stops before its PostgreSQL database is dropped. */
function lifo(t: TestContext): { after: (fn: () => Promise<void>) => void } {
  const fns: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return { after: (fn) => { fns.push(fn); } };
}

function ec2For(server: TestServer, account: string): EC2.EC2Client {
  return new EC2.EC2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 });
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; Code?: string };
    return err.Code ?? err.name ?? 'unknown';
  }
  return 'no error';
}

async function network(ec2: EC2.EC2Client, cidr: string): Promise<{ vpcId: string; subnets: string[] }> {
  const vpc = await ec2.send(new EC2.CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets = [];
  for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
    const s = await ec2.send(new EC2.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${cidr}.${i + 1}.0/24`, AvailabilityZone: az }));
    subnets.push(s.Subnet!.SubnetId!);
  }
  return { vpcId, subnets };
}

for (const dialect of DIALECTS) {
  describe(`provider workflow through the real APIs (${dialect})`, () => {
    it('serves, accepts, rejects and deletes', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const consumer = ec2For(server, CONSUMER);
      const stranger = ec2For(server, STRANGER);
      const elb = new ELB.ElasticLoadBalancingV2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(OWNER), maxAttempts: 1 });

      const provider = await network(owner, '10.0');
      const lb = await elb.send(new ELB.CreateLoadBalancerCommand({ Name: 'svc-nlb', Type: 'network', Scheme: 'internal', Subnets: provider.subnets }));
      const nlb = lb.LoadBalancers![0]!.LoadBalancerArn!;

      const created = await owner.send(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [nlb], AcceptanceRequired: true }));
      const svc = created.ServiceConfiguration!;
      const id = svc.ServiceId!;
      assert.deepEqual(svc.AvailabilityZones, ['us-east-1a', 'us-east-1b'], 'the zones of the NLB');
      await eventually(async () => {
        const d = await owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
        return d.ServiceConfigurations?.[0]?.ServiceState === 'Available';
      });
      await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));

      // The consumer finds the service and connects twice; the stranger can do neither.
      const found = await consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [svc.ServiceName!] }));
      assert.equal(found.ServiceDetails?.[0]?.Owner, OWNER);
      assert.equal(await errorCode(stranger.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [svc.ServiceName!] }))), 'InvalidServiceName');
      const net = await network(consumer, '10.1');
      const strangerNet = await network(stranger, '10.2');
      assert.equal(await errorCode(stranger.send(new EC2.CreateVpcEndpointCommand({
        VpcId: strangerNet.vpcId, VpcEndpointType: 'Interface', ServiceName: svc.ServiceName!, SubnetIds: [strangerNet.subnets[0]!],
      }))), 'InvalidServiceName');
      const endpoints = [];
      for (const subnets of [net.subnets, [net.subnets[0]!]]) {
        const ep = await consumer.send(new EC2.CreateVpcEndpointCommand({ VpcId: net.vpcId, VpcEndpointType: 'Interface', ServiceName: svc.ServiceName!, SubnetIds: subnets }));
        assert.equal(ep.VpcEndpoint?.State, 'pendingAcceptance');
        endpoints.push(ep.VpcEndpoint!);
      }
      const [first, second] = endpoints as [EC2.VpcEndpoint, EC2.VpcEndpoint];

      // The provider sees both connections, with the same DNS names the consumer sees.
      const conns = await owner.send(new EC2.DescribeVpcEndpointConnectionsCommand({ Filters: [{ Name: 'service-id', Values: [id] }] }));
      assert.deepEqual(conns.VpcEndpointConnections?.map((c) => [c.VpcEndpointId, c.VpcEndpointOwner, c.VpcEndpointState]),
        [[first.VpcEndpointId, CONSUMER, 'pendingAcceptance'], [second.VpcEndpointId, CONSUMER, 'pendingAcceptance']]);
      assert.deepEqual(conns.VpcEndpointConnections?.[0]?.DnsEntries, first.DnsEntries);

      // Deleting the service or its NLB is refused while connections are pending.
      const refused = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
      assert.equal(refused.Unsuccessful?.[0]?.Error?.Code, 'ExistingVpcEndpointConnections');
      assert.equal(await errorCode(elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: nlb }))), 'ResourceInUse');

      // Accept the first: pending → available. Reject the second.
      const acc = await owner.send(new EC2.AcceptVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [first.VpcEndpointId!] }));
      assert.deepEqual(acc.Unsuccessful ?? [], []);
      const rej = await owner.send(new EC2.RejectVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [second.VpcEndpointId!] }));
      assert.deepEqual(rej.Unsuccessful ?? [], []);
      await eventually(async () => {
        const d = await consumer.send(new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [first.VpcEndpointId!, second.VpcEndpointId!] }));
        const states = Object.fromEntries((d.VpcEndpoints ?? []).map((e) => [e.VpcEndpointId, e.State]));
        return states[first.VpcEndpointId!] === 'available' && states[second.VpcEndpointId!] === 'rejected';
      });

      // Still refused: the first is available. Reject it too, then the service can go.
      const stillRefused = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
      assert.equal(stillRefused.Unsuccessful?.[0]?.Error?.Code, 'ExistingVpcEndpointConnections');
      await owner.send(new EC2.RejectVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [first.VpcEndpointId!] }));
      const del = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
      assert.deepEqual(del.Unsuccessful ?? [], []);
      await eventually(async () => {
        const d = await owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
        return d.ServiceConfigurations?.[0]?.ServiceState === 'Deleted';
      });
      assert.equal(await errorCode(consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [svc.ServiceName!] }))), 'InvalidServiceName');
      await elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: nlb }));
    });
  });
}
