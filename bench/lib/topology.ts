/**
 * Namespace topologies of the data-plane benchmark. `privateLinkPair` starts Underpass in-process
 * (netns network, the bench's own prefix) and builds, through the real AWS SDK, a provider VPC
 * with an NLB (one TCP listener and target group per port, one target workload) published as an
 * endpoint service, and a consumer VPC with an interface endpoint and a client workload.
 * `vethLink` joins two namespaces by a veth pair with a /30 (the direct path and HAProxy's path).
 * Every creation registers its undo on the `Cleanup` right after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { startUnderpass, type Underpass } from '../../src/control/app.js';
import type { NetnsBackend, Workload } from '../../src/net/netns.js';
import type { Cleanup } from './cleanup.js';
import { run, until } from './proc.js';

export const PROVIDER = '111111111111';
export const CONSUMER = '222222222222';

export interface PrivateLinkPair {
  up: Underpass;
  backend: NetnsBackend;
  /** The provider's target workload (10.0.1.200). */
  target: Workload;
  /** The consumer's client workload (10.1.1.100). */
  client: Workload;
  /** The endpoint ENI's address in the consumer VPC. */
  eniIp: string;
  consumerVpcId: string;
  providerVpcId: string;
  /** The consumer VPC's router namespace (where the ENI listens and HAProxy is placed). */
  consumerRouterNs: string;
  consumerGateway: string;
  targetGroupArns: Map<number, string>;
  elb: ELB.ElasticLoadBalancingV2Client;
}

function clients(endpoint: string, account: string): { ec2: EC2.EC2Client; elb: ELB.ElasticLoadBalancingV2Client } {
  const common = { endpoint, region: 'us-east-1', credentials: { accessKeyId: account, secretAccessKey: 'test' }, maxAttempts: 1 };
  return { ec2: new EC2.EC2Client(common), elb: new ELB.ElasticLoadBalancingV2Client(common) };
}

/**
 * Provider (10.0.0.0/16) NLB with a listener per port forwarding to the target workload on the
 * same port (PROXY v2 on for `proxyV2Ports`); consumer (10.1.0.0/16) endpoint (no acceptance) admitting those ports from its VPC.
 * `startTargets` runs once the target workload exists, before targets are registered.
 */
export async function privateLinkPair(cleanup: Cleanup, opts: {
  prefix: string; ports: number[]; proxyV2Ports?: number[]; log: (l: string) => void; startTargets: (backend: NetnsBackend, target: Workload) => Promise<void>;
}): Promise<PrivateLinkPair> {
  const dataDir = mkdtempSync(join(tmpdir(), 'underpass-bench-'));
  cleanup.add('data directory', () => rmSync(dataDir, { recursive: true, force: true }));
  const up = await startUnderpass({ port: 0, dataDir, network: 'netns', netPrefix: opts.prefix, dnsPort: 0, publicDns: '127.0.0.1:9', stateDelayMs: 50, tickMs: 20 });
  cleanup.add('underpass', () => up.close());
  const plane = up.dataPlane;
  if (!plane) throw new Error(`Underpass started without a data plane: ${up.networkNote}`);
  const backend = plane.backend as NetnsBackend;
  const endpoint = `http://127.0.0.1:${up.port}`;
  const prov = clients(endpoint, PROVIDER);
  const cons = clients(endpoint, CONSUMER);
  const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as never) as Promise<any>;
  const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as never) as Promise<any>;

  const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
  const ps = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
  const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'bench', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
  const targetGroupArns = new Map<number, string>();
  for (const port of opts.ports) {
    const tg = (await elb(prov, new ELB.CreateTargetGroupCommand({
      Name: `bench-${port}`, Protocol: 'TCP', Port: port, VpcId: pv, TargetType: 'ip', HealthCheckIntervalSeconds: 30,
    }))).TargetGroups[0].TargetGroupArn as string;
    targetGroupArns.set(port, tg);
    if (opts.proxyV2Ports?.includes(port)) {
      await elb(prov, new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }] }));
    }
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
  }
  await until(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 1, 15_000, 50, 'provider subnet in the data plane');
  const target = await backend.createWorkload({ vpcId: pv, subnetId: ps, ip: '10.0.1.200', name: 'bench-t' });
  cleanup.add('target workload', () => backend.removeWorkload(target.namespace));
  await opts.startTargets(backend, target);
  for (const [port, tg] of targetGroupArns) {
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: target.ip, Port: port }] }));
  }
  const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration;
  await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));
  // The service is Pending for the state delay: consumers find it once it is Available.
  await until(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 15_000, 50, 'service available');

  const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc.VpcId as string;
  const cs = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
  const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
  await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({
    GroupId: sg, IpPermissions: opts.ports.map((p) => ({ IpProtocol: 'tcp', FromPort: p, ToPort: p, IpRanges: [{ CidrIp: '10.1.0.0/16' }] })),
  }));
  const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs], SecurityGroupIds: [sg] }))).VpcEndpoint;
  const live = await until(async () => {
    const e = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
    return e.State === 'available' ? e : undefined;
  }, 30_000, 100, 'endpoint available');
  const eniIp = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: live.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;
  const client = await backend.createWorkload({ vpcId: cv, subnetId: cs, ip: '10.1.1.100', name: 'bench-c' });
  cleanup.add('client workload', () => backend.removeWorkload(client.namespace));
  opts.log(`topology: ${client.ip} (consumer ${cv}) → endpoint ENI ${eniIp}:{${opts.ports.join(',')}} → NLB node → ${target.ip} (provider ${pv})`);
  return {
    up, backend, target, client, eniIp, consumerVpcId: cv, providerVpcId: pv, consumerRouterNs: backend.routerNamespace(cv),
    consumerGateway: '10.1.1.1', targetGroupArns, elb: prov.elb,
  };
}

/**
 * A veth pair `<a name>` in namespace `nsA` (address `.1` of `net30`) and `<b name>` in `nsB`
 * (`.2`), MTU 65535 like Underpass's own veths; removed on cleanup (and with either namespace).
 */
export async function vethLink(cleanup: Cleanup, opts: { nsA: string; nsB: string; nameA: string; nameB: string; addrA: string; addrB: string }): Promise<void> {
  const ip = async (args: string[]) => {
    const r = await run(['ip', ...args], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  await ip(['-n', opts.nsA, 'link', 'add', opts.nameA, 'mtu', '65535', 'type', 'veth', 'peer', 'name', opts.nameB, 'mtu', '65535', 'netns', opts.nsB]);
  cleanup.add(`veth ${opts.nameA}`, () => run(['ip', '-n', opts.nsA, 'link', 'del', opts.nameA], { timeoutMs: 10_000 }));
  await ip(['-n', opts.nsA, 'addr', 'add', `${opts.addrA}/30`, 'dev', opts.nameA]);
  await ip(['-n', opts.nsB, 'addr', 'add', `${opts.addrB}/30`, 'dev', opts.nameB]);
  await ip(['-n', opts.nsA, 'link', 'set', opts.nameA, 'up']);
  await ip(['-n', opts.nsB, 'link', 'set', opts.nameB, 'up']);
}

/** Sets sysctls inside a namespace (e.g. a wide ephemeral port range for the connection-rate load). */
export async function sysctlIn(ns: string, settings: string[]): Promise<void> {
  const r = await run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`sysctl in ${ns}: ${r.stderr.trim()}`);
}
