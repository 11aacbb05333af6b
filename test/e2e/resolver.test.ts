/**
 * The per-VPC resolvers end to end (netns, root; a failure under CI when it cannot run), with
 * Debian's `dig` and `curl` inside the namespaces and Debian's dnsmasq as the "public DNS" (the
 * resolvers' upstream and the authority private DNS verification asks): regional and zonal
 * endpoint names from inside the consumer and provider VPCs and from the host; a name nobody
 * answers privately forwarded to the public DNS; the service's private DNS name resolving to the
 * endpoint only in the consumer VPC that enabled it and only while verified; curl by that name
 * reaching a target; the resolver silent in a VPC with DNS support off.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { NetnsBackend } from '../../src/net/netns.js';
import { eventually, startTestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';
import { runIn } from '../net/topologies.js';
import { netnsSuite } from './netns-suite.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const { kernel, prefix: PREFIX } = netnsSuite('ur', 'resolver tests', () => (existsSync(DNSMASQ) ? undefined : 'dnsmasq (Debian dnsmasq-base) is not installed')
  ?? (existsSync('/usr/bin/dig') ? undefined : 'dig (Debian dnsutils) is not installed'));
const PUBLIC_ADDRESS = '192.0.2.80';

/** dnsmasq as the public DNS on 127.0.0.1:<port>: api.example.com A, optional TXT records. */
async function startPublicDns(t: TestContext, txt: Array<[string, string]>, fixedPort?: number): Promise<{ port: number; stop: () => Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? 20_000 + Math.floor(Math.random() * 20_000);
    const args = ['--no-daemon', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
      '--no-resolv', '--no-hosts', `--address=/api.example.com/${PUBLIC_ADDRESS}`, `--address=/public.example.com/${PUBLIC_ADDRESS}`,
      ...txt.map(([n, v]) => `--txt-record=${n},${v}`)];
    const child: ChildProcess = spawn(DNSMASQ, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 300);
      child.once('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (!ok) { if (/in use/i.test(err) && !fixedPort) continue; throw new Error(`dnsmasq: ${err}`); }
    const stop = async () => { if (child.exitCode === null && child.signalCode === null) { const gone = new Promise((r) => child.once('exit', r)); child.kill('SIGKILL'); await gone; } };
    t.after(stop);
    return { port, stop };
  }
  throw new Error('no free port for dnsmasq');
}

async function dig(b: NetnsBackend, ns: string, name: string, extra: string[] = []): Promise<string[]> {
  const out = await runIn(b, ns, ['dig', '+short', '+time=2', '+tries=1', ...extra, name]);
  return out.trim().split('\n').filter(Boolean).sort();
}

describe('per-VPC resolvers (netns, dig, dnsmasq as public DNS)', kernel, () => {
  it('answers endpoint names everywhere, private names only where enabled, and forwards the rest', async (t) => {
    let pub = await startPublicDns(t, []);
    const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX, healthIntervalOverrideMs: 200, publicDns: `127.0.0.1:${pub.port}` });
    const plane = up.dataPlane!;
    const b = plane.backend as NetnsBackend;
    const prov = sdkClients(up.endpoint, '111111111111');
    const cons = sdkClients(up.endpoint, '222222222222');
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps1 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const ps2 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'dns', Type: 'network', Scheme: 'internal', Subnets: [ps1, ps2] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({ Name: 'dns', Protocol: 'TCP', Port: 8080, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await eventually(async () => plane.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 2, 15_000);
    const target = await b.createWorkload({ vpcId: pv, subnetId: ps1, ip: '10.0.1.200', name: 'dns-t1' });
    t.after(() => b.removeWorkload(target.namespace).catch(() => {}));
    const http = b.execIn(target.namespace, [process.execPath, '-e',
      `require('node:http').createServer((q, s) => s.end('target says hi\\n')).listen(8080, '${target.ip}', () => console.log('ready'))`], { timeoutMs: 120_000 });
    t.after(() => { http.kill('SIGKILL'); });
    await new Promise<void>((resolve) => http.stdout?.once('data', () => resolve()));
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: target.ip, Port: 8080 }] }));
    const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration;
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    // A service is Pending for the state delay; consumers cannot find it before it is Available.
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 20_000, 50);

    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const cs1 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const cs2 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs1, cs2], SecurityGroupIds: [sg], PrivateDnsEnabled: false,
    }))).VpcEndpoint;
    const live = await eventually(async () => {
      const e = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
      return e.State === 'available' ? e : undefined;
    }, 20_000, 50);
    const enis = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: live.NetworkInterfaceIds }))).NetworkInterfaces as any[];
    const ipA = enis.find((n) => n.SubnetId === cs1).PrivateIpAddress as string;
    const ipB = enis.find((n) => n.SubnetId === cs2).PrivateIpAddress as string;
    const [regional, zonalB, zonalA] = (live.DnsEntries as Array<{ DnsName: string }>).map((e) => e.DnsName);
    assert.match(zonalA!, /-us-east-1a\./);

    const client = await b.createWorkload({ vpcId: cv, subnetId: cs1, ip: '10.0.1.100', name: 'dns-c1' });
    t.after(() => b.removeWorkload(client.namespace).catch(() => {}));
    const provClient = await b.createWorkload({ vpcId: pv, subnetId: ps2, ip: '10.0.2.100', name: 'dns-p1' });
    t.after(() => b.removeWorkload(provClient.namespace).catch(() => {}));

    // Regional and zonal names: from the consumer VPC, the provider VPC (public names) and the host.
    assert.deepEqual(await dig(b, client.namespace, regional!), [ipA, ipB].sort());
    assert.deepEqual(await dig(b, client.namespace, zonalA!), [ipA]);
    assert.deepEqual(await dig(b, client.namespace, zonalB!), [ipB]);
    assert.deepEqual(await dig(b, client.namespace, regional!.toUpperCase()), [ipA, ipB].sort(), 'names are case-insensitive');
    assert.deepEqual(await dig(b, client.namespace, regional!, ['+tcp']), [ipA, ipB].sort(), 'TCP too');
    assert.deepEqual(await dig(b, provClient.namespace, regional!), [ipA, ipB].sort());
    const fromHost = await new Promise<string>((resolve, reject) => {
      const d = spawn('dig', ['+short', '+time=2', '+tries=1', '-p', String(plane.dnsHostPort), '@127.0.0.1', regional!], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      d.stdout.setEncoding('utf8').on('data', (x: string) => { out += x; });
      d.once('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`dig exit ${c}`))));
    });
    assert.deepEqual(fromHost.trim().split('\n').sort(), [ipA, ipB].sort());
    // A made-up name under the endpoint's domain does not exist; anything else goes to the public DNS.
    assert.match(await runIn(b, client.namespace, ['dig', '+time=2', '+tries=1', `nope.${svc.ServiceId}.us-east-1.vpce.amazonaws.com`]), /status: NXDOMAIN/);
    assert.deepEqual(await dig(b, client.namespace, 'public.example.com'), [PUBLIC_ADDRESS]);
    assert.deepEqual(await dig(b, client.namespace, 'api.example.com'), [PUBLIC_ADDRESS], 'no private DNS yet: the public answer');

    // curl by the regional name reaches the target through the endpoint.
    assert.equal((await runIn(b, client.namespace, ['curl', '-s', '--max-time', '3', `http://${regional}/`])).trim(), 'target says hi');

    // The provider's private DNS name: verified through the public DNS, then the consumer enables it.
    await ec2(prov, new EC2.ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: svc.ServiceId, PrivateDnsName: 'api.example.com' }));
    const conf = (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].PrivateDnsNameConfiguration;
    const port = pub.port;
    await pub.stop();
    pub = await startPublicDns(t, [[`${conf.Name}.example.com`, conf.Value]], port);
    await ec2(prov, new EC2.StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId: svc.ServiceId }));
    const state = async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] })))
      .ServiceConfigurations[0].PrivateDnsNameConfiguration.State as string;
    await eventually(async () => (await state()) === 'verified', 10_000, 100);
    await ec2(cons, new EC2.ModifyVpcAttributeCommand({ VpcId: cv, EnableDnsHostnames: { Value: true } }));
    await ec2(cons, new EC2.ModifyVpcEndpointCommand({ VpcEndpointId: ep.VpcEndpointId, PrivateDnsEnabled: true }));
    const addresses = (lines: string[]) => lines.filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l)).sort();
    await eventually(async () => addresses(await dig(b, client.namespace, 'api.example.com')).join() === [ipA, ipB].sort().join(), 10_000, 200);
    assert.ok((await dig(b, client.namespace, 'api.example.com')).some((l) => l === `${regional}.`), 'a CNAME to the regional name, as AWS');
    assert.deepEqual(await dig(b, provClient.namespace, 'api.example.com'), [PUBLIC_ADDRESS], 'outside the consumer VPC: the public answer');
    assert.equal((await runIn(b, client.namespace, ['curl', '-s', '--max-time', '3', 'http://api.example.com/'])).trim(), 'target says hi');

    // The name stops verifying (the TXT record is gone): the private name stops resolving to the endpoint.
    await pub.stop();
    pub = await startPublicDns(t, [], port);
    await ec2(prov, new EC2.StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId: svc.ServiceId }));
    await eventually(async () => (await state()) === 'failed', 10_000, 100);
    await eventually(async () => (await dig(b, client.namespace, 'api.example.com')).join() === PUBLIC_ADDRESS, 10_000, 200);

    // Garbage at the resolver (random datagrams, a TCP stream of junk): it keeps answering.
    const FUZZ = `
const dgram = require('node:dgram'); const net = require('node:net');
const s = dgram.createSocket('udp4'); let n = 0;
const send = () => { for (let i = 0; i < 100 && n < 3000; i++, n++) { const b = require('node:crypto').randomBytes(Math.floor(Math.random() * 700)); s.send(b, 53, '10.0.0.2'); } if (n < 3000) setImmediate(send); else done(); };
const done = () => { const c = net.connect(53, '10.0.0.2', () => { c.write(require('node:crypto').randomBytes(5000)); setTimeout(() => { c.destroy(); s.close(); console.log('sent'); }, 200); }); c.on('error', () => { s.close(); console.log('sent'); }); };
send();`;
    assert.equal((await runIn(b, client.namespace, [process.execPath, '-e', FUZZ])).trim(), 'sent');
    assert.deepEqual(await dig(b, client.namespace, regional!), [ipA, ipB].sort(), 'still answering after the garbage');

    // DNS support off: the VPC's resolver no longer answers.
    await ec2(cons, new EC2.ModifyVpcAttributeCommand({ VpcId: cv, EnableDnsSupport: { Value: false } }));
    await eventually(async () => (await runIn(b, client.namespace, ['sh', '-c', `dig +time=1 +tries=1 ${regional} || true`])).includes('timed out'), 10_000, 200);
    await ec2(cons, new EC2.ModifyVpcAttributeCommand({ VpcId: cv, EnableDnsSupport: { Value: true } }));
    await eventually(async () => (await dig(b, client.namespace, regional!)).length === 2, 10_000, 200);
  });
});
