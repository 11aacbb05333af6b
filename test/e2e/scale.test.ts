/**
 * 10,000 concurrent flows through one endpoint (netns, root; a failure under CI when it cannot
 * run): a consumer workload opens them all (bounded in time), each echoes through the endpoint,
 * the ENI's node worker and a provider target; metrics count every one as active; once the client
 * closes them, nothing is left: no active flow in the metrics, no established socket at the
 * target, the worker's open files back near where they started. Reports the worker's memory per
 * flow as a diagnostic (measured by the benchmark of issue 5, not asserted here).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { NetnsBackend } from '../../src/net/netns.js';
import { eventually, startTestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';
import { runIn } from '../net/topologies.js';
import { netnsSuite } from './netns-suite.js';

const { kernel, prefix: PREFIX } = netnsSuite('uz', 'scale tests');
const FLOWS = Number(process.env.UNDERPASS_SCALE_FLOWS ?? 10_000);

/** Echo target holding every connection open. */
const ECHO = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.pipe(s); })
  .listen({ host, port: Number(port), backlog: 4096 }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 120000).unref();
`;

/** Opens N connections (at most 500 connecting at once), each echoing one byte; prints 'open <n> <failed>'; closes all on a stdin line. */
const MANY = `
const net = require('node:net');
const [host, port, n] = process.argv.slice(1);
const N = Number(n);
const socks = [];
let started = 0, open = 0, failed = 0, inflight = 0;
const deadline = setTimeout(() => { process.stdout.write('open ' + open + ' ' + failed + ' timeout\\n'); }, 60000);
function next() {
  while (inflight < 500 && started < N) {
    started++; inflight++;
    const s = net.connect({ host, port: Number(port) });
    let done = false;
    const settle = (ok) => { if (done) return; done = true; inflight--; ok ? open++ : failed++; if (open + failed === N) { clearTimeout(deadline); process.stdout.write('open ' + open + ' ' + failed + '\\n'); } next(); };
    s.on('connect', () => s.write('x'));
    s.once('data', () => settle(true));
    s.on('error', () => settle(false));
    s.on('close', () => settle(false));
    socks.push(s);
  }
}
next();
process.stdin.once('data', () => {
  for (const s of socks) s.destroy();
  setTimeout(() => { process.stdout.write('closed\\n'); process.exit(0); }, 200);
});
setTimeout(() => process.exit(3), 110000).unref();
`;

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) * 1024;
}

describe('scale (netns)', kernel, () => {
  it(`${FLOWS} concurrent flows through one endpoint: all carried, all counted, none left behind`, async (t: TestContext) => {
    const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX, healthIntervalOverrideMs: 500 });
    const plane = up.dataPlane!;
    const b = plane.backend as NetnsBackend;
    const prov = sdkClients(up.endpoint, '111111111111');
    const cons = sdkClients(up.endpoint, '222222222222');
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'big', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({ Name: 'big', Protocol: 'TCP', Port: 7000, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await eventually(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 1, 15_000);
    const target = await b.createWorkload({ vpcId: pv, subnetId: ps, ip: '10.0.1.200', name: 'big-t' });
    t.after(() => b.removeWorkload(target.namespace).catch(() => {}));
    const echo = b.execIn(target.namespace, [process.execPath, '-e', ECHO, target.ip, '7000'], { timeoutMs: 130_000 });
    t.after(() => { echo.kill('SIGKILL'); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('echo target not ready')), 5000);
      echo.stdout?.once('data', () => { clearTimeout(timer); resolve(); });
    });
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: target.ip, Port: 7000 }] }));
    const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration;
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    // A service is Pending for the state delay; consumers cannot find it before it is Available.
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 20_000, 50);

    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc.VpcId as string;
    const cs = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.1.0.0/16' }] }] }));
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs], SecurityGroupIds: [sg] }))).VpcEndpoint;
    const live = await eventually(async () => {
      const e = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
      return e.State === 'available' ? e : undefined;
    }, 20_000, 50);
    const eniIp = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: live.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;

    // The node's worker processes hold the ENI's listener in the consumer namespace: their pids.
    const ssOut = await runIn(b, b.routerNamespace(cv), ['ss', '-Hltnp', 'sport = :80']);
    const pids = [...ssOut.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(pids.length >= 1, `the node workers hold the ENI listener: ${ssOut}`);
    const fds = () => pids.reduce((n, p) => n + fdCount(p), 0);
    const rss = () => pids.reduce((n, p) => n + rssBytes(p), 0);
    const fdsBefore = fds();
    const rssBefore = rss();

    const client = await b.createWorkload({ vpcId: cv, subnetId: cs, ip: '10.1.1.100', name: 'big-c' });
    t.after(() => b.removeWorkload(client.namespace).catch(() => {}));
    const many = b.execIn(client.namespace, [process.execPath, '-e', MANY, eniIp, '80', String(FLOWS)], { timeoutMs: 120_000, stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => { many.kill('SIGKILL'); });
    let out = '';
    many.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const t0 = Date.now();
    await eventually(async () => out.includes('open '), 70_000, 100);
    const openMs = Date.now() - t0;
    const [, opened, failed] = out.trim().split(' ');
    if (`${opened} ${failed}` !== `${FLOWS} 0`) {
      await new Promise((r) => setTimeout(r, 1500)); // the flow log is flushed once a second
      const rejects = (await readFile(join(up.dataDir, 'flow-logs', 'flows.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('REJECT'));
      assert.fail(`${out.trim()}; refused flows: ${rejects.slice(0, 5).join(' | ')}`);
    }

    const active = async () => (await (await fetch(`${up.endpoint}/metrics`, { headers: { authorization: `Bearer ${up.adminToken}` } })).text())
      .split('\n').filter((l) => l.startsWith('aws_privatelinkendpoints_ActiveConnections{') && l.includes(ep.VpcEndpointId))
      .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
    await eventually(async () => (await active()) === FLOWS, 5000, 200);
    const rssAt = rss();
    const fdsAt = fds();
    assert.ok(fdsAt >= fdsBefore + 2 * FLOWS - 10, `two sockets per flow in the workers (${fdsBefore} → ${fdsAt})`);

    many.stdin?.write('close\n');
    await eventually(async () => out.includes('closed'), 10_000, 50);
    await eventually(async () => (await active()) === 0, 10_000, 200);
    // Every flow accounted for: as many new connections counted as were opened, and no refusal.
    const text = await (await fetch(`${up.endpoint}/metrics`, { headers: { authorization: `Bearer ${up.adminToken}` } })).text();
    const sum = (name: string) => text.split('\n').filter((l) => l.startsWith(name) && l.includes(ep.VpcEndpointId)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    assert.equal(sum('aws_privatelinkendpoints_NewConnections_total'), FLOWS);
    assert.equal(sum('aws_privatelinkendpoints_PacketsDropped_total'), 0);
    await eventually(async () => fds() <= fdsBefore + 5, 10_000, 100);
    const established = (await runIn(b, target.namespace, ['ss', '-Htn', 'state', 'established'])).trim();
    assert.equal(established, '', 'no flow left open at the target');
    t.diagnostic(`${FLOWS} flows opened in ${openMs} ms over ${pids.length} worker process(es); worker RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAt / 2 ** 20).toFixed(0)} MiB `
      + `(${((rssAt - rssBefore) / FLOWS / 1024).toFixed(1)} KiB per flow); fds ${fdsBefore} → ${fdsAt} → ${fds()}`);
  });
});
