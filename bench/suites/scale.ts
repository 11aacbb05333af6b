/**
 * Scale benchmark (issue 5, item 4): 1,000 interface endpoints across 100 consumer VPCs (quick:
 * 200 across 20), ten endpoint services (one NLB each) in one provider VPC, Underpass in its own
 * process on the netns data plane. Measures, with no anchor (nothing else does this):
 * - convergence: from the last CreateVpcEndpoint answered until DescribeVpcEndpoints shows every
 *   endpoint `available` (the data plane admits their connections), and the creation rate;
 * - memory: resident memory of Underpass's whole process tree (server, listen helpers, node
 *   workers, resolver worker) once converged, per endpoint, and idle CPU (share of one core);
 * - change: CreateVpcEndpoint → first byte through the new endpoint, and DeleteVpcEndpoints →
 *   the first refused connection, with everything else present;
 * - start-up: `underpass up` on the data directory holding all of it: until the API answers and
 *   until every endpoint listens again and a sample of them carries bytes.
 * A sample of endpoints (every endpoint of three VPCs) is probed for a byte after each phase.
 * Namespaces are swept even on failure (prefix us<pid>-).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sleep, until } from '../lib/proc.js';
import { GREETER, LineChild, PROBER } from '../lib/probes.js';
import { startServerProcess, treeCpuBetween, treeUsage, type ServerProcess } from '../lib/server.js';
import { round } from '../lib/stats.js';
import type { Sample, Suite, SuiteOptions } from '../lib/types.js';

export const name = 'scale';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PROVIDER = '111111111111';
const CONSUMER = '222222222222';
const SERVICES = 10;

type EC2Mod = typeof import('@aws-sdk/client-ec2');
type ELBMod = typeof import('@aws-sdk/client-elastic-load-balancing-v2');
type Call = (cmd: unknown) => Promise<any>;

function clients(EC2: EC2Mod, ELB: ELBMod, endpoint: string, account: string): { ec2: Call; elb: Call } {
  const creds = { accessKeyId: account, secretAccessKey: 'test' };
  const e = new EC2.EC2Client({ endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const l = new ELB.ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  return { ec2: (c) => e.send(c as any) as Promise<any>, elb: (c) => l.send(c as any) as Promise<any> };
}

interface Workload { eniId: string; ip: string; namespace: string }

/** CreateNetworkInterface in the subnet; the data plane gives it a namespace (`underpass exec`'s way). */
async function workload(EC2: EC2Mod, ec2: Call, server: ServerProcess, subnetId: string, ip: string, groups: string[]): Promise<Workload> {
  const eni = (await ec2(new EC2.CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: ip, Groups: groups, Description: 'bench workload' }))).NetworkInterface;
  const info = await until(async () => {
    const r = await server.admin(`/_underpass/workloads/${eni.NetworkInterfaceId}`);
    return r.status === 200 ? (JSON.parse(r.text) as { namespace: string }) : undefined;
  }, 60_000, 50, `workload namespace for ${eni.NetworkInterfaceId}`);
  return { eniId: eni.NetworkInterfaceId as string, ip, namespace: info.namespace };
}

function inNamespace(namespace: string, argv: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', namespace, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
}

async function greeter(w: Workload, port: number): Promise<LineChild> {
  const g = new LineChild(inNamespace(w.namespace, [process.execPath, '-e', GREETER, w.ip, String(port)]));
  const line = await g.next(10_000);
  if (line !== 'ready') throw new Error(`target said ${line}`);
  return g;
}

/** Sum of a Prometheus family's samples in /metrics text. */
function metricSum(text: string, family: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${family}{`) || line.startsWith(`${family} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface Consumer { vpcId: string; subnetId: string; sg: string; endpoints: Array<{ id: string; ip: string }> }

export const suite: Suite = async (opts: SuiteOptions) => {
  const notes: string[] = [];
  const samples: Sample[] = [];
  const skip = (metric: string, unit: string, why: string) => samples.push({ metric, unit, better: 'lower', values: {}, anchor: 'none', skipped: why });
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].some((p) => existsSync(p))) {
    skip('scale', '', 'needs root on Linux with iproute2 (network namespaces)');
    return { suite: name, samples, notes };
  }
  const EC2 = await import('@aws-sdk/client-ec2');
  const ELB = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const vpcs = opts.quick ? 20 : 100;
  const n = vpcs * SERVICES;
  const prefix = `us${process.pid % 1000}-`;
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-bench-scale-'));
  const kids: LineChild[] = [];
  let server: ServerProcess | undefined;
  const start = () => startServerProcess({ dataDir, network: 'netns', netPrefix: prefix, timeoutMs: 300_000 });
  try {
    server = await start();
    const fresh = server.startMs;
    let { ec2: prov, elb } = clients(EC2, ELB, server.endpoint, PROVIDER);
    let { ec2: cons } = clients(EC2, ELB, server.endpoint, CONSUMER);

    // Provider: one VPC, one target, SERVICES NLB-backed services.
    opts.log(`provider: ${SERVICES} services`);
    const pv = (await prov(new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await prov(new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const psg = (await prov(new EC2.CreateSecurityGroupCommand({ GroupName: 'targets', Description: 'targets', VpcId: pv }))).GroupId as string;
    await prov(new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: psg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 7000, ToPort: 7000, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    const target = await workload(EC2, prov, server, ps, '10.0.1.200', [psg]);
    let target7000 = await greeter(target, 7000);
    kids.push(target7000);
    const services: Array<{ id: string; name: string }> = [];
    for (let s = 0; s < SERVICES; s++) {
      const lb = (await elb(new ELB.CreateLoadBalancerCommand({ Name: `scale-${s}`, Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
      const tg = (await elb(new ELB.CreateTargetGroupCommand({ Name: `scale-${s}`, Protocol: 'TCP', Port: 7000, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
      await elb(new ELB.RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: target.ip, Port: 7000 }] }));
      await elb(new ELB.CreateListenerCommand({ LoadBalancerArn: lb, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
      const svc = await until(async () => (await prov(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lb], AcceptanceRequired: false }))).ServiceConfiguration, 30_000, 200, 'service creation');
      await prov(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));
      services.push({ id: svc.ServiceId as string, name: svc.ServiceName as string });
    }
    await until(async () => (await prov(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({}))).ServiceConfigurations.every((c: any) => c.ServiceState === 'Available'), 30_000, 100, 'services available');

    // Consumer: VPCs with one subnet and a security group each, then SERVICES endpoints per VPC.
    opts.log(`consumer: ${vpcs} VPCs`);
    const consumers: Consumer[] = [];
    for (let i = 0; i < vpcs; i++) {
      const vpcId = (await cons(new EC2.CreateVpcCommand({ CidrBlock: `10.${i + 1}.0.0/16` }))).Vpc.VpcId as string;
      const subnetId = (await cons(new EC2.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${i + 1}.1.0/24`, AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
      const sg = (await cons(new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoints', VpcId: vpcId }))).GroupId as string;
      await cons(new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: `10.${i + 1}.0.0/16` }] }] }));
      consumers.push({ vpcId, subnetId, sg, endpoints: [] });
    }
    opts.log(`creating ${n} endpoints`);
    const tCreate0 = performance.now();
    for (const c of consumers) {
      opts.signal?.throwIfAborted();
      for (const s of services) {
        const ep = (await cons(new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: c.vpcId, ServiceName: s.name, SubnetIds: [c.subnetId], SecurityGroupIds: [c.sg], PrivateDnsEnabled: false }))).VpcEndpoint;
        c.endpoints.push({ id: ep.VpcEndpointId as string, ip: '' });
      }
    }
    const tCreated = performance.now();
    const available = async () => {
      let token: string | undefined;
      let count = 0;
      do {
        const r = await cons(new EC2.DescribeVpcEndpointsCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }));
        count += (r.VpcEndpoints as any[]).filter((e) => e.State === 'available').length;
        token = r.NextToken;
      } while (token);
      return count;
    };
    await until(async () => (await available()) >= n, 600_000, 200, `all ${n} endpoints available`);
    const tConverged = performance.now();
    const createRate = n / ((tCreated - tCreate0) / 1000);
    const convergeMs = tConverged - tCreated;
    opts.log(`${n} endpoints created in ${((tCreated - tCreate0) / 1000).toFixed(1)} s, all available ${(convergeMs / 1000).toFixed(2)} s after the last`);

    // ENI addresses of the sampled VPCs, and a prober workload in each.
    const sampled = [consumers[0]!, consumers[Math.floor(vpcs / 2)]!, consumers[vpcs - 1]!];
    for (const c of sampled) {
      const eps = (await cons(new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: c.endpoints.map((e) => e.id) }))).VpcEndpoints as any[];
      const enis = (await cons(new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eps.map((e) => e.NetworkInterfaceIds[0]) }))).NetworkInterfaces as any[];
      const ipOf = new Map(enis.map((x) => [x.NetworkInterfaceId, x.PrivateIpAddress as string]));
      for (const e of c.endpoints) e.ip = ipOf.get(eps.find((x) => x.VpcEndpointId === e.id).NetworkInterfaceIds[0])!;
    }
    const probers = new Map<string, LineChild>();
    const proberEnis = new Map<string, string>();
    for (const c of sampled) {
      const w = await workload(EC2, cons, server, c.subnetId, `${c.endpoints[0]!.ip.split('.').slice(0, 3).join('.')}.250`, [c.sg]);
      const p = new LineChild(inNamespace(w.namespace, [process.execPath, '-e', PROBER]));
      kids.push(p);
      probers.set(c.vpcId, p);
      proberEnis.set(c.vpcId, w.eniId);
    }
    const probeAll = async (what: string) => {
      let ok = 0;
      for (const c of sampled) {
        for (const e of c.endpoints) {
          const a = await probers.get(c.vpcId)!.ask(`byte ${e.ip} 80`);
          if (!a.startsWith('ok')) throw new Error(`${what}: no byte through ${e.id} (${e.ip}) in ${c.vpcId}: ${a}`);
          ok++;
        }
      }
      opts.log(`${what}: a byte through each of ${ok} sampled endpoints`);
      return ok;
    };
    await probeAll('converged');

    // Memory and idle CPU of the whole tree, once settled: listen helpers close after 30 s unused.
    // The window is taken again (up to four times) while processes still exit or start in it.
    await sleep(35_000);
    let u0 = treeUsage(server.pid);
    let u1 = u0;
    let idle = { cpuSeconds: 0, exited: 0, started: 0 };
    for (let window = 1; window <= 4; window++) {
      await sleep(10_000);
      u1 = treeUsage(server.pid);
      idle = treeCpuBetween(u0, u1);
      if (!idle.exited && !idle.started) break;
      opts.log(`idle window ${window}: ${idle.exited} process(es) exited, ${idle.started} started: again`);
      u0 = u1;
    }
    const idleCpu = (idle.cpuSeconds / 10) * 100;
    if (idle.exited || idle.started) notes.push(`idle CPU window: ${idle.exited} process(es) exited and ${idle.started} started during the last 10 s (exited ones not counted).`);
    const breakdown = Object.entries(u1.byCommand).sort((a, b) => b[1].rssBytes - a[1].rssBytes)
      .map(([k, v]) => `${k} ×${v.count}: ${(v.rssBytes / 2 ** 20).toFixed(0)} MiB`).join(', ');
    notes.push(`memory of the process tree at ${n} endpoints: ${u1.processes} processes, ${(u1.rssBytes / 2 ** 20).toFixed(0)} MiB (${breakdown}).`);

    // Changes with everything present: create → first byte, delete → refused.
    const c0 = sampled[1]!;
    const p0 = probers.get(c0.vpcId)!;
    const createFb: number[] = [];
    const deleteRefused: number[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      opts.signal?.throwIfAborted();
      const t0 = performance.now();
      const ep = (await cons(new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: c0.vpcId, ServiceName: services[rep % SERVICES]!.name, SubnetIds: [c0.subnetId], SecurityGroupIds: [c0.sg], PrivateDnsEnabled: false }))).VpcEndpoint;
      const ip = (await cons(new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ep.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;
      const a = await p0.ask(`byte ${ip} 80`);
      if (!a.startsWith('ok')) throw new Error(`no byte through the new endpoint ${ep.VpcEndpointId}: ${a}`);
      createFb.push(round(performance.now() - t0));
      const t1 = performance.now();
      await cons(new EC2.DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }));
      const b = await p0.ask(`refused ${ip} 80`);
      if (!b.startsWith('ok')) throw new Error(`the deleted endpoint ${ep.VpcEndpointId} still answers: ${b}`);
      deleteRefused.push(round(performance.now() - t1));
      opts.log(`change rep ${rep + 1}: create → first byte ${createFb.at(-1)} ms, delete → refused ${deleteRefused.at(-1)} ms`);
      await sleep(300);
    }

    // Restart on the same data directory.
    const restarts: number[] = [];
    const apiUp: number[] = [];
    const restartReps = opts.quick ? 1 : Math.min(opts.repetitions, 3);
    for (let rep = 0; rep < restartReps; rep++) {
      opts.signal?.throwIfAborted();
      for (const k of kids.splice(0)) k.kill();
      await server.stop();
      const t0 = performance.now();
      server = await start();
      apiUp.push(round(performance.now() - t0));
      ({ ec2: prov, elb } = clients(EC2, ELB, server.endpoint, PROVIDER));
      ({ ec2: cons } = clients(EC2, ELB, server.endpoint, CONSUMER));
      const s = server;
      await until(async () => metricSum((await s.admin('/metrics')).text, 'aws_privatelinkservices_EndpointsCount') >= n, 600_000, 100, `all ${n} endpoints listening after the restart`);
      restarts.push(round(performance.now() - t0));
      opts.log(`restart ${rep + 1}: API in ${apiUp.at(-1)} ms, every endpoint listening after ${restarts.at(-1)} ms`);
      // The workload namespaces were made anew: restart the target and the probers in them.
      const info = await until(async () => {
        const r = await s.admin(`/_underpass/workloads/${target.eniId}`);
        return r.status === 200 ? (JSON.parse(r.text) as { namespace: string }) : undefined;
      }, 60_000, 50, 'target workload after the restart');
      target7000 = await greeter({ ...target, namespace: info.namespace }, 7000);
      kids.push(target7000);
      probers.clear();
      for (const c of sampled) {
        const w = await until(async () => {
          const r = await s.admin(`/_underpass/workloads/${proberEnis.get(c.vpcId)}`);
          return r.status === 200 ? (JSON.parse(r.text) as { namespace: string }) : undefined;
        }, 60_000, 50, 'prober workload after the restart');
        const p = new LineChild(inNamespace(w.namespace, [process.execPath, '-e', PROBER]));
        kids.push(p);
        probers.set(c.vpcId, p);
      }
      await probeAll(`after restart ${rep + 1}`);
    }

    const one = (metric: string, unit: string, values: number[], target?: Sample['target']) =>
      samples.push({ metric, unit, better: 'lower', values: { underpass: values }, anchor: 'none', ...(target ? { target } : {}) });
    one(`fresh start: API answers`, 'ms', [round(fresh)]);
    samples.push({ metric: `CreateVpcEndpoint rate while building (${n})`, unit: 'ops/s', better: 'higher', values: { underpass: [round(createRate)] }, anchor: 'none' });
    one(`all ${n} available after the last create`, 'ms', [round(convergeMs)]);
    one(`memory, whole process tree (${n} endpoints, ${vpcs} VPCs)`, 'MiB', [round(u1.rssBytes / 2 ** 20)]);
    one('memory per endpoint', 'KiB', [round(u1.rssBytes / 1024 / n)]);
    one('idle CPU (tree, share of one core)', '%', [round(idleCpu)]);
    one(`create → first byte with ${n} present`, 'ms', createFb, { absolute: 200, text: '< 200 ms' });
    one(`delete → refused with ${n} present`, 'ms', deleteRefused);
    one('restart: API answers', 'ms', apiUp);
    one(`restart: all ${n} listening`, 'ms', restarts);
    notes.push(`scale: ${n} interface endpoints (${SERVICES} services, one NLB each, one target) across ${vpcs} consumer VPCs, one subnet and zone; Underpass in its own process on the netns data plane; `
      + `single-valued rows are one run (building the topology takes minutes), the change rows ${opts.repetitions} repetitions; ${SERVICES * 3} sampled endpoints (three VPCs) carried a byte after building and after each restart.`);
    return { suite: name, samples, notes };
  } finally {
    for (const k of kids) k.kill();
    await server?.stop().catch(() => {});
    // The server sweeps its namespaces on a clean stop; a crashed one leaves them: sweep by prefix.
    const { NetnsBackend } = await import('../../src/net/netns.js');
    await new NetnsBackend({ prefix }).sweep().catch((e: unknown) => opts.log(`sweep failed: ${String(e)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
};
