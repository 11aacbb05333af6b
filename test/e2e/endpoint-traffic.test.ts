/**
 * End to end through the API (the real @aws-sdk v3 clients) and real namespaces (root; skipped
 * otherwise, a failure under CI): a provider NLB service with two targets in two zones, a consumer
 * endpoint in an overlapping VPC, and traffic from a consumer workload through the endpoint ENI to
 * the targets. Checks: available only once listening, bytes and the node's source address at the
 * target, no direct path, security-group denial, reject resetting established flows, PROXY v2 at
 * the target, health checks reported by DescribeTargetHealth and steering traffic. Everything the
 * test creates carries its own prefix and is removed even when it fails.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { NetnsBackend } from '../../src/net/netns.js';
import { decodeProxyV2 } from '../../src/wire/proxy-v2.js';
import { eventually, startTestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';
import { connectFrom, runIn, startServer } from '../net/topologies.js';
import { netnsSuite } from './netns-suite.js';

const { kernel, prefix: PREFIX } = netnsSuite('ue', 'end-to-end data-plane tests');
const PROVIDER = '111111111111';
const CONSUMER = '222222222222';

/** Echo-ish target that first writes its raw first chunk back as base64 (to see PROXY headers). */
const RAW_TARGET = `
const net = require('node:net');
const [host, port, label] = process.argv.slice(1);
net.createServer((s) => {
  s.on('error', () => {});
  const chunks = [];
  s.on('data', (d) => {
    chunks.push(d);
    if (chunks.length > 1) return;
    setTimeout(() => { // a PROXY header and the payload may come in separate segments
      const all = Buffer.concat(chunks);
      if (all.toString() === 'hold') s.write('held\\n'); // keep the connection open
      else s.end(label + ' ' + s.remoteAddress + ' ' + all.toString('base64') + '\\n');
    }, 100);
  });
})
  .listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 60000).unref();
`;

/** Sends `hello`, waits for the answer (bounded). */
const SEND_CLIENT = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
let data = '';
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
s.setTimeout(Number(ms), () => { s.destroy(); done({ ok: false, error: 'timeout' }); });
s.on('connect', () => s.write('hello'));
s.on('data', (d) => { data += d; });
s.on('end', () => done({ ok: true, data: data.trim() }));
s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
`;

/** Holds a connection open; prints 'open', then how it ended. */
const HOLD_CLIENT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
s.on('connect', () => s.write('hold'));
s.on('data', (d) => process.stdout.write(d.toString().includes('held') ? 'open\\n' : ''));
s.on('error', (e) => { process.stdout.write('error ' + (e.code || e.message) + '\\n'); process.exit(0); });
s.on('close', () => { process.stdout.write('closed\\n'); process.exit(0); });
setTimeout(() => { process.stdout.write('still-open\\n'); process.exit(0); }, 15000);
`;

describe('interface endpoint traffic (netns, through the API)', kernel, () => {
  it('carries a consumer workload\'s connections to the provider\'s targets and nothing else', async (t) => {
    const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX, healthIntervalOverrideMs: 200 });
    const plane = up.dataPlane!;
    const b = plane.backend as NetnsBackend;
    const prov = sdkClients(up.endpoint, PROVIDER);
    const cons = sdkClients(up.endpoint, CONSUMER);
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    // Provider: VPC, two subnets in two zones, NLB, target group (ip), listener, service.
    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps1 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const ps2 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'svc', Type: 'network', Scheme: 'internal', Subnets: [ps1, ps2] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({
      Name: 'svc-tg', Protocol: 'TCP', Port: 7000, VpcId: pv, TargetType: 'ip', HealthCheckProtocol: 'TCP',
      HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    // The targets: workloads at the top of each subnet (the control plane allocates ENIs from the bottom).
    await eventually(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 2, 15_000);
    const t1 = await b.createWorkload({ vpcId: pv, subnetId: ps1, ip: '10.0.1.200', name: 'e2e-t1' });
    const t2 = await b.createWorkload({ vpcId: pv, subnetId: ps2, ip: '10.0.2.200', name: 'e2e-t2' });
    t.after(async () => { await b.removeWorkload(t1.namespace).catch(() => {}); await b.removeWorkload(t2.namespace).catch(() => {}); });
    await startRaw(t, b, t1.namespace, t1.ip, 7000, 't1');
    await startRaw(t, b, t2.namespace, t2.ip, 7000, 't2');
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: t1.ip, Port: 7000 }, { Id: t2.ip, Port: 7000 }] }));
    const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: true }))).ServiceConfiguration;
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));
    // A service is Pending for the state delay; consumers cannot find it before it is Available.
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 20_000, 50);

    // Consumer: the same CIDR, two subnets, an endpoint SG admitting tcp/80 from the VPC.
    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const cs1 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const cs2 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs1, cs2], SecurityGroupIds: [sg],
    }))).VpcEndpoint;
    assert.equal(ep.State, 'pendingAcceptance');
    await ec2(prov, new EC2.AcceptVpcEndpointConnectionsCommand({ ServiceId: svc.ServiceId, VpcEndpointIds: [ep.VpcEndpointId] }));
    const describe = async () => (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
    await eventually(async () => (await describe()).State === 'available', 20_000, 50);

    // Available means listening: the ENI in zone a answers at once.
    const enis = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: (await describe()).NetworkInterfaceIds }))).NetworkInterfaces;
    const eniA = enis.find((n: any) => n.SubnetId === cs1).PrivateIpAddress as string;
    const client = await b.createWorkload({ vpcId: cv, subnetId: cs1, ip: '10.0.1.100', name: 'e2e-c1' });
    t.after(() => b.removeWorkload(client.namespace).catch(() => {}));
    const first = await send(b, client.namespace, eniA, 80);
    assert.ok(first.ok, JSON.stringify(first));
    const [label, peer, raw] = first.data.split(' ');
    assert.equal(label, 't1', 'cross-zone is off: the zone-a node picks the zone-a target');
    const nodeA = (await elb(prov, new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers[0];
    void nodeA;
    assert.match(peer!, /^10\.0\.1\.\d+$/, 'the target sees an NLB node address in its own subnet');
    assert.equal(Buffer.from(raw!, 'base64').toString(), 'hello', `no PROXY header unless the group enables it: ${first.data}`);

    // No direct path: the target's address does not exist in the consumer VPC.
    const direct = await connectFrom(b, client.namespace, t1.ip, 7000, 1000);
    assert.equal(direct.ok, false);

    // Health checks: both targets become healthy in DescribeTargetHealth.
    const health = async () => (await elb(prov, new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions
      .map((d: any) => `${d.Target.Id}=${d.TargetHealth.State}`).sort().join(',');
    await eventually(async () => (await health()) === '10.0.1.200=healthy,10.0.2.200=healthy', 15_000, 100);

    // PROXY v2: the target gets the header with the consumer's address and the endpoint id.
    await elb(prov, new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }] }));
    const viaPp = await eventually(async () => {
      const r = await send(b, client.namespace, eniA, 80);
      return r.ok && Buffer.from(r.data.split(' ')[2]!, 'base64').length > 5 ? r : undefined;
    }, 5000, 100);
    const bytes = Buffer.from(viaPp.data.split(' ')[2]!, 'base64');
    const decoded = decodeProxyV2(bytes);
    assert.ok(decoded.header, 'a complete PROXY v2 header');
    if (decoded.header) {
      assert.equal(decoded.header.source?.address, client.ip);
      assert.equal(decoded.header.destination?.address, eniA);
      assert.equal(decoded.header.destination?.port, 80);
      assert.equal(decoded.header.vpceId, ep.VpcEndpointId);
      assert.equal(bytes.subarray(decoded.length).toString(), 'hello');
    }
    await elb(prov, new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'false' }] }));

    // Security groups: without the rule the ENI refuses; with it back, it admits.
    await ec2(cons, new EC2.RevokeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    await eventually(async () => !(await send(b, client.namespace, eniA, 80)).ok, 5000, 100);
    const why = await explain(up, { vpc: cv, from: client.ip, to: eniA, port: '80' });
    assert.equal(why.admit, false);
    assert.equal(why.stage, 'security-group', JSON.stringify(why));
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: `${client.ip}/32` }] }] }));
    await eventually(async () => (await send(b, client.namespace, eniA, 80)).ok, 5000, 100);
    const ok = await explain(up, { vpc: cv, from: client.ip, to: eniA, port: '80' });
    assert.equal(ok.admit, true, JSON.stringify(ok));
    assert.equal((await explain(up, { vpc: cv, from: client.ip, to: eniA, port: '443' })).stage, 'no-listener');

    // Metrics: the endpoint's connections and bytes, the refusals by stage, target health.
    const metric = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name) && l.includes(ep.VpcEndpointId))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    const scrape = async () => (await fetch(`${up.endpoint}/metrics`, { headers: { authorization: `Bearer ${up.adminToken}` } })).text();
    const m = await eventually(async () => {
      const text = await scrape();
      // Workers report once a second: wait for the report that holds the refusal as well.
      return metric(text, 'aws_privatelinkendpoints_NewConnections_total') >= 3
        && metric(text, 'underpass_flows_refused_total{stage="security-group"') >= 1 ? text : undefined;
    }, 5000, 200).catch(async (e: Error) => { throw new Error(`${e.message}: ${(await scrape()).split('\n').filter((l) => !l.startsWith('#')).join('\n')}`); });
    assert.ok(metric(m, 'aws_privatelinkendpoints_BytesProcessed_total') > 0, 'bytes counted');
    assert.ok(metric(m, 'underpass_flows_refused_total{stage="security-group"') >= 1, 'the security-group refusal counted');
    assert.match(m, /aws_networkelb_HealthyHostCount\{[^}]*\} 1/);
    assert.equal((await fetch(`${up.endpoint}/metrics`)).status, 401, 'metrics need the admin token');

    // Reject: an established flow is reset within a second or so, new ones are refused.
    const hold = b.execIn(client.namespace, [process.execPath, '-e', HOLD_CLIENT, eniA, '80'], { timeoutMs: 30_000 });
    t.after(() => { hold.kill('SIGKILL'); });
    let out = '';
    hold.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
    await eventually(async () => out.includes('open'), 5000).catch((e: Error) => { throw new Error(`${e.message}: the held flow printed ${JSON.stringify(out)}`); });
    const t0 = Date.now();
    await ec2(prov, new EC2.RejectVpcEndpointConnectionsCommand({ ServiceId: svc.ServiceId, VpcEndpointIds: [ep.VpcEndpointId] }));
    await eventually(async () => /closed|error/.test(out), 5000, 20);
    const resetMs = Date.now() - t0;
    assert.ok(resetMs < 2000, `flow reset ${resetMs} ms after the reject`);
    const after = await send(b, client.namespace, eniA, 80);
    assert.equal(after.ok, false);
    const whyNot = await explain(up, { vpc: cv, from: client.ip, to: eniA, port: '80' });
    assert.equal(whyNot.stage, 'endpoint-state', JSON.stringify(whyNot));
    assert.match(whyNot.reason, /is rejected/);

    // The flow log (flushed once a second) has the accepted flows and the refusals with their reason.
    const log = await eventually(async () => {
      const text = await readFile(join(up.dataDir, 'flow-logs', 'flows.log'), 'utf8').catch(() => '');
      return /REJECT OK .* security-group /.test(text) && / ACCEPT OK /.test(text) ? text : undefined;
    }, 5000, 200);
    assert.ok(log.startsWith('version account-id interface-id srcaddr dstaddr'), log.slice(0, 200));
    assert.match(log, new RegExp(` ${client.ip.replace(/\./g, '\\.')} ${eniA.replace(/\./g, '\\.')} \\d+ 80 6 - \\d+ \\d+ \\d+ ACCEPT OK ${cv} ${cs1} use1-az1 ingress`));
  });
});

async function startRaw(t: TestContext, b: NetnsBackend, ns: string, host: string, port: number, label: string): Promise<void> {
  const child = b.execIn(ns, [process.execPath, '-e', RAW_TARGET, host, String(port), label], { timeoutMs: 70_000 });
  t.after(() => { child.kill('SIGKILL'); });
  let o = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${label} not ready`)), 5000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { o += d; if (o.includes('ready')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`target ${label} exited ${c}`)); });
  });
}

async function send(b: NetnsBackend, ns: string, host: string, port: number): Promise<{ ok: true; data: string } | { ok: false; error: string }> {
  return JSON.parse(await runIn(b, ns, [process.execPath, '-e', SEND_CLIENT, host, String(port), '2000'])) as { ok: true; data: string } | { ok: false; error: string };
}

void startServer;

async function explain(up: { endpoint: string; adminToken: string }, q: Record<string, string>): Promise<any> {
  const res = await fetch(`${up.endpoint}/_underpass/explain?${new URLSearchParams(q)}`, { headers: { authorization: `Bearer ${up.adminToken}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}
