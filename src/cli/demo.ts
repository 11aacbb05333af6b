/**
 * `underpass demo`: PrivateLink end to end, narrated. A provider account publishes two HTTP
 * targets (workloads started with `underpass exec`) behind an NLB as an endpoint service that
 * requires acceptance; a consumer account, in a VPC with the very same CIDR, creates an interface
 * endpoint, the provider accepts it, and a request from inside the consumer's VPC reaches a target
 * through the endpoint, while a direct request to the target's address does not. Runs against the
 * running Underpass (it must have the netns network), or starts one in a temporary data directory
 * (`--start`, or when none runs). Cleans up afterwards unless `--keep`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUnderpass } from '../control/app.js';
import { startDemoDns, type DemoDns } from './demo-dns.js';
import { adminRequest, ApiClient, asList, asStrings, AwsApiError, str, type XmlObject } from './api-client.js';
import { findServer, type ServerInfo } from './config.js';

export const PROVIDER = '111111111111';
export const CONSUMER = '222222222222';
/** The prefix of a server the demo starts itself: never the `up-` of the user's own Underpass. */
export const DEMO_PREFIX = 'updemo-';

const BIN = fileURLToPath(new URL('../../bin/underpass.js', import.meta.url));

export interface DemoOptions {
  /** Start an Underpass of its own even when one runs. */
  start: boolean;
  keep: boolean;
  dataDir: string;
  port?: number;
  /** Name prefix of the server the demo starts. */
  netPrefix?: string;
  log(line: string): void;
}

interface Server {
  info: ServerInfo;
  dataDir: string;
  /** Set when the demo started the server itself. */
  close?: () => Promise<void>;
  /** The demo's public DNS (only with a server of its own): lets the provider prove it owns the private DNS name. */
  publicDns?: DemoDns;
}

/** The provider's own name for its service, and the public address it has outside the consumer's VPC. */
export const DEMO_DOMAIN = 'underpass-demo.example';
export const DEMO_NAME = `api.${DEMO_DOMAIN}`;
const DEMO_PUBLIC_ADDRESS = '192.0.2.10';

class Interrupted extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const obj = (v: unknown): XmlObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as XmlObject) : {});

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** An HTTP GET as a command: curl when installed, else node's fetch (exit 28 on timeout, 7 on refusal, as curl). */
export function httpGetCommand(url: string, timeoutS: number): string[] {
  if (findOnPath('curl')) return ['curl', '-sS', '--connect-timeout', String(timeoutS), '--max-time', String(timeoutS + 3), url];
  return [process.execPath, '-e',
    'fetch(process.argv[1],{signal:AbortSignal.timeout(Number(process.argv[2])*1000)}).then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(String(e.cause?.code??e.name));process.exit(e.name==="TimeoutError"?28:7)})',
    url, String(timeoutS)];
}

/** The HTTP server a target runs: one page naming it. */
function targetCommand(name: string): string[] {
  return [process.execPath, '-e',
    'require("http").createServer((q,s)=>s.end(`hello from ${process.argv[1]} (${process.env.UNDERPASS_IP}), a target in the provider\'s VPC\\n`)).listen(80)',
    name];
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const log = opts.log;
  if (process.getuid?.() !== 0) throw new Error('the demo runs workloads in network namespaces (underpass exec), which needs root');
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\ninterrupted: cleaning up (Ctrl-C again to leave everything as it is)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const check = () => {
    if (interrupted) throw new Interrupted('interrupted');
  };

  const server = await acquireServer(opts);
  const client = ApiClient.forServer(server.info, { accessKeyId: 'test', secretAccessKey: 'test' });
  const provider = client.withCredentials({ accessKeyId: PROVIDER, secretAccessKey: 'test' });
  const consumer = client.withCredentials({ accessKeyId: CONSUMER, secretAccessKey: 'test' });
  const children: ChildProcess[] = [];
  const made: Made = {};
  let ok = false;
  /** --keep with a server of the demo's own: stopped by Ctrl-C after the run. */
  let stopKept = false;
  let cleaning = false;

  const execEnv = (account: string): NodeJS.ProcessEnv => ({
    ...process.env, UNDERPASS_DATA_DIR: server.dataDir, UNDERPASS_PORT: String(server.info.port),
    AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'test', AWS_SESSION_TOKEN: '',
  });
  const execArgs = (vpc: string, extra: string[], command: string[]) => [BIN, 'exec', '--vpc', vpc, ...extra, '--', ...command];
  /** `underpass exec` to completion, its output captured. */
  const execOnce = (account: string, vpc: string, command: string[]) => new Promise<{ code: number; out: string }>((resolve, reject) => {
    const c = spawn(process.execPath, execArgs(vpc, [], command), { env: execEnv(account), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    c.once('error', reject);
    c.once('exit', (code, signal) => resolve({ code: code ?? 128, out: out.trim() + (signal ? ` (${signal})` : '') }));
  });

  try {
    // Load balancer and target group names are unique per account: a suffix lets runs coexist (--keep).
    const run = randomBytes(2).toString('hex');
    const lbName = `demo-nlb-${run}`;
    const tgName = `demo-targets-${run}`;
    made.names = { lb: lbName, tg: tgName };
    const zones = asList((await provider.ec2('DescribeAvailabilityZones')).availabilityZoneInfo).map((z) => str(z.zoneName)).sort().slice(0, 2);
    const [za, zb] = zones as [string, string];

    log(`\n==> 1. The provider (account ${PROVIDER}) builds its network: a VPC with two subnets in two zones`);
    const pvpc = await makeVpc(provider, '10.0.0.0/16', [['10.0.1.0/24', za], ['10.0.2.0/24', zb]], log);
    made.providerVpc = pvpc.vpcId;
    const sg = str((await provider.ec2('CreateSecurityGroup', { GroupName: 'demo-targets', GroupDescription: 'HTTP from the VPC', VpcId: pvpc.vpcId })).groupId);
    await provider.ec2('AuthorizeSecurityGroupIngress', { GroupId: sg, IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '10.0.0.0/16' });
    log(`    security group ${sg} (demo-targets): TCP 80 from 10.0.0.0/16`);
    check();

    log('\n==> 2. Two HTTP targets, each a workload in the provider VPC started with `underpass exec`');
    const targets = [{ name: 'target A', ip: '10.0.1.10', subnet: pvpc.subnets[0]! }, { name: 'target B', ip: '10.0.2.10', subnet: pvpc.subnets[1]! }];
    for (const t of targets) {
      const cmd = targetCommand(t.name);
      log(`    $ underpass exec --vpc ${pvpc.vpcId} --subnet ${t.subnet} --ip ${t.ip} --security-group ${sg} -- node -e '<serve a page naming ${t.name}>' &`);
      const c = spawn(process.execPath, execArgs(pvpc.vpcId, ['--subnet', t.subnet, '--ip', t.ip, '--security-group', sg], cmd), {
        env: execEnv(PROVIDER), stdio: opts.keep ? 'ignore' : ['ignore', 'inherit', 'inherit'], detached: opts.keep,
      });
      children.push(c);
      c.once('exit', (code, signal) => {
        if (!cleaning && !interrupted) log(`    !! ${t.name} stopped early (${signal ?? `exit ${String(code)}`}): requests to it will fail`);
      });
    }

    log('\n==> 3. A network load balancer in both subnets, a TCP:80 target group with the two targets, a listener');
    const lb = obj(asList((await provider.elbv2('CreateLoadBalancer', { Name: lbName, Type: 'network', Scheme: 'internal', Subnets: pvpc.subnets })).LoadBalancers)[0]);
    const lbArn = str(lb.LoadBalancerArn);
    made.loadBalancer = lbArn;
    log(`    load balancer ${lbName}: ${lbArn} (${str(obj(lb.State).Code)})`);
    const tg = obj(asList((await provider.elbv2('CreateTargetGroup', {
      Name: tgName, Protocol: 'TCP', Port: 80, TargetType: 'ip', VpcId: pvpc.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2,
    })).TargetGroups)[0]);
    const tgArn = str(tg.TargetGroupArn);
    made.targetGroup = tgArn;
    log(`    target group ${tgName}: ${tgArn}`);
    await provider.elbv2('RegisterTargets', { TargetGroupArn: tgArn, Targets: targets.map((t) => ({ Id: t.ip, Port: 80 })) });
    log(`    registered ${targets.map((t) => `${t.ip}:80`).join(' and ')}`);
    await provider.elbv2('CreateListener', { LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] });
    log(`    listener TCP:80 → ${tgName}`);
    await waitFor('the load balancer to be active', 60_000, check, async () => {
      const l = obj(asList((await provider.elbv2('DescribeLoadBalancers', { LoadBalancerArns: [lbArn] })).LoadBalancers)[0]);
      return str(obj(l.State).Code) === 'active';
    });
    log('    load balancer: active');

    log('\n==> 4. The endpoint service: acceptance required, the consumer account allowed');
    const svc = obj((await provider.ec2('CreateVpcEndpointServiceConfiguration', { NetworkLoadBalancerArn: [lbArn], AcceptanceRequired: true })).serviceConfiguration);
    const serviceId = str(svc.serviceId);
    const serviceName = str(svc.serviceName);
    made.service = serviceId;
    await provider.ec2('ModifyVpcEndpointServicePermissions', { ServiceId: serviceId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] });
    log(`    ${serviceId}: ${serviceName}, allowed principal arn:aws:iam::${CONSUMER}:root`);
    await waitFor('the service to be Available', 60_000, check, async () =>
      str(asList((await provider.ec2('DescribeVpcEndpointServiceConfigurations', { ServiceId: [serviceId] })).serviceConfigurationSet)[0]?.serviceState) === 'Available');
    log('    service: Available');
    let privateName: string | undefined;
    if (server.publicDns) {
      const dnsServer = server.publicDns;
      log(`\n==> 4b. The provider names its service ${DEMO_NAME} and proves it owns the name with a TXT record in the public DNS`);
      await provider.ec2('ModifyVpcEndpointServiceConfiguration', { ServiceId: serviceId, PrivateDnsName: DEMO_NAME });
      const conf = obj(obj(asList((await provider.ec2('DescribeVpcEndpointServiceConfigurations', { ServiceId: [serviceId] })).serviceConfigurationSet)[0]).privateDnsNameConfiguration);
      log(`    TXT ${str(conf.name)}.${DEMO_DOMAIN} = "${str(conf.value)}" (published in the demo's public DNS)`);
      dnsServer.setTxt(`${str(conf.name)}.${DEMO_DOMAIN}`, [str(conf.value)]);
      await provider.ec2('StartVpcEndpointServicePrivateDnsVerification', { ServiceId: serviceId });
      const state = await waitFor('the name to be verified', 30_000, check, async () => {
        const c = obj(obj(asList((await provider.ec2('DescribeVpcEndpointServiceConfigurations', { ServiceId: [serviceId] })).serviceConfigurationSet)[0]).privateDnsNameConfiguration);
        return str(c.state) === 'verified' || str(c.state) === 'failed' ? str(c.state) : undefined;
      });
      log(`    private DNS name ${DEMO_NAME}: ${state}`);
      if (state === 'verified') privateName = DEMO_NAME;
    }

    log('\n==> 5. The targets pass their health checks');
    const states = await waitFor('both targets to be healthy', 45_000, check, async () => {
      const d = asList((await provider.elbv2('DescribeTargetHealth', { TargetGroupArn: tgArn })).TargetHealthDescriptions);
      const s = d.map((x) => `${str(obj(x.Target).Id)} ${str(obj(x.TargetHealth).State)}`);
      return d.length === 2 && d.every((x) => str(obj(x.TargetHealth).State) === 'healthy') ? s : undefined;
    }, true);
    log(`    ${states ? states.join(', ') : 'not all healthy yet (the NLB fails open: it uses every target then)'}`);

    log(`\n==> 6. The consumer (account ${CONSUMER}) builds a VPC with the SAME CIDR 10.0.0.0/16 and creates an interface endpoint`);
    const cvpc = await makeVpc(consumer, '10.0.0.0/16', [['10.0.1.0/24', za], ['10.0.2.0/24', zb]], log);
    made.consumerVpc = cvpc.vpcId;
    if (privateName) {
      await consumer.ec2('ModifyVpcAttribute', { VpcId: cvpc.vpcId, EnableDnsHostnames: { Value: true } });
      log('    DNS hostnames enabled in the VPC (private DNS names need them)');
    }
    const ep = obj((await consumer.ec2('CreateVpcEndpoint', { VpcEndpointType: 'Interface', VpcId: cvpc.vpcId, ServiceName: serviceName, SubnetId: cvpc.subnets })).vpcEndpoint);
    const endpointId = str(ep.vpcEndpointId);
    made.endpoint = endpointId;
    log(`    endpoint ${endpointId}: ${str(ep.state)}`);
    check();

    log('\n==> 7. The provider sees the request and accepts it');
    const conns = asList((await provider.ec2('DescribeVpcEndpointConnections', { Filter: [{ Name: 'service-id', Value: [serviceId] }] })).vpcEndpointConnectionSet);
    for (const c of conns) log(`    connection: ${str(c.vpcEndpointId)} from account ${str(c.vpcEndpointOwner)} (${str(c.vpcEndpointState)})`);
    await provider.ec2('AcceptVpcEndpointConnections', { ServiceId: serviceId, VpcEndpointId: [endpointId] });
    const ready = await waitFor('the endpoint to be available', 60_000, check, async () => {
      const e = asList((await consumer.ec2('DescribeVpcEndpoints', { VpcEndpointId: [endpointId] })).vpcEndpointSet)[0];
      return e && str(e.state) === 'available' ? e : undefined;
    });
    const dns = asList(ready.dnsEntrySet).map((d) => str(d.dnsName));
    log(`    endpoint ${endpointId}: available${dns[0] ? `, DNS name ${dns[0]}` : ''}`);
    const eniIds = asStrings(ready.networkInterfaceIdSet);
    const enis = eniIds.length
      ? asList((await consumer.ec2('DescribeNetworkInterfaces', { NetworkInterfaceId: eniIds })).networkInterfaceSet)
      : [];
    const eniIps = enis.map((e) => ({ ip: str(e.privateIpAddress), zone: str(e.availabilityZone) })).sort((a, b) => a.zone.localeCompare(b.zone));
    for (const e of eniIps) log(`    endpoint network interface in ${e.zone}: ${e.ip}`);
    if (eniIps.length === 0) throw new Error(`endpoint ${endpointId} has no network interfaces`);
    if (privateName) {
      await consumer.ec2('ModifyVpcEndpoint', { VpcEndpointId: endpointId, PrivateDnsEnabled: true });
      log(`    private DNS enabled on ${endpointId}: inside the consumer VPC, ${privateName} is the endpoint`);
    }

    log('\n==> 8. From inside the consumer VPC, through the endpoint: by name (the VPC resolver answers), then by each address');
    let reached = 0;
    const hosts = [...(privateName ? [privateName] : []), ...(dns[0] ? [dns[0]] : []), ...eniIps.map((e) => e.ip)];
    for (const host of hosts) {
      const cmd = httpGetCommand(`http://${host}/`, 5);
      log(`    $ underpass exec --vpc ${cvpc.vpcId} -- ${cmd[0] === 'curl' ? `curl -s http://${host}/` : `<fetch http://${host}/>`}`);
      const r = await execOnce(CONSUMER, cvpc.vpcId, cmd);
      log(`      ${r.code === 0 ? r.out : `FAILED (exit ${r.code}): ${r.out}`}`);
      if (r.code === 0 && /hello from target/.test(r.out)) reached++;
      check();
    }
    if (privateName) {
      const outside = await execOnce(PROVIDER, pvpc.vpcId, ['dig', '+short', privateName]);
      log(`    outside the consumer VPC (from the provider's VPC) ${privateName} is the public address: ${outside.out || '(no answer)'}`);
    }

    log('\n==> 9. Directly to a target\'s address from the consumer VPC: there is no such path');
    const direct = httpGetCommand(`http://${targets[0]!.ip}/`, 2);
    log(`    $ underpass exec --vpc ${cvpc.vpcId} -- ${direct[0] === 'curl' ? `curl --connect-timeout 2 http://${targets[0]!.ip}/` : `<fetch http://${targets[0]!.ip}/ within 2 s>`}`);
    const d = await execOnce(CONSUMER, cvpc.vpcId, direct);
    const isolated = d.code !== 0;
    log(isolated
      ? `      failed, as it should (exit ${d.code}${d.out ? `: ${d.out}` : ''}): ${targets[0]!.ip} in the consumer's VPC is not the provider's target`
      : `      UNEXPECTED: it answered: ${d.out}`);

    ok = reached === hosts.length && isolated;
    log(ok
      ? `\nDone: the consumer reached the provider's targets through ${endpointId} only.`
      : '\nThe demo did not go as expected (see above).');
  } catch (e) {
    if (!(e instanceof Interrupted)) log(`\nunderpass demo: ${(e as Error).message}`);
  } finally {
    if (opts.keep && !interrupted) {
      cleaning = true;
      for (const c of children) c.unref();
      log(`\nKept (--keep): UNDERPASS_DATA_DIR=${server.dataDir} UNDERPASS_PORT=${server.info.port}; provider VPC ${made.providerVpc ?? '-'}, consumer VPC ${made.consumerVpc ?? '-'}, endpoint ${made.endpoint ?? '-'}`);
      log(`  the targets run as pids ${children.map((c) => c.pid).join(' and ')} (kill them to remove them)`);
      if (server.close) {
        log('  this Underpass runs inside the demo: Ctrl-C stops it and removes everything');
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await new Promise<void>((r) => { process.once('SIGINT', r); process.once('SIGTERM', r); });
        stopKept = true;
      }
    }
    if (!opts.keep || interrupted || stopKept) {
      cleaning = true;
      log('\n==> Cleaning up');
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      if (server.close) {
        await server.close();
        log('    stopped the demo\'s Underpass and removed its networks');
      } else {
        await cleanUp(provider, consumer, made, log);
      }
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return interrupted ? 130 : ok ? 0 : 1;
}

interface Made {
  providerVpc?: string;
  consumerVpc?: string;
  loadBalancer?: string;
  targetGroup?: string;
  service?: string;
  endpoint?: string;
  names?: { lb: string; tg: string };
}

async function makeVpc(api: ApiClient, cidr: string, subnets: Array<[string, string]>, log: (l: string) => void): Promise<{ vpcId: string; subnets: string[] }> {
  const vpcId = str(obj((await api.ec2('CreateVpc', { CidrBlock: cidr })).vpc).vpcId);
  const ids: string[] = [];
  for (const [c, az] of subnets) ids.push(str(obj((await api.ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: c, AvailabilityZone: az })).subnet).subnetId));
  log(`    VPC ${vpcId} ${cidr}; subnets ${ids.map((id, i) => `${id} (${subnets[i]![0]}, ${subnets[i]![1]})`).join(' and ')}`);
  return { vpcId, subnets: ids };
}

/** Polls `fn` until it answers a value; throws after `ms` (or answers undefined when `soft`). */
async function waitFor<T>(what: string, ms: number, check: () => void, fn: () => Promise<T | undefined | false>, soft = false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    check();
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      if (soft) return undefined as T;
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    }
    await sleep(250);
  }
}

const RETRYABLE = new Set(['DependencyViolation', 'ResourceInUse', 'InvalidNetworkInterface.InUse']);

/** One cleanup step, retried while AWS says something still depends on it; failures reported, not thrown. */
async function step(what: string, log: (l: string) => void, fn: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fn();
      log(`    ${what}`);
      return;
    } catch (e) {
      if (e instanceof AwsApiError && /NotFound/.test(e.code)) return;
      if (!(e instanceof AwsApiError && RETRYABLE.has(e.code)) || Date.now() > deadline) {
        log(`    could not ${what.replace(/^deleted/, 'delete')}: ${(e as Error).message}`);
        return;
      }
      await sleep(250);
    }
  }
}

/** Deletes what the demo made on a server it did not start, in the order AWS requires. */
async function cleanUp(provider: ApiClient, consumer: ApiClient, made: Made, log: (l: string) => void): Promise<void> {
  if (made.endpoint) {
    const id = made.endpoint;
    await step(`deleted endpoint ${id}`, log, async () => {
      const r = await consumer.ec2('DeleteVpcEndpoints', { VpcEndpointId: [id] });
      const failed = asList(r.unsuccessful)[0];
      if (failed) throw new Error(str(obj(failed.error).message));
      // Wait until it is gone (deleting → deleted) so the service has no connections left.
      await waitFor(`${id} to be deleted`, 30_000, () => {}, async () => {
        const e = asList((await consumer.ec2('DescribeVpcEndpoints', { VpcEndpointId: [id] }).catch(() => ({}) as XmlObject)).vpcEndpointSet)[0];
        return !e || str(e.state) === 'deleted';
      });
    });
  }
  if (made.service) {
    const id = made.service;
    await step(`deleted endpoint service ${id}`, log, async () => {
      const r = await provider.ec2('DeleteVpcEndpointServiceConfigurations', { ServiceId: [id] });
      const failed = asList(r.unsuccessful)[0];
      if (failed) throw new AwsApiError(str(obj(failed.error).code) || 'ResourceInUse', str(obj(failed.error).message), 400, 'DeleteVpcEndpointServiceConfigurations');
    });
  }
  if (made.loadBalancer) {
    const arn = made.loadBalancer;
    await step(`deleted load balancer ${made.names?.lb ?? arn}`, log, () => provider.elbv2('DeleteLoadBalancer', { LoadBalancerArn: arn }));
  }
  if (made.targetGroup) {
    const arn = made.targetGroup;
    await step(`deleted target group ${made.names?.tg ?? arn}`, log, () => provider.elbv2('DeleteTargetGroup', { TargetGroupArn: arn }));
  }
  for (const [api, vpc] of [[consumer, made.consumerVpc], [provider, made.providerVpc]] as const) {
    if (!vpc) continue;
    const subnets = asList((await api.ec2('DescribeSubnets', { Filter: [{ Name: 'vpc-id', Value: [vpc] }] })).subnetSet).map((s) => str(s.subnetId));
    for (const s of subnets) await step(`deleted subnet ${s}`, log, () => api.ec2('DeleteSubnet', { SubnetId: s }));
    const groups = asList((await api.ec2('DescribeSecurityGroups', { Filter: [{ Name: 'vpc-id', Value: [vpc] }] })).securityGroupInfo)
      .filter((g) => str(g.groupName) !== 'default').map((g) => str(g.groupId));
    for (const g of groups) await step(`deleted security group ${g}`, log, () => api.ec2('DeleteSecurityGroup', { GroupId: g }));
    await step(`deleted VPC ${vpc}`, log, () => api.ec2('DeleteVpc', { VpcId: vpc }));
  }
}

/** The running Underpass (which must have the netns network), or one the demo starts. */
async function acquireServer(opts: DemoOptions): Promise<Server> {
  if (!opts.start) {
    let info: ServerInfo | undefined;
    try {
      info = findServer(opts.dataDir, opts.port);
    } catch {
      opts.log(`No running Underpass for ${opts.dataDir}: starting one for the demo.`);
    }
    if (info) {
      const status = await adminRequest(info, 'GET', '/status').catch(() => undefined);
      if (!status || status.status !== 200) {
        opts.log(`The Underpass of ${opts.dataDir} does not answer: starting one for the demo.`);
      } else if (status.json.network !== 'netns') {
        throw new Error(`the running Underpass (pid ${String(status.json.pid)}) has no netns network (network: ${String(status.json.network ?? 'none')}): `
          + 'restart it as root with --network netns, or run the demo with --start');
      } else {
        opts.log(`Using the running Underpass on port ${info.port} (data directory ${opts.dataDir}).`);
        return { info, dataDir: opts.dataDir };
      }
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-demo-'));
  let up;
  let publicDns: DemoDns | undefined;
  try {
    publicDns = await startDemoDns(DEMO_DOMAIN, { [DEMO_NAME]: DEMO_PUBLIC_ADDRESS });
    up = await startUnderpass({ port: 0, dataDir, network: 'netns', netPrefix: opts.netPrefix ?? DEMO_PREFIX, publicDns: `127.0.0.1:${publicDns.port}` });
  } catch (e) {
    await publicDns?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  opts.log(`Started Underpass on port ${up.port} with its store in ${dataDir}; ${up.networkNote}`);
  const started = up;
  const dnsServer = publicDns;
  return {
    info: findServer(dataDir),
    dataDir,
    publicDns: dnsServer,
    async close() {
      await started.close();
      await dnsServer.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
