/**
 * End to end through the API (the real @aws-sdk v3 clients) and real namespaces (root; skipped
 * otherwise, a failure under CI): the NLB and endpoint behaviours of issue 3's acceptance that
 * endpoint-traffic.test.ts does not cover. One Underpass per test, built by `buildWorld`: a
 * provider NLB service (two zones, one target workload per zone) and a consumer endpoint with an
 * ENI in each zone, in an overlapping VPC.
 *
 * - routing: cross-zone off (each ENI reaches only its zone's target) and on (both); an unhealthy
 *   target gets no new flows; fail open when no target in scope is healthy;
 * - deregistration: a draining target gets no new flows, and with connection termination its
 *   established flow is reset when the delay ends;
 * - the endpoint: RemoveSubnetIds / AddSubnetIds live, a security group admitting a referenced
 *   group (a client ENI made by CreateNetworkInterface), DeleteVpcEndpoints resetting flows.
 *
 * Everything carries this file's own prefix and is removed even when a test fails; every wait is bounded.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DataPlane } from '../../src/dataplane/plane.js';
import { NetnsBackend, type Workload } from '../../src/net/netns.js';
import { eventually, startTestServer, type TestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';
import { runIn } from '../net/topologies.js';
import { netnsSuite } from './netns-suite.js';

const { kernel, prefix: PREFIX } = netnsSuite('ub', 'end-to-end data-plane tests');
const PROVIDER = '111111111111';
const CONSUMER = '222222222222';
const TRAFFIC_PORT = 7000;
const HEALTH_PORT = 7001;


/** Target: answers `<label> <peer>` to every connection; a connection that sends `hold` gets `held <label>` and stays open. */
const TARGET = `
const net = require('node:net');
const [host, port, label] = process.argv.slice(1);
net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', (d) => {
    if (d.toString() === 'hold') s.write('held ' + label + '\\n');
    else s.end(label + ' ' + s.remoteAddress + '\\n');
  });
})
  .listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 110000).unref();
`;

/** Health-check responder: accepts and closes (a TCP health check passes on connect). */
const HEALTH = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.destroy(); })
  .listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 110000).unref();
`;

/** N parallel connections (distinct source ports): send `hello`, collect the answer, or the error. */
const MANY = `
const net = require('node:net');
const [host, port, ms, n] = process.argv.slice(1);
const one = () => new Promise((resolve) => {
  const s = net.connect({ host, port: Number(port) });
  let data = '';
  let done = false;
  const fin = (r) => { if (!done) { done = true; s.destroy(); resolve(r); } };
  s.setTimeout(Number(ms), () => fin({ ok: false, error: 'timeout' }));
  s.on('connect', () => s.write('hello'));
  s.on('data', (d) => { data += d; });
  s.on('end', () => { const [label, peer] = data.trim().split(' '); fin({ ok: true, label, peer }); });
  s.on('error', (e) => fin({ ok: false, error: e.code || e.message }));
});
Promise.all(Array.from({ length: Number(n) }, one)).then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); });
`;

/** Holds a connection open; prints `open <label>`, then how it ended (`error <code>` or `closed`). */
const HOLD = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
s.on('connect', () => s.write('hold'));
s.on('data', (d) => { const m = /held (\\S+)/.exec(d.toString()); if (m) process.stdout.write('open ' + m[1] + '\\n'); });
s.on('error', (e) => { process.stdout.write('error ' + (e.code || e.message) + '\\n'); process.exit(0); });
s.on('close', () => { process.stdout.write('closed\\n'); process.exit(0); });
setTimeout(() => { process.stdout.write('still-open\\n'); process.exit(0); }, 30000);
`;

type Hit = { ok: true; label: string; peer: string } | { ok: false; error: string };

/** `n` parallel connections from `ns` to host:port (each bounded by `ms`). */
async function connectMany(w: World, ns: string, host: string, n: number, ms = 2000): Promise<Hit[]> {
  return JSON.parse(await runIn(w.b, ns, [process.execPath, '-e', MANY, host, '80', String(ms), String(n)])) as Hit[];
}

/** `{ t1: 12, t2: 18, errors: [...] }`. */
function tally(hits: Hit[]): { labels: Record<string, number>; errors: string[] } {
  const labels: Record<string, number> = {};
  const errors: string[] = [];
  for (const h of hits) {
    if (h.ok) labels[h.label] = (labels[h.label] ?? 0) + 1;
    else errors.push(h.error);
  }
  return { labels, errors };
}

interface Hold { out: () => string; child: ChildProcess; label: string }

/** A held flow from `ns` to host:80; resolves once the target answered (bounded). */
async function hold(t: TestContext, w: World, ns: string, host: string): Promise<Hold> {
  const child = w.b.execIn(ns, [process.execPath, '-e', HOLD, host, '80'], { timeoutMs: 40_000 });
  t.after(() => { child.kill('SIGKILL'); });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  await eventually(async () => out.includes('open'), 5000, 20).catch((e: Error) => { throw new Error(`${e.message}: the held flow printed ${JSON.stringify(out)}`); });
  return { out: () => out, child, label: /open (\S+)/.exec(out)![1]! };
}

/** Waits until the held flow ended; the time since `t0` in ms and how it ended. */
async function ended(h: Hold, t0: number, timeoutMs = 6000): Promise<{ ms: number; how: string }> {
  await eventually(async () => /closed|error|still-open/.test(h.out()), timeoutMs, 10)
    .catch((e: Error) => { throw new Error(`${e.message}: the held flow printed ${JSON.stringify(h.out())} (still open)`); });
  return { ms: Date.now() - t0, how: h.out().split('\n').filter((l) => l && !l.startsWith('open')).join(' ') };
}

/** A server process in a target namespace (killed after the test; exits by itself after 110 s). */
async function startProc(t: TestContext, w: { b: NetnsBackend }, ns: string, script: string, args: string[], what: string): Promise<ChildProcess> {
  const child = w.b.execIn(ns, [process.execPath, '-e', script, ...args], { timeoutMs: 115_000 });
  t.after(() => { child.kill('SIGKILL'); });
  let o = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready after 5 s`)), 5000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { o += d; if (o.includes('ready')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`${what} exited ${c}`)); });
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
}

type Clients = ReturnType<typeof sdkClients>;

interface TargetProcs { workload: Workload; traffic: ChildProcess; health?: ChildProcess }

interface World {
  up: TestServer;
  plane: DataPlane;
  b: NetnsBackend;
  prov: Clients;
  cons: Clients;
  ec2(c: Clients, cmd: unknown): Promise<any>;
  elb(c: Clients, cmd: unknown): Promise<any>;
  lbArn: string;
  tgArn: string;
  cv: string;
  cs1: string;
  cs2: string;
  /** The endpoint's security group (admits tcp/80 from 10.0.0.0/16). */
  sg: string;
  epId: string;
  /** ENI address per consumer subnet. */
  eniA: string;
  eniB: string;
  targets: { t1: TargetProcs; t2: TargetProcs };
  /** A consumer workload in zone a (not an ENI the control plane knows). */
  client: Workload;
  /** Target id → `state` or `state/reason`. */
  health(): Promise<Record<string, string>>;
  endpoint(): Promise<any>;
  /** Starts target `name`'s traffic server again. */
  restartTraffic(t: TestContext, name: 't1' | 't2'): Promise<void>;
}

interface WorldOptions {
  /** LB attribute load_balancing.cross_zone.enabled. */
  crossZone?: boolean;
  /** Target group attributes set before the targets are registered. */
  tgAttributes?: Record<string, string>;
  /** Health checks on a port of their own (a responder process per target), so health and traffic can fail separately. */
  separateHealthPort?: boolean;
}

/**
 * Provider (10.0.0.0/16, zones a and b): NLB, TCP target group of two ip targets t1 (10.0.1.200,
 * zone a) and t2 (10.0.2.200, zone b), listener 80, service without acceptance. Consumer (also
 * 10.0.0.0/16): endpoint in both zones, SG admitting tcp/80 from the VPC, a client workload in
 * zone a. Returns once the endpoint is available and both targets are healthy.
 */
async function buildWorld(t: TestContext, opts: WorldOptions = {}): Promise<World> {
  const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX, healthIntervalOverrideMs: 200 });
  const plane = up.dataPlane!;
  const b = plane.backend as NetnsBackend;
  const prov = sdkClients(up.endpoint, PROVIDER);
  const cons = sdkClients(up.endpoint, CONSUMER);
  const ec2 = (c: Clients, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
  const elb = (c: Clients, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

  const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
  const ps1 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
  const ps2 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
  const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'svc', Type: 'network', Scheme: 'internal', Subnets: [ps1, ps2] }))).LoadBalancers[0].LoadBalancerArn as string;
  if (opts.crossZone) {
    await elb(prov, new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }] }));
  }
  const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({
    Name: 'svc-tg', Protocol: 'TCP', Port: TRAFFIC_PORT, VpcId: pv, TargetType: 'ip', HealthCheckProtocol: 'TCP',
    HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
    ...(opts.separateHealthPort ? { HealthCheckPort: String(HEALTH_PORT) } : {}),
  }))).TargetGroups[0].TargetGroupArn as string;
  if (opts.tgAttributes) {
    await elb(prov, new ELB.ModifyTargetGroupAttributesCommand({
      TargetGroupArn: tgArn, Attributes: Object.entries(opts.tgAttributes).map(([Key, Value]) => ({ Key, Value })),
    }));
  }
  await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));

  // Targets at the top of each provider subnet (the control plane allocates ENIs from the bottom).
  await eventually(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 2, 15_000);
  const w1 = await b.createWorkload({ vpcId: pv, subnetId: ps1, ip: '10.0.1.200', name: 'bh-t1' });
  t.after(() => b.removeWorkload(w1.namespace).catch(() => {}));
  const w2 = await b.createWorkload({ vpcId: pv, subnetId: ps2, ip: '10.0.2.200', name: 'bh-t2' });
  t.after(() => b.removeWorkload(w2.namespace).catch(() => {}));
  const procs = async (wl: Workload, label: string): Promise<TargetProcs> => ({
    workload: wl,
    traffic: await startProc(t, { b }, wl.namespace, TARGET, [wl.ip, String(TRAFFIC_PORT), label], `target ${label}`),
    ...(opts.separateHealthPort ? { health: await startProc(t, { b }, wl.namespace, HEALTH, [wl.ip, String(HEALTH_PORT)], `health responder ${label}`) } : {}),
  });
  const targets = { t1: await procs(w1, 't1'), t2: await procs(w2, 't2') };
  await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: w1.ip, Port: TRAFFIC_PORT }, { Id: w2.ip, Port: TRAFFIC_PORT }] }));
  const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration;
  await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));
  // A service is Pending for the state delay; consumers cannot find it before it is Available.
  await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 20_000, 50);

  const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
  const cs1 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
  const cs2 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
  const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
  await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
  const epId = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
    VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs1, cs2], SecurityGroupIds: [sg],
  }))).VpcEndpoint.VpcEndpointId as string;
  const endpoint = async () => (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [epId] }))).VpcEndpoints[0];
  await eventually(async () => (await endpoint()).State === 'available', 20_000, 50);
  const enis = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: (await endpoint()).NetworkInterfaceIds }))).NetworkInterfaces;
  const eniA = enis.find((n: any) => n.SubnetId === cs1).PrivateIpAddress as string;
  const eniB = enis.find((n: any) => n.SubnetId === cs2).PrivateIpAddress as string;
  const client = await b.createWorkload({ vpcId: cv, subnetId: cs1, ip: '10.0.1.100', name: 'bh-c1' });
  t.after(() => b.removeWorkload(client.namespace).catch(() => {}));

  const health = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const d of (await elb(prov, new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions) {
      out[d.Target.Id] = d.TargetHealth.Reason && d.TargetHealth.State !== 'healthy' ? `${d.TargetHealth.State}/${d.TargetHealth.Reason}` : d.TargetHealth.State;
    }
    return out;
  };
  await eventually(async () => { const h = await health(); return h['10.0.1.200'] === 'healthy' && h['10.0.2.200'] === 'healthy'; }, 15_000, 100)
    .catch(async (e: Error) => { throw new Error(`${e.message}: targets ${JSON.stringify(await health())}`); });

  const world: World = {
    up, plane, b, prov, cons, ec2, elb, lbArn, tgArn, cv, cs1, cs2, sg, epId, eniA, eniB, targets, client, health, endpoint,
    async restartTraffic(tc, name) {
      const p = targets[name];
      p.traffic = await startProc(tc, { b }, p.workload.namespace, TARGET, [p.workload.ip, String(TRAFFIC_PORT), name], `target ${name} (again)`);
    },
  };
  return world;
}

describe('NLB and endpoint behaviours (netns, through the API)', kernel, () => {
  it('cross-zone off and on; an unhealthy target gets no new flows; fail open when no target is healthy', async (t) => {
    const w = await buildWorld(t, { separateHealthPort: true });
    const c = w.client.namespace;

    // Cross-zone off: each ENI's node picks only its own zone's target.
    const offA = tally(await connectMany(w, c, w.eniA, 30));
    assert.deepEqual(offA, { labels: { t1: 30 }, errors: [] }, 'cross-zone off: the zone-a ENI reaches only the zone-a target');
    const offB = tally(await connectMany(w, c, w.eniB, 10));
    assert.deepEqual(offB, { labels: { t2: 10 }, errors: [] }, 'cross-zone off: the zone-b ENI reaches only the zone-b target');

    // Cross-zone on (load balancer attribute): the zone-a ENI reaches both, the flow hash spreading the connections.
    await w.elb(w.prov, new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: w.lbArn, Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }] }));
    const onA = await eventually(async () => {
      const r = tally(await connectMany(w, c, w.eniA, 30));
      return r.labels.t1 && r.labels.t2 ? r : undefined;
    }, 5000, 100);
    assert.deepEqual(onA.errors, []);
    t.diagnostic(`cross-zone on, 30 connections to the zone-a ENI: ${JSON.stringify(onA.labels)}`);

    // Unhealthy target: t1's server dies; DescribeTargetHealth says so, and new flows go to t2 only.
    const t0 = Date.now();
    await kill(w.targets.t1.traffic);
    await kill(w.targets.t1.health!);
    await eventually(async () => /^unhealthy\/Target\.(FailedHealthChecks|Timeout)$/.test((await w.health())['10.0.1.200'] ?? ''), 10_000, 50)
      .catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(await w.health())}`); });
    const unhealthyMs = Date.now() - t0;
    assert.equal((await w.health())['10.0.2.200'], 'healthy');
    const onlyT2 = tally(await connectMany(w, c, w.eniA, 20));
    assert.deepEqual(onlyT2, { labels: { t2: 20 }, errors: [] }, 'new flows go only to the healthy target');
    const onlyT2b = tally(await connectMany(w, c, w.eniB, 10));
    assert.deepEqual(onlyT2b, { labels: { t2: 10 }, errors: [] });

    // Fail open: t1 serves traffic again but still fails its health checks, and t2's health
    // checks fail too. No target in scope is healthy, so the node routes to all of them.
    await w.restartTraffic(t, 't1');
    await kill(w.targets.t2.health!);
    await eventually(async () => {
      const h = await w.health();
      return /^unhealthy\//.test(h['10.0.1.200'] ?? '') && /^unhealthy\//.test(h['10.0.2.200'] ?? '');
    }, 10_000, 50).catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(await w.health())}`); });
    const open = tally(await connectMany(w, c, w.eniA, 30));
    assert.deepEqual(open.errors, [], 'fail open: every connection is served by an (unhealthy) target');
    assert.ok(open.labels.t1 && open.labels.t2, `fail open reaches every target in scope: ${JSON.stringify(open.labels)}`);
    const h = await w.health();
    assert.ok(/^unhealthy\//.test(h['10.0.1.200']!) && /^unhealthy\//.test(h['10.0.2.200']!), `still both unhealthy: ${JSON.stringify(h)}`);
    t.diagnostic(`unhealthy reported ${unhealthyMs} ms after the kill; fail open over 30 connections: ${JSON.stringify(open.labels)}`);
  });

  it('deregistration: a draining target takes no new flows; connection termination resets its flow when the delay ends', async (t) => {
    const DELAY_S = 3;
    const w = await buildWorld(t, {
      crossZone: true,
      tgAttributes: { 'deregistration_delay.timeout_seconds': String(DELAY_S), 'deregistration_delay.connection_termination.enabled': 'true' },
    });
    const c = w.client.namespace;
    const held = await hold(t, w, c, w.eniA);
    const gone = held.label === 't1' ? '10.0.1.200' : '10.0.2.200';
    const other = held.label === 't1' ? 't2' : 't1';

    const t0 = Date.now();
    await w.elb(w.prov, new ELB.DeregisterTargetsCommand({ TargetGroupArn: w.tgArn, Targets: [{ Id: gone, Port: TRAFFIC_PORT }] }));
    assert.equal((await w.health())[gone], 'draining/Target.DeregistrationInProgress');
    // New flows (from both ENIs) avoid the draining target; give the data plane a tick to apply.
    let tries = 0;
    const during = await eventually(async () => {
      tries++;
      const r = tally(await connectMany(w, c, w.eniA, 20));
      return r.labels[held.label] === undefined ? r : undefined;
    }, 1500, 50);
    const duringB = tally(await connectMany(w, c, w.eniB, 10));
    const drainingStill = (await w.health())[gone];
    const checkedMs = Date.now() - t0;
    assert.ok(checkedMs < DELAY_S * 1000, `the checks ran within the delay (${checkedMs} ms)`);
    assert.equal(drainingStill, 'draining/Target.DeregistrationInProgress');
    assert.deepEqual(during, { labels: { [other]: 20 }, errors: [] }, 'no new flow to the draining target');
    assert.deepEqual(duringB, { labels: { [other]: 10 }, errors: [] });
    assert.equal(held.out().trim(), `open ${held.label}`, 'the established flow lives on while the target drains');

    // The delay ends: the target is gone from DescribeTargetHealth and its flow is reset.
    const end = await ended(held, t0, DELAY_S * 1000 + 4000);
    assert.match(end.how, /^error ECONNRESET/, `the held flow was reset: ${end.how}`);
    assert.ok(end.ms >= DELAY_S * 1000 - 100 && end.ms < DELAY_S * 1000 + 1500, `reset ${end.ms} ms after DeregisterTargets (delay ${DELAY_S} s)`);
    await eventually(async () => (await w.health())[gone] === undefined, 3000, 50);
    t.diagnostic(`held flow on ${held.label} reset ${end.ms} ms after DeregisterTargets (delay ${DELAY_S} s); draining honoured at try ${tries}`);
  });

  it('ModifyVpcEndpoint RemoveSubnetIds resets the removed ENI\'s flows and stops it; AddSubnetIds brings the zone back', async (t) => {
    const w = await buildWorld(t);
    const c = w.client.namespace;

    // RemoveSubnetIds: the zone-b ENI's flow is reset, the ENI stops answering; zone a still serves.
    assert.deepEqual(tally(await connectMany(w, c, w.eniB, 3)), { labels: { t2: 3 }, errors: [] });
    const heldB = await hold(t, w, c, w.eniB);
    const t0 = Date.now();
    await w.ec2(w.cons, new EC2.ModifyVpcEndpointCommand({ VpcEndpointId: w.epId, RemoveSubnetIds: [w.cs2] }));
    // How the held flow ends is asserted last, so the other checks run whatever it shows.
    const removedP = ended(heldB, t0, 3000).then((r) => r, async (e: Error) => {
      const ss = await runIn(w.b, w.b.routerNamespace(w.cv), ['ss', '-tan']).catch((x: Error) => x.message);
      return { ms: NaN, how: `${e.message}; consumer router sockets now:\n${ss}` };
    });
    await eventually(async () => w.plane.endpointStatus(w.epId)?.enis.length === 1, 3000, 20);
    const gone = tally(await connectMany(w, c, w.eniB, 2, 1500));
    assert.deepEqual(gone.labels, {}, 'the removed ENI answers no more');
    assert.deepEqual(tally(await connectMany(w, c, w.eniA, 5)), { labels: { t1: 5 }, errors: [] }, 'the other zone still serves');
    assert.deepEqual((await w.endpoint()).SubnetIds, [w.cs1]);

    // AddSubnetIds: a new zone-b ENI serves again.
    await w.ec2(w.cons, new EC2.ModifyVpcEndpointCommand({ VpcEndpointId: w.epId, AddSubnetIds: [w.cs2] }));
    const eniB2 = await eventually(async () => {
      const ep = await w.endpoint();
      if (ep.NetworkInterfaceIds.length !== 2) return undefined;
      const enis = (await w.ec2(w.cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ep.NetworkInterfaceIds }))).NetworkInterfaces;
      return enis.find((n: any) => n.SubnetId === w.cs2)?.PrivateIpAddress as string | undefined;
    }, 5000, 50);
    const back = await eventually(async () => {
      const r = tally(await connectMany(w, c, eniB2, 5, 1000));
      return r.labels.t2 === 5 ? r : undefined;
    }, 10_000, 100);
    assert.deepEqual(back, { labels: { t2: 5 }, errors: [] });
    await eventually(async () => (await w.endpoint()).State === 'available', 10_000, 50);

    const removed = await removedP;
    t.diagnostic(`RemoveSubnetIds: held flow ended ${JSON.stringify({ ms: removed.ms, how: removed.how.split('\n')[0] })}; new connections to the removed ENI: ${gone.errors.join(', ')}; re-added ENI ${eniB2}`);
    assert.match(removed.how, /^error ECONNRESET/, `the flow through the removed ENI was reset: ${removed.how}`);
    assert.ok(removed.ms < 1500, `reset ${removed.ms} ms after RemoveSubnetIds`);
  });

  it('a security group admits the members of a referenced group (a CreateNetworkInterface client); DeleteVpcEndpoints resets flows', async (t) => {
    const w = await buildWorld(t);
    const c = w.client.namespace;

    // Referenced group: the endpoint SG admits members of `clients` only. A client ENI made by
    // CreateNetworkInterface in that group gets a workload namespace from the data plane.
    const clientsSg = (await w.ec2(w.cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'clients', Description: 'clients', VpcId: w.cv }))).GroupId as string;
    const eni = (await w.ec2(w.cons, new EC2.CreateNetworkInterfaceCommand({ SubnetId: w.cs1, Groups: [clientsSg], PrivateIpAddress: '10.0.1.150' }))).NetworkInterface;
    const member = await eventually(async () => w.plane.workload(eni.NetworkInterfaceId as string), 10_000, 50);
    assert.equal(member.ip, '10.0.1.150');
    await w.ec2(w.cons, new EC2.RevokeSecurityGroupIngressCommand({ GroupId: w.sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    await w.ec2(w.cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: w.sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: clientsSg }] }] }));
    await eventually(async () => tally(await connectMany(w, c, w.eniA, 1, 1000)).errors.length === 1, 5000, 100);
    const admitted = await eventually(async () => {
      const r = tally(await connectMany(w, member.namespace, w.eniA, 5));
      return r.errors.length === 0 ? r : undefined;
    }, 3000, 100).catch(async () => tally(await connectMany(w, member.namespace, w.eniA, 5)));
    assert.deepEqual(admitted, { labels: { t1: 5 }, errors: [] }, 'a member of the referenced group is admitted');
    const stranger = tally(await connectMany(w, c, w.eniA, 3, 1000));
    assert.deepEqual(stranger.labels, {}, 'a source outside the referenced group is refused');

    // DeleteVpcEndpoints: the established flow is reset within a second, new connections fail.
    const heldA = await hold(t, w, member.namespace, w.eniA);
    const t0 = Date.now();
    const del = await w.ec2(w.cons, new EC2.DeleteVpcEndpointsCommand({ VpcEndpointIds: [w.epId] }));
    assert.deepEqual(del.Unsuccessful ?? [], []);
    const deletedP = ended(heldA, t0, 3000).then((r) => r, async (e: Error) => {
      const ss = await runIn(w.b, w.b.routerNamespace(w.cv), ['ss', '-tan']).catch((x: Error) => x.message);
      return { ms: NaN, how: `${e.message}; consumer router sockets now:\n${ss}` };
    });
    await eventually(async () => w.plane.endpointStatus(w.epId) === undefined, 3000, 20);
    const afterDelete = tally(await connectMany(w, member.namespace, w.eniA, 2, 1500));
    assert.deepEqual(afterDelete.labels, {}, 'nothing answers on a deleted endpoint');
    assert.match((await w.endpoint())?.State ?? 'gone', /^(deleting|deleted|gone)$/);
    const deleted = await deletedP;
    t.diagnostic(`DeleteVpcEndpoints: held flow ended ${JSON.stringify(deleted)}; new connections: ${afterDelete.errors.join(', ')}`);
    assert.match(deleted.how, /^error ECONNRESET/, `the flow was reset: ${deleted.how}`);
    assert.ok(deleted.ms < 1500, `reset ${deleted.ms} ms after DeleteVpcEndpoints`);
  });
});
