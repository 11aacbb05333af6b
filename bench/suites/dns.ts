/**
 * Resolver benchmark (issue 5, item 3): queries/s and p99 for an endpoint's regional name and a
 * service's private DNS name, Underpass's VPC resolver against dnsmasq serving the same records.
 *
 * Both subjects are asked from the same place over the same hop: the load generator below runs in
 * a consumer workload namespace (`ip netns exec`); Underpass answers at the VPC's resolver address
 * (base + 2, a socket of the VPC's router namespace handed to the host's DNS worker process), and
 * dnsmasq runs inside that same router namespace bound to the subnet's gateway address, with
 * `--host-record` / `--cname` giving exactly the answers Underpass gives (regional name: A records
 * of the ENIs; private name: CNAME to the regional name plus those A records). The private name is
 * only in the VPC's view, which is why the host listener is not used. The load generator is
 * `udpLoad` (exported; tested in test/bench-suites/): N queries outstanding, a fixed total,
 * answers matched by id, timeouts counted. Run standalone with `loadgen <json>` as arguments.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import dnsPacket from 'dns-packet';
import { cpuSeconds, until } from '../lib/proc.js';
import { median, percentile } from '../lib/stats.js';
import type { Sample, Suite, SuiteResult } from '../lib/types.js';

/** CPU seconds a process has used so far; NaN when it is unknown or gone. */
function cpuOf(pid: number | undefined): number {
  try { return pid ? cpuSeconds(pid) : Number.NaN; } catch { return Number.NaN; }
}

export const name = 'dns';

export interface UdpLoadOptions {
  host: string;
  port: number;
  /** Names asked in turn (type A). */
  names: string[];
  /** Queries outstanding at once. */
  concurrency: number;
  /** Queries to send in all. */
  total: number;
  /** A query unanswered this long counts as a timeout (its slot is reused). */
  timeoutMs: number;
  /** Stop sending after this long even if `total` is not reached (bound). */
  maxDurationMs?: number;
}

export interface UdpLoadResult {
  sent: number;
  /** Answers whose id matched an outstanding query (each query counted once). */
  answered: number;
  /** Answered with an RCODE other than NOERROR or with no answer record. */
  badAnswers: number;
  timeouts: number;
  /** Datagrams whose id matched nothing outstanding (late, duplicate or foreign). */
  unmatched: number;
  elapsedMs: number;
  /** answered / elapsed seconds. */
  qps: number;
  p50Us: number;
  p99Us: number;
}


/** A bounded UDP DNS load: keeps `concurrency` queries in flight until `total` are sent, then waits for the last ones. */
export function udpLoad(opts: UdpLoadOptions): Promise<UdpLoadResult> {
  const packets = opts.names.map((n) => dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: n }] }));
  const inflight = new Map<number, number>(); // id → sent at (ms, performance clock)
  const latencies: number[] = [];
  let sent = 0, answered = 0, badAnswers = 0, timeouts = 0, unmatched = 0;
  let nextId = Math.floor(Math.random() * 65536);
  const sock: Socket = createSocket('udp4');
  const start = performance.now();
  const deadline = start + (opts.maxDurationMs ?? 600_000);
  return new Promise<UdpLoadResult>((resolve, reject) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(sweeper);
      const elapsedMs = performance.now() - start;
      sock.close();
      resolve({ sent, answered, badAnswers, timeouts, unmatched, elapsedMs, qps: answered / (elapsedMs / 1000), p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99) });
    };
    const pump = () => {
      while (inflight.size < opts.concurrency && sent < opts.total && performance.now() < deadline) {
        let id = nextId;
        while (inflight.has(id)) id = (id + 1) & 0xffff;
        nextId = (id + 1) & 0xffff;
        const pkt = Buffer.from(packets[sent % packets.length]!);
        pkt.writeUInt16BE(id, 0);
        inflight.set(id, performance.now());
        sent++;
        sock.send(pkt, opts.port, opts.host);
      }
      if (inflight.size === 0 && (sent >= opts.total || performance.now() >= deadline)) finish();
    };
    sock.on('error', (e) => { if (!finished) { finished = true; clearInterval(sweeper); sock.close(); reject(e); } });
    sock.on('message', (msg) => {
      if (msg.length < 12) { unmatched++; return; }
      const id = msg.readUInt16BE(0);
      const at = inflight.get(id);
      if (at === undefined || (msg[2]! & 0x80) === 0) { unmatched++; return; }
      inflight.delete(id);
      latencies.push((performance.now() - at) * 1000);
      answered++;
      const rcode = msg[3]! & 0x0f;
      if (rcode !== 0 || msg.readUInt16BE(6) === 0) badAnswers++;
      pump();
    });
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const [id, at] of inflight) if (now - at > opts.timeoutMs) { inflight.delete(id); timeouts++; }
      pump();
    }, Math.max(5, Math.floor(opts.timeoutMs / 4)));
    sock.bind(0, () => pump());
  });
}

// ---------------------------------------------------------------------------------------------
// The suite (netns, root): dynamic imports so the load generator stays light inside a namespace.

const DNSMASQ = '/usr/sbin/dnsmasq';
const DNSMASQ_PORT = 5353;
const PRIVATE_NAME = 'api.bench.example';



/** The pid of our child process whose command line contains `needle`. */
async function childPid(needle: string): Promise<number | undefined> {
  const { readdir, readFile } = await import('node:fs/promises');
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) return Number(d);
  }
  return undefined;
}


export const suite: Suite = async (opts) => {
  const notes: string[] = [];
  const { existsSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const skip = (why: string): SuiteResult => ({ suite: name, notes: [why], samples: [
    { metric: 'regional name queries/s', unit: 'q/s', better: 'higher', values: {}, anchor: 'dnsmasq', skipped: why },
  ] });
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return skip('needs root on Linux (network namespaces)');
  if (!existsSync(DNSMASQ)) return skip('dnsmasq (Debian dnsmasq-base) is not installed');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startUnderpass } = await import('../../src/control/app.js');
  const { NetnsBackend } = await import('../../src/net/netns.js');
  const EC2 = await import('@aws-sdk/client-ec2');
  const ELB = await import('@aws-sdk/client-elastic-load-balancing-v2');

  const prefix = `ud${process.pid % 1000}-`;
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-bench-dns-'));
  const children: Array<import('node:child_process').ChildProcess> = [];
  const killAll = () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); };

  // dnsmasq as the public DNS (upstream + the TXT record private DNS verification asks for).
  const startDnsmasq = async (args: string[], ns?: { b: InstanceType<typeof NetnsBackend>; namespace: string }) => {
    const argv = [DNSMASQ, '--no-daemon', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--bind-interfaces', ...args];
    const child = ns ? ns.b.execIn(ns.namespace, argv, { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 300);
      child.once('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (!ok) throw new Error(`dnsmasq: ${err}`);
    return child;
  };

  let up: Awaited<ReturnType<typeof startUnderpass>> | undefined;
  try {
    let pubPort = 0;
    let pub: import('node:child_process').ChildProcess | undefined;
    const startPublic = async (txt: string[]) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const port = pubPort || 20_000 + Math.floor(Math.random() * 20_000);
        try {
          pub = await startDnsmasq([`--port=${port}`, '--listen-address=127.0.0.1', `--address=/${PRIVATE_NAME}/192.0.2.80`, ...txt.map((t) => `--txt-record=${t}`)]);
          pubPort = port;
          return;
        } catch (e) { if (pubPort || !/in use/i.test(String(e))) throw e; }
      }
      throw new Error('no free port for dnsmasq');
    };
    await startPublic([]);
    up = await startUnderpass({ port: 0, dataDir, network: 'netns', netPrefix: prefix, dnsPort: 0, publicDns: `127.0.0.1:${pubPort}` });
    const plane = up.dataPlane!;
    const b = plane.backend as InstanceType<typeof NetnsBackend>;
    const endpoint = `http://127.0.0.1:${up.port}`;
    const client = (account: string) => {
      const common = { endpoint, region: 'us-east-1', credentials: { accessKeyId: account, secretAccessKey: 'test' }, maxAttempts: 1 };
      return { ec2: new EC2.EC2Client(common), elb: new ELB.ElasticLoadBalancingV2Client(common) };
    };
    const prov = client('111111111111');
    const cons = client('222222222222');
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    opts.log('provider VPC, NLB, service with a private DNS name');
    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'dns', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({ Name: 'dns', Protocol: 'TCP', Port: 8080, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.1.200', Port: 8080 }] }));
    const svc = (await until(async () => (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false, PrivateDnsName: PRIVATE_NAME }))).ServiceConfiguration, 15_000, 200));
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    await until(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] })))
      .ServiceConfigurations[0].ServiceState === 'Available', 15_000, 100);
    const conf = svc.PrivateDnsNameConfiguration ?? (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].PrivateDnsNameConfiguration;
    pub!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await startPublic([`${conf.Name}.${PRIVATE_NAME},${conf.Value}`]);
    await ec2(prov, new EC2.StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId: svc.ServiceId }));
    await until(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] })))
      .ServiceConfigurations[0].PrivateDnsNameConfiguration.State === 'verified', 15_000, 100);

    opts.log('consumer VPC, endpoint with private DNS, client workload');
    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc.VpcId as string;
    await ec2(cons, new EC2.ModifyVpcAttributeCommand({ VpcId: cv, EnableDnsHostnames: { Value: true } }));
    const cs = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs], PrivateDnsEnabled: true }))).VpcEndpoint;
    const live = await until(async () => {
      const e = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
      return e.State === 'available' ? e : undefined;
    }, 30_000, 100);
    const eniIp = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: live.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;
    const regional = (live.DnsEntries as Array<{ DnsName: string }>)[0]!.DnsName;
    const net = await until(async () => plane.desired?.networks.find((n) => n.vpcId === cv), 15_000);
    const resolverIp = net.resolverIp;
    const consumer = await b.createWorkload({ vpcId: cv, subnetId: cs, ip: '10.1.1.100', name: 'dns-c' });
    const gateway = consumer.gateway;

    // dnsmasq in the consumer VPC's router namespace, the same hop away as the VPC resolver.
    const vpcDnsmasq = await startDnsmasq([`--port=${DNSMASQ_PORT}`, `--listen-address=${gateway}`, `--host-record=${regional},${eniIp}`, `--cname=${PRIVATE_NAME},${regional}`, '--local-ttl=60'],
      { b, namespace: b.routerNamespace(cv) });

    const self = fileURLToPath(import.meta.url);
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const loadIn = (server: string, port: number, qname: string, total: number): Promise<UdpLoadResult> => new Promise((resolve, reject) => {
      const args: UdpLoadOptions = { host: server, port, names: [qname], concurrency: 64, total, timeoutMs: 1000, maxDurationMs: 60_000 };
      const child = b.execIn(consumer.namespace, [process.execPath, '--import', 'tsx', self, 'loadgen', JSON.stringify(args)], { timeoutMs: 90_000, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
      child.once('exit', (code) => {
        if (code !== 0) { reject(new Error(`load generator exited ${code}: ${err.slice(-1000)}`)); return; }
        try { resolve(JSON.parse(out.trim().split('\n').at(-1)!) as UdpLoadResult); } catch (e) { reject(e as Error); }
      });
    });

    // Both subjects must answer the same before being measured.
    for (const [server, port] of [[resolverIp, 53], [gateway, DNSMASQ_PORT]] as const) {
      for (const q of [regional, PRIVATE_NAME]) {
        const r = await until(async () => { const x = await loadIn(server, port, q, 5); return x.answered === 5 && x.badAnswers === 0 ? x : undefined; }, 15_000, 200);
        if (!r) throw new Error(`${server}:${port} does not answer ${q}`);
      }
    }

    const pids: Record<string, number | undefined> = { underpass: await childPid('dns-worker'), dnsmasq: vpcDnsmasq.pid };
    if (!pids.underpass) notes.push('the DNS worker process was not found: no CPU per query for Underpass');
    const total = opts.quick ? 20_000 : 100_000;
    const samples: Sample[] = [];
    for (const [label, qname] of [['regional name', regional], ['private DNS name', PRIVATE_NAME]] as const) {
      const qps: Record<string, number[]> = { underpass: [], dnsmasq: [] };
      const p99: Record<string, number[]> = { underpass: [], dnsmasq: [] };
      const cpu: Record<string, number[]> = { underpass: [], dnsmasq: [] };
      for (let rep = 0; rep < opts.repetitions; rep++) {
        opts.signal?.throwIfAborted();
        for (const [subject, server, port] of [['underpass', resolverIp, 53], ['dnsmasq', gateway, DNSMASQ_PORT]] as const) {
          const c0 = cpuOf(pids[subject]);
          const r = await loadIn(server, port, qname, total);
          const c1 = cpuOf(pids[subject]);
          if (Number.isFinite(c1 - c0)) cpu[subject]!.push(Math.round(((c1 - c0) / r.answered) * 1e7) / 10);
          if (r.timeouts || r.badAnswers) notes.push(`${label} ${subject} rep ${rep + 1}: ${r.timeouts} timeouts, ${r.badAnswers} bad answers of ${r.sent}`);
          qps[subject]!.push(Math.round(r.qps));
          p99[subject]!.push(Math.round(r.p99Us));
          opts.log(`${label} ${subject} rep ${rep + 1}: ${Math.round(r.qps)} q/s, p50 ${Math.round(r.p50Us)} µs, p99 ${Math.round(r.p99Us)} µs, server CPU ${cpu[subject]!.at(-1)} µs/query`);
        }
      }
      samples.push({ metric: `${label} queries/s`, unit: 'q/s', better: 'higher', values: qps, anchor: 'dnsmasq', target: { ratio: 0.7, text: '≥ 0.7× dnsmasq' } });
      samples.push({ metric: `${label} p99`, unit: 'µs', better: 'lower', values: p99, anchor: 'dnsmasq' });
      samples.push({ metric: `${label} server CPU per query`, unit: 'µs', better: 'lower', values: cpu, anchor: 'dnsmasq' });
      opts.log(`${label}: underpass/dnsmasq = ${(median(qps.underpass!) / median(qps.dnsmasq!)).toFixed(2)}×`);
    }
    notes.push(`UDP, ${total} A queries per run, 64 outstanding, from a consumer workload namespace; Underpass at the VPC resolver ${resolverIp}:53, `
      + `dnsmasq in the VPC's router namespace at ${gateway}:${DNSMASQ_PORT} with the same records (--host-record, --cname).`);
    return { suite: name, samples, notes };
  } finally {
    killAll();
    await up?.close().catch(() => {});
    await new NetnsBackend({ prefix }).sweep().catch((e: unknown) => opts.log(`sweep failed: ${String(e)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
};

// Standalone: `node --import tsx bench/suites/dns.ts loadgen '<UdpLoadOptions as JSON>'` prints one UdpLoadResult line.
if (process.argv[2] === 'loadgen' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').at(-1)!)) {
  udpLoad(JSON.parse(process.argv[3]!) as UdpLoadOptions).then(
    (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); },
    (e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exit(1); },
  );
}
