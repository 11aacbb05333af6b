/**
 * THE acceptance test of the control plane: the two-account PrivateLink flow (flow.ts) driven by
 * three real clients — @aws-sdk v3 (with every re-reading check), boto3 and Debian's AWS CLI v2 (the
 * essential calls) — on each store back-end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS, startTestServer } from '../support/harness.js';
import { boto3Factory, cliFactory, runCli, sdkFactory, type AfterHost, type ClientFactory } from '../support/clients.js';
import { CONSUMER, PROVIDER, twoAccountFlow } from './flow.js';

const SPAWNED_CLI_OPS = new Set(['CreateVpcEndpointServiceConfiguration', 'DescribeVpcEndpointServices', 'CreateVpcEndpoint', 'AcceptVpcEndpointConnections', 'RejectVpcEndpointConnections']);

/**
 * `ticks: 'server'`: the server's own ticker advances the states (the production path; the delay
 * is long enough for the SDK to see pending and deleting). `ticks: 'test'`: the ticker never fires
 * and the flow runs one transition pass whenever it polls — slow clients still see every state.
 */
const CLIENTS: Array<{ name: 'sdk' | 'boto3' | 'cli'; full: boolean; ticks: 'server' | 'test'; make: (endpoint: string, t: AfterHost) => ClientFactory }> = [
  { name: 'sdk', full: true, ticks: 'server', make: (e) => sdkFactory(e) },
  { name: 'boto3', full: false, ticks: 'test', make: (e, t) => boto3Factory(e, t) },
  // Debian's AWS CLI v2: the calls that matter most spawn /usr/bin/aws itself; the rest run the same
  // CLI code in one long-lived python (a spawned CLI costs ~1 s of CPU per call).
  { name: 'cli', full: false, ticks: 'test', make: (e, t) => cliFactory(e, { t, spawnOps: SPAWNED_CLI_OPS }) },
];

describe('two-account PrivateLink flow with real clients', { concurrency: 2 }, () => {
  for (const dialect of DIALECTS) {
    for (const client of CLIENTS) {
      it(`${client.name} on ${dialect}`, { timeout: 300_000 }, async (t) => {
        // The server (registered first) closes before the python drivers are killed.
        const server = client.ticks === 'server'
          ? await startTestServer(t, { dialect, stateDelayMs: 400, tickMs: 20 })
          : await startTestServer(t, { dialect, stateDelayMs: 0, tickMs: 24 * 3600_000 });
        await twoAccountFlow(client.make(server.endpoint, t), { full: client.full, advance: client.ticks === 'test' ? () => server.tick() : undefined });
      });
    }
  }
});

describe('the AWS CLI with its ordinary flags (as the README walkthrough uses it)', () => {
  it('create-vpc, create-subnet, describe-vpcs, describe-availability-zones', { timeout: 120_000 }, async (t) => {
    const server = await startTestServer(t, { dialect: 'sqlite' });
    const aws = async (account: string, ...args: string[]) => {
      const r = await runCli(server.endpoint, account, args);
      assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const vpc = (await aws(PROVIDER, 'ec2', 'create-vpc', '--cidr-block', '10.0.0.0/16', '--tag-specifications', 'ResourceType=vpc,Tags=[{Key=Name,Value=cli vpc}]')).Vpc;
    assert.match(vpc.VpcId, /^vpc-[0-9a-f]{17}$/);
    assert.deepEqual(vpc.Tags, [{ Key: 'Name', Value: 'cli vpc' }]);
    const subnet = (await aws(PROVIDER, 'ec2', 'create-subnet', '--vpc-id', vpc.VpcId, '--cidr-block', '10.0.1.0/24', '--availability-zone', 'us-east-1b')).Subnet;
    assert.equal(subnet.AvailabilityZone, 'us-east-1b');
    const described = await aws(PROVIDER, 'ec2', 'describe-vpcs', '--vpc-ids', vpc.VpcId, '--filters', 'Name=tag:Name,Values=cli vpc');
    assert.deepEqual(described.Vpcs.map((v: { VpcId: string }) => v.VpcId), [vpc.VpcId]);
    // Another account does not see it: the CLI reports AWS's error and exits non-zero.
    const r = await runCli(server.endpoint, CONSUMER, ['ec2', 'describe-vpcs', '--vpc-ids', vpc.VpcId]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /An error occurred \(InvalidVpcID\.NotFound\) when calling the DescribeVpcs operation/);
    const zones = (await aws(PROVIDER, 'ec2', 'describe-availability-zones')).AvailabilityZones;
    assert.deepEqual(zones.map((z: { ZoneName: string }) => z.ZoneName), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });
});
