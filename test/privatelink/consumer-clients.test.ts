/**
 * The endpoint operations through boto3 and Debian's AWS CLI v2: both parse what Underpass answers
 * into the same VpcEndpoint as @aws-sdk/client-ec2 does (field set, states, policy text, DNS
 * entries), and a refusal reaches them with its code. SQLite only: the store is not what is under
 * test here (consumer.test.ts runs every dialect).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AwsCallError, boto3Factory, cliFactory, sdkFactory, type ClientFactory } from '../support/clients.js';
import { eventually, startTestServer } from '../support/harness.js';
import { CONSUMER, seedConsumerNetwork, seedService } from './consumer-fixtures.js';

const DEFAULT_INTERFACE_POLICY = '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}';

const EXPECTED_KEYS = [
  'CreationTimestamp', 'DnsEntries', 'DnsOptions', 'Groups', 'IpAddressType', 'NetworkInterfaceIds', 'OwnerId',
  'PolicyDocument', 'PrivateDnsEnabled', 'RequesterManaged', 'RouteTableIds', 'ServiceName', 'ServiceRegion', 'State',
  'SubnetIds', 'Tags', 'VpcEndpointId', 'VpcEndpointType', 'VpcId',
];

const clients: Array<[string, boolean, (endpoint: string, t: { after: (fn: () => void | Promise<void>) => void }) => ClientFactory]> = [
  ['boto3', existsSync('/usr/bin/python3'), (e, t) => boto3Factory(e, t)],
  // CreateVpcEndpoint runs /usr/bin/aws itself; the other calls go through the long-lived CLI driver (same CLI code, no 3 s start-up each).
  ['aws cli v2', existsSync('/usr/bin/aws'), (e, t) => cliFactory(e, { spawnOps: new Set(['CreateVpcEndpoint']), t })],
];

describe('consumer endpoints through boto3 and the AWS CLI', () => {
  for (const [name, available, make] of clients) {
    it(`${name}: create, describe, modify, delete parse like the SDK's`, { skip: available ? false : `${name} is not installed` }, async (t) => {
      const server = await startTestServer(t, {});
      const net = await seedConsumerNetwork(server);
      const svc = await seedService(server, { acceptanceRequired: true });
      const api = make(server.endpoint, t).forAccount(CONSUMER);
      const sdk = sdkFactory(server.endpoint).forAccount(CONSUMER);
      const created = await api.call('ec2', 'CreateVpcEndpoint', {
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: svc.serviceName, SubnetIds: [net.subnetA, net.subnetB],
      });
      const ep = created.VpcEndpoint;
      // Debian's boto3 1.26 and CLI 2.9 predate ServiceRegion (2024) in the model and drop it.
      const modelLacks = (k: string) => k === 'ServiceRegion' && !(k in ep);
      assert.deepEqual(Object.keys(ep).sort(), EXPECTED_KEYS.filter((k) => !modelLacks(k)));
      assert.equal(ep.State, 'pendingAcceptance');
      assert.equal(ep.PolicyDocument, DEFAULT_INTERFACE_POLICY);
      assert.deepEqual(ep.Tags, []);
      assert.deepEqual(ep.RouteTableIds, []);
      assert.equal(ep.RequesterManaged, false);
      assert.equal(ep.DnsEntries.length, 3);
      const viaSdk = (await sdk.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [ep.VpcEndpointId] })).VpcEndpoints[0];
      const viaClient = (await api.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [ep.VpcEndpointId] })).VpcEndpoints[0];
      assert.equal(new Date(viaClient.CreationTimestamp).getTime(), new Date(viaSdk.CreationTimestamp).getTime());
      const sdkView = Object.fromEntries(Object.entries(viaSdk).filter(([k]) => !modelLacks(k)));
      assert.deepEqual({ ...viaClient, CreationTimestamp: undefined }, { ...sdkView, CreationTimestamp: undefined });
      const modified = await api.call('ec2', 'ModifyVpcEndpoint', { VpcEndpointId: ep.VpcEndpointId, RemoveSubnetIds: [net.subnetB] });
      assert.equal(modified.Return, true);
      await assert.rejects(api.call('ec2', 'ModifyVpcEndpoint', { VpcEndpointId: ep.VpcEndpointId, AddSubnetIds: [net.subnetC] }),
        (e: unknown) => e instanceof AwsCallError && e.code === 'InvalidParameter' && /does not support the availability zone of the subnet/.test(e.message));
      const deleted = await api.call('ec2', 'DeleteVpcEndpoints', { VpcEndpointIds: [ep.VpcEndpointId] });
      assert.deepEqual(deleted.Unsuccessful, []);
      await eventually(async () => (await sdk.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [ep.VpcEndpointId] })).VpcEndpoints[0].State === 'deleted');
    });
  }
});
