/**
 * Cross-namespace handle passing (netns backend, root needed; skipped otherwise, failed under CI):
 * an endpoint ENI's listening socket is created in the CONSUMER VPC's namespace by the listen
 * helper, handed through this process to the NLB-node worker running INSIDE the PROVIDER VPC's
 * namespace, which routes each consumer connection with `decideFlow` over a minimal desired state
 * (`minimalDesired`: one endpoint ENI bound to one node, two ports) and relays it to a target
 * workload natively. Checks echo, the source the target sees (the NLB node's ENI address), PROXY
 * v2 with the endpoint id, isolation, that no copy of the listener is left accepting (many
 * parallel connections all served; refused after detach), the worker's `report` messages (every
 * flow and the counters) and that no process is left. Traffic stays inside namespaces the test created; waits are bounded.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { after, describe, it, type TestContext } from 'node:test';
import { ListenHelper, NodeWorkerProcess, openListenerIn, type WorkerReport } from '../../src/dataplane/listeners.js';
import { NetnsBackend } from '../../src/net/netns.js';
import { healthKey, listenerIdOf, type HealthMap } from '../../src/policy/flow-route.js';
import type { DesiredState, DesiredTargetGroup } from '../../src/reconcile/desired-state.js';
import { decodeProxyV2 } from '../../src/wire/proxy-v2.js';
import { cannotRun, runIn } from '../net/topologies.js';

const why = cannotRun();
if (why && process.env.CI) throw new Error(`cross-netns tests cannot run under CI: ${why}`);
const kernel = why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {};
const PREFIX = `ux${process.pid % 1000}-`;
const VPCE = 'vpce-0123456789abcdef0';

after(async () => {
  if (why) return;
  const b = new NetnsBackend({ prefix: PREFIX });
  await b.sweep();
  assert.deepEqual((await b.listOwned()).namespaces, [], `namespaces with ${PREFIX} left behind`);
});

const ZONE = 'use1-az1';
const LB = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/svc/0123456789abcdef';
const TG_PLAIN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/plain/0123456789abcdef';
const TG_PP = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/pp/0123456789abcdef';

/**
 * The smallest valid desired state for one endpoint ENI served by one NLB node: the ENI listens
 * on 8080 (target group without PROXY) and 8443 (target group with PROXY v2), both forwarding to
 * the one target; the endpoint's security group admits tcp 8080-8443 from the client's CIDR.
 */
function minimalDesired(o: {
  consumerVpc: string; consumerSubnet: string; consumerCidr: string; eniIp: string; clientCidr: string;
  providerVpc: string; providerSubnet: string; nodeIp: string; target: { ip: string; port: number };
}): { desired: DesiredState; health: HealthMap; nodeEniId: string; plainId: string; ppId: string } {
  const eniId = 'eni-0e000000000000001';
  const nodeEniId = 'eni-0b000000000000001';
  const sgId = 'sg-0e000000000000001';
  const subnetCidr = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const gateway = (ip: string) => `${ip.split('.').slice(0, 3).join('.')}.1`;
  const base = (cidr: string) => cidr.split('/')[0]!.split('.').map(Number);
  const resolver = (cidr: string) => { const b = base(cidr); return `${b[0]}.${b[1]}.${b[2]}.${b[3]! + 2}`; };
  const tg = (arn: string, proxyProtocolV2: boolean): DesiredTargetGroup => ({
    arn, account: '111111111111', vpcId: o.providerVpc, protocol: 'TCP', port: o.target.port, targetType: 'ip',
    crossZoneSetting: 'use_load_balancer_configuration', loadBalancers: [{ loadBalancerArn: LB, crossZone: false }],
    proxyProtocolV2, preserveClientIp: false, deregistrationDelaySeconds: 300, connectionTermination: false,
    unhealthyConnectionTermination: true, unhealthyDrainingIntervalSeconds: 0, stickiness: 'none',
    healthCheck: { enabled: true, protocol: 'TCP', port: 'traffic-port', intervalSeconds: 30, timeoutSeconds: 10, healthyThreshold: 5, unhealthyThreshold: 2 },
    targets: [{ id: o.target.ip, port: o.target.port, zoneId: ZONE, healthCheckPort: o.target.port }],
  });
  const desired: DesiredState = {
    version: 1,
    networks: [
      { vpcId: o.consumerVpc, account: '222222222222', cidr: o.consumerCidr, resolverIp: resolver(o.consumerCidr), enableDnsSupport: true, enableDnsHostnames: false,
        subnets: [{ subnetId: o.consumerSubnet, cidr: subnetCidr(o.eniIp), zoneName: 'us-east-1a', zoneId: ZONE, gatewayIp: gateway(o.eniIp) }] },
      { vpcId: o.providerVpc, account: '111111111111', cidr: '10.0.0.0/16', resolverIp: '10.0.0.2', enableDnsSupport: true, enableDnsHostnames: false,
        subnets: [{ subnetId: o.providerSubnet, cidr: subnetCidr(o.nodeIp), zoneName: 'us-east-1a', zoneId: ZONE, gatewayIp: gateway(o.nodeIp) }] },
    ].sort((a, b) => a.vpcId.localeCompare(b.vpcId)),
    interfaces: [
      { eniId, vpcId: o.consumerVpc, subnetId: o.consumerSubnet, ip: o.eniIp, zoneId: ZONE, kind: 'endpoint', owner: VPCE, securityGroupIds: [sgId] },
      { eniId: nodeEniId, vpcId: o.providerVpc, subnetId: o.providerSubnet, ip: o.nodeIp, zoneId: ZONE, kind: 'nlb-node', owner: LB, securityGroupIds: [] },
    ],
    securityGroups: [{
      groupId: sgId, account: '222222222222', vpcId: o.consumerVpc,
      ingress: [{ ruleId: 'sgr-0e000000000000001', ipProtocol: 'tcp', fromPort: 8080, toPort: 8443, cidrIpv4: o.clientCidr }],
      egress: [{ ruleId: 'sgr-0e000000000000002', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
    }],
    loadBalancers: [{
      arn: LB, account: '111111111111', vpcId: o.providerVpc, type: 'network', state: 'active', crossZone: false,
      securityGroupIds: [], enforceSecurityGroupsOnPrivateLink: false,
      nodes: [{ zoneId: ZONE, zoneName: 'us-east-1a', subnetId: o.providerSubnet, eniId: nodeEniId, ip: o.nodeIp }],
      listeners: [
        { listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/0000000000008080`, port: 8080, protocol: 'TCP', targetGroupArn: TG_PLAIN, idleTimeoutSeconds: 350 },
        { listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/0000000000008443`, port: 8443, protocol: 'TCP', targetGroupArn: TG_PP, idleTimeoutSeconds: 350 },
      ],
    }],
    targetGroups: [tg(TG_PLAIN, false), tg(TG_PP, true)].sort((a, b) => a.arn.localeCompare(b.arn)),
    dnsRecords: [],
    resolverRules: [],
    inboundEndpoints: [],
    endpoints: [{
      endpointId: VPCE, account: '222222222222', vpcId: o.consumerVpc, serviceId: 'vpce-svc-0123456789abcdef0', state: 'available',
      serving: true, privateDnsEnabled: false, securityGroupIds: [sgId],
      bindings: [{
        eniId, subnetId: o.consumerSubnet, ip: o.eniIp, zoneId: ZONE, loadBalancerArn: LB, nodeEniId, nodeIp: o.nodeIp,
        ports: [
          { port: 8080, protocol: 'TCP', listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/0000000000008080`, targetGroupArn: TG_PLAIN },
          { port: 8443, protocol: 'TCP', listenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/0000000000008443`, targetGroupArn: TG_PP },
        ],
      }],
    }],
  };
  const health: HealthMap = {
    [healthKey(TG_PLAIN, o.target.ip, o.target.port)]: 'healthy',
    [healthKey(TG_PP, o.target.ip, o.target.port)]: 'healthy',
  };
  return { desired, health, nodeEniId, plainId: listenerIdOf(eniId, 8080), ppId: listenerIdOf(eniId, 8443) };
}

/** Echo target: first line `peer=<remote address>`, then every byte it receives, back. */
const TARGET = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer({ allowHalfOpen: true }, (s) => { s.on('error', () => {}); s.write('peer=' + s.remoteAddress + '\\n'); s.pipe(s); });
srv.listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 30000).unref();
`;

/** N parallel connections: send a payload, half-close, collect the answer (base64) or the error. */
const CLIENT = `
const net = require('node:net');
const [host, port, ms, n] = process.argv.slice(1);
const one = (i) => new Promise((resolve) => {
  const t0 = performance.now();
  const s = net.connect({ host, port: Number(port) });
  const chunks = [];
  let done = false;
  const fin = (r) => { if (!done) { done = true; s.destroy(); resolve({ ...r, ms: performance.now() - t0 }); } };
  s.setTimeout(Number(ms), () => fin({ ok: false, error: 'timeout' }));
  s.on('connect', () => s.end('hello ' + i + '\\n'));
  s.on('data', (d) => chunks.push(d));
  s.on('end', () => fin({ ok: true, data: Buffer.concat(chunks).toString('base64') }));
  s.on('error', (e) => fin({ ok: false, error: e.code || e.message }));
});
Promise.all(Array.from({ length: Number(n) }, (_, i) => one(i))).then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); });
`;

type Result = { ok: true; data: string; ms: number } | { ok: false; error: string; ms: number };

async function connectMany(backend: NetnsBackend, ns: string, host: string, port: number, n = 1, timeoutMs = 2000): Promise<Result[]> {
  return JSON.parse(await runIn(backend, ns, [process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs), String(n)])) as Result[];
}

async function startTarget(t: TestContext, backend: NetnsBackend, ns: string, host: string, port: number): Promise<ChildProcess> {
  const child = backend.execIn(ns, [process.execPath, '-e', TARGET, host, String(port)], { timeoutMs: 40_000 });
  t.after(() => { child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target not ready after 5 s: ${err}`)), 5000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('ready')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`target exited (${c}): ${err}`)); });
  });
  return child;
}

async function pidsIn(backend: NetnsBackend, ns: string): Promise<number[]> {
  return (await backend.runner.run(['netns', 'pids', ns])).split(/\s+/).filter(Boolean).map(Number);
}

function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

/** Answers of successful connections, decoded. */
function answer(r: Result): Buffer {
  assert.ok(r.ok, `connection failed: ${JSON.stringify(r)}`);
  return Buffer.from(r.data, 'base64');
}

describe('cross-namespace listeners (netns)', kernel, () => {
  for (const overlap of [false, true]) {
    const consumerCidr = overlap ? '10.0.0.0/16' : '10.1.0.0/16';
    const c = overlap ? '10.0' : '10.1';
    it(`consumer ${consumerCidr} → provider 10.0.0.0/16: a listener made in the consumer VPC is relayed by a worker in the provider VPC`, async (t) => {
      const backend = new NetnsBackend({ prefix: PREFIX });
      t.after(() => backend.sweep());
      const tag = overlap ? 'o' : 'd';
      const consumer = await backend.ensureVpc({ vpcId: `vpc-cons${tag}`, cidr: consumerCidr, subnets: [{ subnetId: `subnet-c${tag}`, cidr: `${c}.1.0/24` }] });
      t.after(() => backend.removeVpc(`vpc-cons${tag}`));
      const provider = await backend.ensureVpc({ vpcId: `vpc-prov${tag}`, cidr: '10.0.0.0/16', subnets: [{ subnetId: `subnet-p${tag}`, cidr: '10.0.1.0/24' }] });
      t.after(() => backend.removeVpc(`vpc-prov${tag}`));
      const eni = `${c}.1.100`;
      const nodeEni = '10.0.1.200';
      await backend.addAddress(consumer.vpcId, eni);
      await backend.addAddress(provider.vpcId, nodeEni);
      const target = await backend.createWorkload({ vpcId: provider.vpcId, subnetId: `subnet-p${tag}`, ip: '10.0.1.20', name: `target-${tag}` });
      t.after(() => backend.removeWorkload(target.namespace));
      const client = await backend.createWorkload({ vpcId: consumer.vpcId, subnetId: `subnet-c${tag}`, ip: `${c}.1.30`, name: `client-${tag}` });
      t.after(() => backend.removeWorkload(client.namespace));
      await startTarget(t, backend, target.namespace, target.ip, 7000);

      const helper = await ListenHelper.start(backend, consumer.namespace);
      t.after(() => helper.close());
      const worker = await NodeWorkerProcess.start(backend, provider.namespace);
      t.after(() => worker.close());

      // The worker routes by the desired state: one endpoint ENI bound to its node, 8080 plain, 8443 PROXY v2.
      const world = minimalDesired({
        consumerVpc: consumer.vpcId, consumerSubnet: `subnet-c${tag}`, consumerCidr, eniIp: eni, clientCidr: `${client.ip}/32`,
        providerVpc: provider.vpcId, providerSubnet: `subnet-p${tag}`, nodeIp: nodeEni, target: { ip: target.ip, port: 7000 },
      });
      const reports: WorkerReport[] = [];
      worker.onReport = (r) => { reports.push(r); };
      await worker.configure({ desired: world.desired, health: world.health, nodeEniId: world.nodeEniId, healthGroups: [] });
      assert.equal(worker.configuredVersion, world.desired.version);

      let t0 = performance.now();
      const plain = await helper.listen(eni, 8080);
      t.after(() => { plain.close(); }); // already closed by the hand-over; here so a regression cannot hang the file
      const listenMs = performance.now() - t0;
      t0 = performance.now();
      await worker.attach(world.plainId, plain);
      const attachMs = performance.now() - t0;
      assert.equal(plain.listening, false, 'this process\'s copy is closed after the hand-over');
      const pp = await helper.listen(eni, 8443);
      t.after(() => { pp.close(); });
      await worker.attach(world.ppId, pp);

      // The socket listens in the consumer router namespace, held only by the worker's pid there.
      const ssOut = await runIn(backend, consumer.namespace, ['ss', '-Hltnp', `sport = :8080`]);
      assert.match(ssOut, new RegExp(`${eni.replace(/\./g, '\\.')}:8080`));
      assert.match(ssOut, new RegExp(`pid=${worker.pid},`), `only the worker holds the listener: ${ssOut}`);
      assert.doesNotMatch(ssOut, new RegExp(`pid=(${process.pid}|${helper.pid}),`), ssOut);

      // Echo through the relay; the target sees the NLB node's ENI address as source.
      const [one] = await connectMany(backend, client.namespace, eni, 8080);
      assert.equal(answer(one!).toString(), `peer=${nodeEni}\nhello 0\n`);

      // Many parallel connections: every one is served (no copy elsewhere accepts and hangs them).
      const many = await connectMany(backend, client.namespace, eni, 8080, 40);
      for (const [i, r] of many.entries()) assert.equal(answer(r).toString(), `peer=${nodeEni}\nhello ${i}\n`);

      // PROXY v2 listener: the header names the consumer client and the ENI, with the endpoint id.
      const [viaPp] = await connectMany(backend, client.namespace, eni, 8443);
      const buf = answer(viaPp!);
      const nl = buf.indexOf(10);
      assert.equal(buf.subarray(0, nl).toString(), `peer=${nodeEni}`);
      const dec = decodeProxyV2(buf, nl + 1);
      assert.ok(dec.header, 'a complete PROXY v2 header reached the target');
      assert.deepEqual(dec.header.source?.address, client.ip);
      assert.deepEqual(dec.header.destination, { address: eni, port: 8443 });
      assert.equal(dec.header.vpceId, VPCE);
      assert.equal(buf.subarray(nl + 1 + dec.length).toString(), 'hello 0\n');

      // Isolation: the consumer client cannot reach the provider target directly.
      const [direct] = await connectMany(backend, client.namespace, target.ip, 7000, 1, 1500);
      assert.equal(direct!.ok, false, `consumer reached the provider target directly: ${JSON.stringify(direct)}`);

      // Flows and counters reported by the worker (once a second; bounded wait for the last reports).
      const flows = () => reports.flatMap((r) => r.flows);
      const end = Date.now() + 3500;
      while (flows().length < 42 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const f = flows();
      assert.equal(f.length, 42, `flows reported: ${f.length}`);
      assert.ok(f.every((x) => x.reason === 'closed' && x.connected && x.action === 'ACCEPT'), JSON.stringify(f.find((x) => x.reason !== 'closed' || !x.connected)));
      assert.equal(f.filter((x) => x.listenerId === world.plainId).length, 41);
      assert.equal(f.filter((x) => x.listenerId === world.ppId).length, 1);
      assert.ok(f.every((x) => x.srcIp === client.ip && x.dstIp === eni && x.targetIp === target.ip && x.targetPort === 7000), JSON.stringify(f[0]));
      assert.equal(reports.reduce((n, r) => n + r.droppedFlows, 0), 0);
      const counters = reports.flatMap((r) => r.counters);
      const sum = (k: 'newFlows' | 'endedFlows' | 'elbResets' | 'targetResets' | 'clientResets', id?: string) =>
        counters.filter((c) => !id || c.listenerId === id).reduce((n, c) => n + c[k], 0);
      assert.equal(sum('newFlows'), 42);
      assert.equal(sum('newFlows', world.plainId), 41);
      assert.equal(sum('newFlows', world.ppId), 1);
      assert.equal(sum('endedFlows'), 42);
      assert.equal(sum('elbResets') + sum('targetResets') + sum('clientResets'), 0);
      assert.ok(counters.every((c) => Object.keys(c.refused).length === 0), JSON.stringify(counters.find((c) => Object.keys(c.refused).length)));
      assert.ok(counters.every((c) => c.listenerId === world.plainId || c.listenerId === world.ppId), JSON.stringify(counters.map((c) => c.listenerId)));
      const flowMs = f.map((x) => x.endMs - x.startMs).sort((x, y) => x - y);
      t.diagnostic(`helper start ${helper.startMs.toFixed(0)} ms, worker start ${worker.startMs.toFixed(0)} ms, listen ${listenMs.toFixed(1)} ms, `
        + `attach ${attachMs.toFixed(1)} ms, flow duration median ${flowMs[flowMs.length >> 1]!.toFixed(0)} ms (max ${flowMs.at(-1)!.toFixed(0)}), `
        + `client round trip ${one!.ms.toFixed(1)} ms`);

      // After detach nothing listens: refused, not hanging.
      await worker.detach(world.plainId);
      await worker.detach(world.ppId);
      const refused = await connectMany(backend, client.namespace, eni, 8080, 3, 1500);
      assert.deepEqual(refused.map((r) => (r.ok ? 'ok' : r.error)), ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      assert.equal((await runIn(backend, consumer.namespace, ['ss', '-Hltn'])).trim(), '');

      // No process left: helper and worker exit, none remains in either router namespace.
      await helper.close();
      await worker.close();
      assert.ok(exited(helper.child) && exited(worker.child));
      assert.deepEqual(await pidsIn(backend, consumer.namespace), []);
      assert.deepEqual(await pidsIn(backend, provider.namespace), []);
    });
  }

  it('openListenerIn: a one-shot listener in a namespace, usable here; the helper is gone afterwards', async (t) => {
    const backend = new NetnsBackend({ prefix: PREFIX });
    t.after(() => backend.sweep());
    const vpc = await backend.ensureVpc({ vpcId: 'vpc-oneshot', cidr: '10.2.0.0/16', subnets: [{ subnetId: 'subnet-os', cidr: '10.2.1.0/24' }] });
    t.after(() => backend.removeVpc('vpc-oneshot'));
    await backend.addAddress(vpc.vpcId, '10.2.1.100');
    const client = await backend.createWorkload({ vpcId: vpc.vpcId, subnetId: 'subnet-os', ip: '10.2.1.30', name: 'client-os' });
    t.after(() => backend.removeWorkload(client.namespace));
    const server = await openListenerIn(backend, vpc.namespace, '10.2.1.100', 9000);
    t.after(() => { server.close(); });
    server.on('connection', (s) => { s.on('error', () => {}); s.resume(); s.end(`here ${s.remoteAddress}\n`); });
    assert.deepEqual(await pidsIn(backend, vpc.namespace), [], 'the helper exited');
    const [r] = await connectMany(backend, client.namespace, '10.2.1.100', 9000);
    assert.ok(answer(r!).toString().startsWith(`here ${client.ip}\n`));
    await assert.rejects(openListenerIn(backend, vpc.namespace, '10.9.9.9', 9000), /EADDRNOTAVAIL/);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const [refused] = await connectMany(backend, client.namespace, '10.2.1.100', 9000, 1, 1500);
    assert.deepEqual(refused!.ok ? 'ok' : refused!.error, 'ECONNREFUSED');
  });
});
