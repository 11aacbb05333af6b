/**
 * `underpass exec` end to end: a real Underpass with the netns data plane, the real command
 * (`node bin/underpass.js exec`) finding it through UNDERPASS_DATA_DIR, real namespaces. Root
 * needed (skipped with a message otherwise, failed under CI). The server uses a name prefix of
 * this test's own, swept after each test even when it fails.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { adminRequest, ApiClient, asList, str, type XmlObject } from '../../src/cli/api-client.js';
import { findServer } from '../../src/cli/config.js';
import { cannotRun } from '../net/topologies.js';
import { eventually, type TestServer } from '../support/harness.js';
import { namespaces, netnsServer, underpass } from './support.js';

const why = cannotRun();
if (why && process.env.CI) throw new Error(`exec tests cannot run under CI: ${why}`);
const kernel = why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {};

const PROVIDER = '111111111111';
const OTHER = '222222222222';

/** The provider's VPC 10.0.0.0/16 with subnets 10.0.1.0/24 (`one`) and 10.0.2.0/24 (`two`); `lowest` is the one with the lower id. */
async function providerVpc(up: TestServer): Promise<{ api: ApiClient; vpcId: string; one: string; two: string; lowest: string }> {
  const api = new ApiClient({ endpoint: up.endpoint, region: up.region, credentials: { accessKeyId: PROVIDER, secretAccessKey: 'test' } });
  const vpcId = str((((await api.ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' })).vpc) as XmlObject).vpcId);
  const subnet = async (cidr: string, az: string) => str(((await api.ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az })).subnet as XmlObject).subnetId);
  const one = await subnet('10.0.1.0/24', 'us-east-1a');
  const two = await subnet('10.0.2.0/24', 'us-east-1b');
  return { api, vpcId, one, two, lowest: one < two ? one : two };
}

async function workloadEnis(api: ApiClient, vpcId: string): Promise<XmlObject[]> {
  const r = await api.ec2('DescribeNetworkInterfaces', { Filter: [{ Name: 'vpc-id', Value: [vpcId] }] });
  return asList(r.networkInterfaceSet).filter((e) => str(e.description) === 'underpass exec workload');
}

describe('underpass exec', kernel, () => {
  it('runs a command in the VPC with its own address, propagates the exit code, and leaves nothing behind', async (t) => {
    const { up, prefix } = await netnsServer(t);
    const { api, vpcId, one, two, lowest } = await providerVpc(up);

    const r = await underpass(up.dataDir, PROVIDER, ['exec', '--vpc', vpcId, '--', 'sh', '-c', 'echo "ip=$UNDERPASS_IP vpc=$UNDERPASS_VPC_ID subnet=$UNDERPASS_SUBNET_ID eni=$UNDERPASS_ENI_ID"; ip -4 addr']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^ip=(\S+) vpc=(\S+) subnet=(\S+) eni=(eni-[0-9a-f]+)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const [, ip, vpc, subnet] = m;
    assert.equal(vpc, vpcId);
    assert.equal(subnet, lowest, 'the subnet with the lowest id');
    // The first address AWS does not reserve (.0-.3) in that subnet.
    assert.equal(ip, lowest === one ? '10.0.1.4' : '10.0.2.4');
    assert.match(r.stdout, new RegExp(`inet ${ip!.replace(/\./g, '\\.')}/24 `), 'ip -4 addr inside the namespace shows the workload address');
    assert.doesNotMatch(r.stdout, /inet (?!127\.0\.0\.1|10\.0\.)/, 'no host address is visible inside');

    const seven = await underpass(up.dataDir, PROVIDER, ['exec', '--vpc', vpcId, '--', 'sh', '-c', 'exit 7']);
    assert.equal(seven.code, 7, seven.stderr);

    const chosen = await underpass(up.dataDir, PROVIDER, ['exec', '--vpc', vpcId, '--subnet', two, '--ip', '10.0.2.50', '--', 'sh', '-c', 'echo "$UNDERPASS_IP $UNDERPASS_SUBNET_ID"; ip -4 -o addr show dev eth0']);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout.split('\n')[0], `10.0.2.50 ${two}`);
    assert.match(chosen.stdout, /inet 10\.0\.2\.50\/24 /);

    const outside = await underpass(up.dataDir, PROVIDER, ['exec', '--vpc', vpcId, '--subnet', one, '--ip', '10.0.2.50', '--', 'true']);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /CreateNetworkInterface: InvalidParameterValue: Address 10\.0\.2\.50 does not fall within/);

    await eventually(async () => namespaces(`${prefix}w`).length === 0, 5000);
    assert.deepEqual(await workloadEnis(api, vpcId), [], 'every workload ENI deleted');
  });

  it('refuses a VPC of another account and a VPC without subnets, creating nothing', async (t) => {
    const { up, prefix } = await netnsServer(t);
    const { api, vpcId } = await providerVpc(up);
    const r = await underpass(up.dataDir, OTHER, ['exec', '--vpc', vpcId, '--', 'true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`underpass: VPC ${vpcId} does not exist or is not yours: the credentials in use \\(access key ${OTHER}\\) must own it \\(InvalidVpcID.NotFound`));
    const empty = str((((await api.ec2('CreateVpc', { CidrBlock: '10.9.0.0/16' })).vpc) as XmlObject).vpcId);
    const r2 = await underpass(up.dataDir, PROVIDER, ['exec', '--vpc', empty, '--', 'true']);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`VPC ${empty} has no subnet`));
    assert.deepEqual(await workloadEnis(api, vpcId), []);
    assert.deepEqual(namespaces(`${prefix}w`), []);
  });

  it('forwards SIGTERM to the command, answers 143, and deletes the ENI with its security groups and tag', async (t) => {
    const { up, prefix } = await netnsServer(t);
    const { api, vpcId } = await providerVpc(up);
    const sg = str((await api.ec2('CreateSecurityGroup', { GroupName: 'workers', GroupDescription: 'workers', VpcId: vpcId })).groupId);
    let pid = 0;
    const run = underpass(up.dataDir, PROVIDER, ['exec', '--vpc', vpcId, '--security-group', sg, '--', 'sleep', '60'], { onSpawn: (p) => { pid = p; } });
    const eni = await eventually(async () => (await workloadEnis(api, vpcId))[0], 20_000);
    assert.deepEqual(asList(eni.groupSet).map((g) => str(g.groupId)), [sg]);
    assert.deepEqual(asList(eni.tagSet).map((x) => [str(x.key), str(x.value)]), [['underpass:workload', 'sleep 60']]);
    const eniId = str(eni.networkInterfaceId);
    const info = findServer(up.dataDir);
    const w = await eventually(async () => {
      const a = await adminRequest(info, 'GET', `/workloads/${eniId}`);
      return a.status === 200 ? a.json : undefined;
    }, 20_000);
    assert.ok(namespaces(prefix).includes(String(w.namespace)));
    // The command runs inside the workload namespace.
    await eventually(async () => execFileSync('ip', ['netns', 'pids', String(w.namespace)], { encoding: 'utf8' }).trim().length > 0, 5000);
    process.kill(pid, 'SIGTERM');
    const r = await run;
    assert.equal(r.code, 143, r.stderr);
    await eventually(async () => !namespaces(prefix).includes(String(w.namespace)), 5000);
    assert.deepEqual(await workloadEnis(api, vpcId), []);
  });
});
