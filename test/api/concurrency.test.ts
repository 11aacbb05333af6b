/**
 * Concurrent writers: requests that race for the same subnet's addresses, names and counters are
 * serialised by the store (SQLite's connection, PostgreSQL's advisory lock) — no address is
 * handed out twice, every acknowledged resource exists, and the server answers throughout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateVpcCommand, DescribeNetworkInterfacesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DIALECTS, startTestServer } from '../support/harness.js';
import { ec2Client, elbClient, seedNetwork } from '../elb/fixtures.js';

const N = 24;

for (const dialect of DIALECTS) {
  describe(`concurrent writers on ${dialect}`, () => {
    it(`${N} load balancers created at once in one subnet get distinct node addresses`, async (t) => {
      const server = await startTestServer(t, { dialect });
      const net = await seedNetwork(server, '111111111111', '10.0.0.0/16', [['10.0.1.0/24', 'us-east-1a']]);
      const elb = elbClient(server, '111111111111');
      t.after(() => elb.destroy());
      const made = await Promise.all(Array.from({ length: N }, (_, i) =>
        elb.send(new CreateLoadBalancerCommand({ Name: `nlb-${i}`, Type: 'network', Scheme: 'internal', Subnets: [net.subnetIds[0]!] }))));
      const addresses = made.map((r) => r.LoadBalancers![0]!.AvailabilityZones![0]!.LoadBalancerAddresses![0]!.PrivateIPv4Address!);
      assert.equal(new Set(addresses).size, N, `addresses handed out twice: ${addresses.join(' ')}`);
      const ec2 = ec2Client(server, '111111111111');
      t.after(() => ec2.destroy());
      const enis = (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [net.subnetIds[0]!] }] }))).NetworkInterfaces!;
      assert.equal(enis.length, N);
      assert.deepEqual(new Set(enis.map((e) => e.PrivateIpAddress)), new Set(addresses));
    });

    it('two accounts creating VPCs at once each see exactly their own', async (t) => {
      const server = await startTestServer(t, { dialect });
      const a = ec2Client(server, '111111111111');
      const b = ec2Client(server, '222222222222');
      t.after(() => { a.destroy(); b.destroy(); });
      const results = await Promise.all(Array.from({ length: N }, (_, i) =>
        (i % 2 ? b : a).send(new CreateVpcCommand({ CidrBlock: `10.${i}.0.0/16` }))));
      const mine = (client: typeof a) => client.send(new DescribeVpcsCommand({})).then((r) => r.Vpcs!.map((v) => v.VpcId!).sort());
      const want = (parity: number) => results.filter((_, i) => i % 2 === parity).map((r) => r.Vpc!.VpcId!).sort();
      assert.deepEqual(await mine(a), want(0));
      assert.deepEqual(await mine(b), want(1));
    });
  });
}
