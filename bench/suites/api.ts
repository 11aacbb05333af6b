/**
 * Control-plane benchmark (issue 5, item 2): operations/s and p50/p99 latency of
 * CreateVpcEndpoint, AcceptVpcEndpointConnections, DescribeVpcEndpoints (all, with N endpoints
 * present; and one id) against Underpass in its own process (`underpass up`, SQLite, `--network none`, dev auth) and
 * against `moto_server` doing the same calls with the same client (@aws-sdk/client-ec2, one
 * request outstanding at a time, so ops/s = calls / wall time of the series). moto 5 has no
 * AcceptVpcEndpointConnections: that row is Underpass only, with a note.
 *
 * Then "CreateVpcEndpoint (no acceptance) → first byte" on the netns data plane: the time from
 * sending CreateVpcEndpoint until a client in a consumer workload namespace receives the first byte
 * a provider target sends on connect, through the new endpoint's ENI (the prober retries connects
 * every 5 ms; bounded). One new endpoint per repetition. Namespaces are swept even on failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { until } from '../lib/proc.js';
import { GREETER, LineChild, PROBER } from '../lib/probes.js';
import { startServerProcess } from '../lib/server.js';
import { percentile, round } from '../lib/stats.js';
import { ApiClient, EC2_API } from '../../src/cli/api-client.js';
import type { Sample, Suite, SuiteOptions } from '../lib/types.js';

export const name = 'api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';



/** One series of calls, one at a time: ops/s and latency quantiles in ms. */
interface Series { opsPerSec: number; p50: number; p99: number }

async function series(count: number, call: (i: number) => Promise<unknown>, before?: (i: number) => Promise<unknown>): Promise<Series> {
  const lat: number[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (before) await before(i);
    const s = performance.now();
    await call(i);
    const ms = performance.now() - s;
    lat.push(ms);
    total += ms;
  }
  return { opsPerSec: round(count / (total / 1000), 1), p50: round(percentile(lat, 50), 3), p99: round(percentile(lat, 99), 3) };
}


async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

type EC2Mod = typeof import('@aws-sdk/client-ec2');

/** DescribeVpcEndpoints (MaxResults 1000) signed like the SDK, the answer left unparsed. */
function describeAllRaw(endpoint: string, account: string): () => Promise<string> {
  const c = new ApiClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: account, secretAccessKey: 'test' } });
  return () => c.callRaw(EC2_API, 'DescribeVpcEndpoints', { MaxResults: 1000 });
}

function ec2Client(EC2: EC2Mod, endpoint: string, account: string) {
  const c = new EC2.EC2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: account, secretAccessKey: 'test' }, maxAttempts: 1 });
  return (cmd: unknown) => c.send(cmd as any) as Promise<any>;
}

interface SubjectResult { create: Series[]; accept?: Series[]; describeAll: Series[]; describeAfterWrite: Series[]; describeOne: Series[] }

/**
 * The same calls on one subject: the consumer creates N endpoints (timed, split into `reps` series),
 * the provider accepts them one by one (timed, when `canAccept`), then DescribeVpcEndpoints of all N
 * and of one id, `reps` series each.
 */
async function runCalls(EC2: EC2Mod, o: {
  provider: (c: unknown) => Promise<any>; consumer: (c: unknown) => Promise<any>; serviceName: string; serviceId: string;
  /** The consumer's describe of everything, as unparsed XML (the SDK's XML parser costs as much as the answer). */
  describeAllRaw: () => Promise<string>;
  subnets: Array<{ vpcId: string; subnetId: string }>; n: number; signal?: AbortSignal | undefined; reps: number; describeCalls: number; canAccept: boolean; log: (l: string) => void; label: string;
}): Promise<SubjectResult> {
  const ids: string[] = [];
  const per = Math.ceil(o.n / o.reps);
  const out: SubjectResult = { create: [], describeAll: [], describeAfterWrite: [], describeOne: [] };
  for (let r = 0; r < o.reps; r++) {
    o.signal?.throwIfAborted();
    out.create.push(await series(Math.min(per, o.n - ids.length), async () => {
      const at = o.subnets[ids.length % o.subnets.length]!;
      const ep = (await o.consumer(new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: at.vpcId, ServiceName: o.serviceName, SubnetIds: [at.subnetId], PrivateDnsEnabled: false }))).VpcEndpoint;
      ids.push(ep.VpcEndpointId as string);
    }));
  }
  o.log(`${o.label}: ${ids.length} endpoints created`);
  if (o.canAccept) {
    out.accept = [];
    let k = 0;
    for (let r = 0; r < o.reps; r++) {
      out.accept.push(await series(Math.min(per, ids.length - k), async () => {
        const res = await o.provider(new EC2.AcceptVpcEndpointConnectionsCommand({ ServiceId: o.serviceId, VpcEndpointIds: [ids[k++]!] }));
        if (res.Unsuccessful?.length) throw new Error(`accept failed: ${JSON.stringify(res.Unsuccessful)}`);
      }));
    }
  }
  for (let r = 0; r < o.reps; r++) {
    o.signal?.throwIfAborted();
    const describeAll = async () => {
      const xml = await o.describeAllRaw();
      const count = xml.split('<vpcEndpointId>').length - 1;
      if (count < Math.min(o.n, 1000)) throw new Error(`DescribeVpcEndpoints returned ${count} of ${o.n}`);
    };
    out.describeAll.push(await series(o.describeCalls, describeAll));
    // The same describe with a write (untimed: CreateTags on a VPC) before each call, so no answer
    // of an earlier call can be reused (Underpass keeps describe answers while nothing is written).
    out.describeAfterWrite.push(await series(Math.max(5, Math.floor(o.describeCalls / 2)), describeAll, (i) => o.consumer(new EC2.CreateTagsCommand({ Resources: [o.subnets[0]!.vpcId], Tags: [{ Key: 'bench', Value: String(i) }] }))));
    out.describeOne.push(await series(o.describeCalls * 5, async (i) => {
      await o.consumer(new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ids[i % ids.length]!] }));
    }));
  }
  return out;
}

/** AWS allows 50 interface endpoints per VPC (Underpass enforces it): the consumer spreads its endpoints over VPCs of 40. */
async function consumerSubnets(EC2: EC2Mod, consumer: (c: unknown) => Promise<any>, n: number): Promise<Array<{ vpcId: string; subnetId: string }>> {
  const out: Array<{ vpcId: string; subnetId: string }> = [];
  for (let i = 0; i < Math.ceil(n / 40); i++) {
    const vpcId = (await consumer(new EC2.CreateVpcCommand({ CidrBlock: `10.${100 + i}.0.0/16` }))).Vpc.VpcId as string;
    const subnetId = (await consumer(new EC2.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${100 + i}.1.0/24`, AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    out.push({ vpcId, subnetId });
  }
  return out;
}

async function underpassCalls(EC2: EC2Mod, opts: SuiteOptions, n: number, describeCalls: number): Promise<SubjectResult> {
  const ELB = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-bench-api-'));
  const up = await startServerProcess({ dataDir, network: 'none' });
  try {
    const endpoint = up.endpoint;
    const provider = ec2Client(EC2, endpoint, '111111111111');
    const consumer = ec2Client(EC2, endpoint, '222222222222');
    const elbc = new ELB.ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' }, maxAttempts: 1 });
    const pv = (await provider(new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await provider(new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const lbArn = (await elbc.send(new ELB.CreateLoadBalancerCommand({ Name: 'api', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers![0]!.LoadBalancerArn!;
    const svc = await until(async () => (await provider(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: true }))).ServiceConfiguration, 15_000, 200);
    await provider(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    await until(async () => (await provider(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 15_000, 100);
    const subnets = await consumerSubnets(EC2, consumer, n);
    const out = await runCalls(EC2, { provider, consumer, serviceName: svc.ServiceName, serviceId: svc.ServiceId, subnets, n, reps: opts.repetitions, describeCalls, canAccept: true, log: opts.log, signal: opts.signal, label: 'underpass', describeAllRaw: describeAllRaw(endpoint, '222222222222') });
    const status = JSON.parse((await up.admin('/_underpass/status')).text) as { responseCache?: { ec2: { hits: number; misses: number } } };
    opts.log(`underpass: response cache ${JSON.stringify(status.responseCache?.ec2 ?? 'off')}`);
    return out;
  } finally {
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function motoCalls(EC2: EC2Mod, opts: SuiteOptions, n: number, describeCalls: number): Promise<SubjectResult> {
  const port = await freePort();
  const moto: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  moto.stderr?.setEncoding('utf8').on('data', (d: string) => { err = (err + d).slice(-4000); });
  try {
    const endpoint = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${endpoint}/moto-api/`)).status < 500, 30_000, 200).catch(() => { throw new Error(`moto_server did not start: ${err}`); });
    const provider = ec2Client(EC2, endpoint, '111111111111');
    const consumer = ec2Client(EC2, endpoint, '222222222222');
    const pv = (await provider(new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await provider(new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const ELB = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const elbc = new ELB.ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' }, maxAttempts: 1 });
    const lbArn = (await elbc.send(new ELB.CreateLoadBalancerCommand({ Name: 'api', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers![0]!.LoadBalancerArn!;
    const svc = (await provider(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: true }))).ServiceConfiguration;
    const subnets = await consumerSubnets(EC2, consumer, n);
    return await runCalls(EC2, { provider, consumer, serviceName: svc.ServiceName, serviceId: svc.ServiceId, subnets, n, reps: opts.repetitions, describeCalls, canAccept: false, log: opts.log, signal: opts.signal, label: 'moto', describeAllRaw: describeAllRaw(endpoint, '222222222222') });
  } finally {
    moto.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// CreateVpcEndpoint → first byte (netns)

async function createToFirstByte(EC2: EC2Mod, opts: SuiteOptions): Promise<{ values: number[]; notes: string[] }> {
  const { startUnderpass } = await import('../../src/control/app.js');
  const { NetnsBackend } = await import('../../src/net/netns.js');
  const ELB = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const prefix = `ua${process.pid % 1000}-`;
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-bench-fb-'));
  const children: ChildProcess[] = [];
  let up: Awaited<ReturnType<typeof startUnderpass>> | undefined;
  try {
    up = await startUnderpass({ port: 0, dataDir, network: 'netns', netPrefix: prefix, dnsPort: 0, publicDns: '127.0.0.1:9' });
    const plane = up.dataPlane!;
    const b = plane.backend as InstanceType<typeof NetnsBackend>;
    const endpoint = `http://127.0.0.1:${up.port}`;
    const prov = ec2Client(EC2, endpoint, '111111111111');
    const cons = ec2Client(EC2, endpoint, '222222222222');
    const elbc = new ELB.ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' }, maxAttempts: 1 });
    const elb = (cmd: unknown) => elbc.send(cmd as any) as Promise<any>;
    const pv = (await prov(new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await prov(new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(new ELB.CreateLoadBalancerCommand({ Name: 'fb', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(new ELB.CreateTargetGroupCommand({ Name: 'fb', Protocol: 'TCP', Port: 7000, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
    await elb(new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await until(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 1, 15_000);
    const target = await b.createWorkload({ vpcId: pv, subnetId: ps, ip: '10.0.1.200', name: 'fb-t' });
    const greeter = b.execIn(target.namespace, [process.execPath, '-e', GREETER, target.ip, '7000']);
    children.push(greeter);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('target not ready')), 5000);
      greeter.stdout?.once('data', () => { clearTimeout(timer); resolve(); });
    });
    await elb(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: target.ip, Port: 7000 }] }));
    const svc = await until(async () => (await prov(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration, 15_000, 200);
    await prov(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    await until(async () => (await prov(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 15_000, 100);
    const cv = (await cons(new EC2.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc.VpcId as string;
    const cs = (await cons(new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const sg = (await cons(new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await cons(new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.1.0.0/16' }] }] }));
    await until(async () => plane.desired?.networks.find((n) => n.vpcId === cv)?.subnets.length === 1, 15_000);
    const client = await b.createWorkload({ vpcId: cv, subnetId: cs, ip: '10.1.1.100', name: 'fb-c' });
    const prober = new LineChild(b.execIn(client.namespace, [process.execPath, '-e', PROBER], { stdio: ['pipe', 'pipe', 'pipe'] }));
    children.push(prober.child);

    const values: number[] = [];
    const notes: string[] = [];
    for (let rep = 0; rep < opts.repetitions; rep++) {
      opts.signal?.throwIfAborted();
      const t0 = performance.now();
      const ep = (await cons(new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs], SecurityGroupIds: [sg], PrivateDnsEnabled: false }))).VpcEndpoint;
      const tCreated = performance.now();
      const eniIp = (await cons(new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ep.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;
      const answer = await prober.ask(`byte ${eniIp} 80`);
      const ms = performance.now() - t0;
      if (!answer.startsWith('ok')) throw new Error(`no byte through ${ep.VpcEndpointId} (${eniIp}) within 15 s: ${answer}`);
      values.push(round(ms, 1));
      opts.log(`create → first byte rep ${rep + 1}: ${ms.toFixed(1)} ms (CreateVpcEndpoint answered in ${(tCreated - t0).toFixed(1)} ms, ${answer.split(' ')[1]} connect attempts)`);
      await cons(new EC2.DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }));
    }
    notes.push('create → first byte: netns data plane (reconciled on each committed write); timed from sending CreateVpcEndpoint to the first byte read by a consumer workload; the ENI address is read with DescribeNetworkInterfaces inside the timed span.');
    return { values, notes };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await up?.close().catch(() => {});
    await new NetnsBackend({ prefix }).sweep().catch((e: unknown) => opts.log(`sweep failed: ${String(e)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

function motoMissing(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? undefined : 'moto_server is not on PATH (pip install "moto[server]")';
}

export const suite: Suite = async (opts) => {
  const EC2 = await import('@aws-sdk/client-ec2');
  const n = opts.quick ? 200 : 1000;
  const describeCalls = opts.quick ? 20 : 50;
  const notes: string[] = [];
  opts.log(`underpass, ${n} endpoints`);
  const u = await underpassCalls(EC2, opts, n, describeCalls);
  let motoWhy = motoMissing();
  let m: SubjectResult | undefined;
  if (!motoWhy) {
    opts.log(`moto_server, ${n} endpoints`);
    m = await motoCalls(EC2, opts, n, describeCalls).catch((e: unknown) => { motoWhy = `moto_server failed: ${(e as Error).message}`; return undefined; });
  }
  if (motoWhy) notes.push(motoWhy);

  const samples: Sample[] = [];
  const rows: Array<[string, (r: SubjectResult) => Series[] | undefined, boolean]> = [
    [`DescribeVpcEndpoints (${n} present)`, (r) => r.describeAll, false],
    [`DescribeVpcEndpoints (${n} present, a write before each)`, (r) => r.describeAfterWrite, false],
    ['DescribeVpcEndpoints (one id)', (r) => r.describeOne, true],
    ['CreateVpcEndpoint', (r) => r.create, true],
    ['AcceptVpcEndpointConnections', (r) => r.accept, true],
  ];
  for (const [op, pick, single] of rows) {
    const us = pick(u)!;
    const ms = m ? pick(m) : undefined;
    const skipped = motoWhy ?? (m && !ms ? 'moto_server 5.2.1 does not implement AcceptVpcEndpointConnections' : undefined);
    const vals = (f: (s: Series) => number) => ({ underpass: us.map(f), ...(ms ? { moto: ms.map(f) } : {}) });
    samples.push({
      metric: `${op} ops/s`, unit: 'ops/s', better: 'higher', values: vals((s) => s.opsPerSec), anchor: 'moto',
      ...(op.startsWith('DescribeVpcEndpoints (') && !single && !op.includes('write') ? { target: { ratio: 10, text: '≥ 10× moto_server' } } : {}),
      ...(skipped ? { skipped } : {}),
    });
    samples.push({ metric: `${op} p50`, unit: 'ms', better: 'lower', values: vals((s) => s.p50), anchor: 'moto', ...(skipped ? { skipped } : {}) });
    samples.push({
      metric: `${op} p99`, unit: 'ms', better: 'lower', values: vals((s) => s.p99), anchor: 'moto',
      ...(single ? { target: { absolute: 5, text: 'p99 < 5 ms' } } : {}), ...(skipped ? { skipped } : {}),
    });
  }
  notes.push(`api: @aws-sdk/client-ec2, one request at a time over keep-alive HTTP; ${n} endpoints created by the consumer account (split into ${opts.repetitions} timed series), `
    + `accepted one by one by the provider, then ${describeCalls} DescribeVpcEndpoints (all, MaxResults 1000, signed like the SDK but the XML left unparsed, so the row times the server and not the client's XML parser; Underpass answers a repeat from its response cache while nothing was written), ${Math.max(5, Math.floor(describeCalls / 2))} more each after a CreateTags (a fresh read), and ${describeCalls * 5} (one id) per repetition; ops/s = calls / time inside the timed calls; Underpass in its own process (underpass up), SQLite, network none.`);

  if (process.platform === 'linux' && process.getuid?.() === 0 && (existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/usr/bin/ip'))) {
    opts.log('CreateVpcEndpoint → first byte (netns)');
    const target = { absolute: 200, text: '< 200 ms' };
    try {
      const fb = await createToFirstByte(EC2, opts);
      samples.push({ metric: 'CreateVpcEndpoint → first byte', unit: 'ms', better: 'lower', values: { underpass: fb.values }, anchor: 'none', target });
      notes.push(...fb.notes);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      samples.push({ metric: 'CreateVpcEndpoint → first byte', unit: 'ms', better: 'lower', values: {}, anchor: 'none', target, skipped: `failed: ${(e as Error).message}` });
    }
  } else {
    samples.push({ metric: 'CreateVpcEndpoint → first byte', unit: 'ms', better: 'lower', values: {}, anchor: 'none', skipped: 'needs root on Linux with iproute2 (network namespaces)' });
  }
  return { suite: name, samples, notes };
};
