/**
 * An interface endpoint created through Underpass's API, read back with DescribeVpcEndpoints by the
 * SDK, has the field set and value formats of the responses recorded from real AWS
 * (../shared/reference/aws-recorded/): same keys, ids and DNS names in AWS's formats, the default
 * policy, lower-case state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS, startTestServer } from '../support/harness.js';
import { sdkFactory } from '../support/clients.js';
import { allowAccount, buildNetwork, buildProvider, checkDnsEntries, CONSUMER, poll, PROVIDER } from './flow.js';
import { recordedEndpoints } from './recorded.js';

/** The type of each value, as a schema to compare: arrays by their items' shape, objects by their keys. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? ['array of', shape(v[0])] : ['array'];
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}

describe('DescribeVpcEndpoints has the recorded AWS field set and formats', () => {
  for (const dialect of DIALECTS) {
    it(`on ${dialect}`, async (t) => {
      const server = await startTestServer(t, { dialect });
      const clients = sdkFactory(server.endpoint);
      const provider = clients.forAccount(PROVIDER);
      const consumer = clients.forAccount(CONSUMER);
      const p = await buildProvider(provider, { acceptanceRequired: false, full: false });
      await allowAccount(provider, p.serviceId, CONSUMER, false);
      const c = await buildNetwork(consumer, '10.1.0.0/16', [['10.1.1.0/24', 'us-east-1a'], ['10.1.2.0/24', 'us-east-1b']]);
      const created = (await consumer.call('ec2', 'CreateVpcEndpoint', {
        VpcEndpointType: 'Interface', VpcId: c.vpcId, ServiceName: p.serviceName, SubnetIds: c.subnets.map((s) => s.id),
      })).VpcEndpoint;
      assert.equal(created.State, 'pending', 'no acceptance required: pending, then available');
      const ep = await poll('available', async () => {
        const e = (await consumer.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [created.VpcEndpointId] })).VpcEndpoints[0];
        return e.State === 'available' ? e : undefined;
      });

      const recordings = recordedEndpoints();
      // The 2025 recording of a two-field-complete interface endpoint (ServiceRegion is new in 2025).
      const reference = recordings.find((r) => r.file === 'ec2_test_vpc_endpoint_dns_names.json')!.endpoint;
      assert.deepEqual(Object.keys(ep).sort(), Object.keys(reference).sort(), 'the same fields as real AWS');
      // Every field has the recorded type (strings, booleans, lists of the same item shape…), DnsEntries and all.
      const mine = { ...ep, PolicyDocument: JSON.parse(ep.PolicyDocument) };
      assert.deepEqual(shape(mine), shape(reference));
      // The CloudFormation recording has two subnets, like this endpoint: one ENI per subnet, like it.
      const cfn = recordings.find((r) => r.file === 'cfn_test_deploy_vpc_endpoint.json')!.endpoint;
      assert.equal(ep.NetworkInterfaceIds.length, ep.SubnetIds.length);
      assert.equal(cfn.NetworkInterfaceIds.length, cfn.SubnetIds.length);

      // Value formats.
      assert.match(ep.VpcEndpointId, /^vpce-[0-9a-f]{17}$/);
      assert.match(ep.VpcId, /^vpc-[0-9a-f]{17}$/);
      for (const id of ep.SubnetIds) assert.match(id, /^subnet-[0-9a-f]{17}$/);
      for (const id of ep.NetworkInterfaceIds) assert.match(id, /^eni-[0-9a-f]{17}$/);
      for (const g of ep.Groups) assert.match(g.GroupId, /^sg-[0-9a-f]{17}$/);
      assert.equal(ep.Groups[0].GroupName, reference.Groups[0].GroupName, 'no group given: the VPC default group, as recorded');
      assert.equal(ep.State, reference.State, 'lower-case "available", as AWS spells it');
      assert.equal(ep.VpcEndpointType, reference.VpcEndpointType);
      assert.equal(ep.IpAddressType, reference.IpAddressType);
      assert.deepEqual(ep.DnsOptions, reference.DnsOptions);
      assert.equal(ep.RequesterManaged, reference.RequesterManaged);
      assert.deepEqual(ep.RouteTableIds, reference.RouteTableIds);
      assert.deepEqual(ep.Tags, reference.Tags);
      assert.equal(ep.ServiceRegion, 'us-east-1');
      assert.equal(ep.OwnerId, CONSUMER);
      assert.match(ep.OwnerId, /^\d{12}$/);
      assert.deepEqual(JSON.parse(ep.PolicyDocument), reference.PolicyDocument, 'the default policy, exactly as AWS returns it');
      assert.ok(!Number.isNaN(Date.parse(ep.CreationTimestamp)));
      // DNS entries: the recorded names are <endpoint>-<8 lower-case alphanumerics>[-<az>].<service>.<region>.vpce.amazonaws.com.
      checkDnsEntries(ep.DnsEntries, ep.VpcEndpointId, p.serviceId, ['us-east-1a', 'us-east-1b']);
      const recordedRegional = /^(vpce-[0-9a-f]{17})-([a-z0-9]{8})\.logs\.us-east-1\.vpce\.amazonaws\.com$/.exec(cfn.DnsEntries[0].DnsName);
      assert.ok(recordedRegional, 'the recording has the format we check against');
      const suffix = /^vpce-[0-9a-f]{17}-([a-z0-9]{8})\./.exec(ep.DnsEntries[0].DnsName)![1]!;
      assert.match(suffix, /^[a-z0-9]{8}$/);
      assert.equal(cfn.DnsEntries.slice(1, 3).every((e: { DnsName: string }) => e.DnsName.startsWith(`${recordedRegional[1]}-${recordedRegional[2]}-us-east-1`)), true, 'recorded zonal names follow the regional one');
    });
  }
});
