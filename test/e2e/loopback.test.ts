/**
 * The loopback network (no root needed; nothing isolated): two overlapping VPCs mapped to blocks
 * of 127.0.0.0/8, a provider target served from this process at its host address, and traffic
 * from a client bound to its workload's host address through the endpoint: the target sees the NLB
 * node, the PROXY v2 header and the security groups speak VPC addresses, a client that does not
 * bind to a workload address (127.0.0.1) is refused by the security group, and `underpass exec`
 * runs its command on the host with both addresses in its environment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoopbackBackend } from '../../src/net/loopback.js';
import { decodeProxyV2 } from '../../src/wire/proxy-v2.js';
import { eventually, startTestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';

const BIN = fileURLToPath(new URL('../../bin/underpass.js', import.meta.url));
const PORT = 8000; // above 1024: no root needed to listen

/** Connects (optionally from `localAddress`), sends `hello`, returns what came back or the error. */
function request(host: string, port: number, localAddress?: string): Promise<{ ok: boolean; data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { s.destroy(); resolve({ ok: false, data: Buffer.alloc(0), error: 'timeout' }); }, 3000);
    s.on('connect', () => s.write('hello'));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => { clearTimeout(timer); resolve({ ok: true, data: Buffer.concat(chunks) }); });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); resolve({ ok: false, data: Buffer.concat(chunks), error: e.code ?? e.message }); });
  });
}

describe('loopback network', () => {
  it('carries traffic between overlapping VPCs mapped onto 127.0.0.0/8, speaking VPC addresses', async (t) => {
    const up = await startTestServer(t, { network: 'loopback', healthIntervalOverrideMs: 200 });
    const plane = up.dataPlane!;
    assert.equal(plane.backend.kind, 'loopback');
    const lb = plane.backend as LoopbackBackend;
    const prov = sdkClients(up.endpoint, '111111111111');
    const cons = sdkClients(up.endpoint, '222222222222');
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'lo', Type: 'network', Scheme: 'internal', Subnets: [ps] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({ Name: 'lo', Protocol: 'TCP', Port: 8080, VpcId: pv, TargetType: 'ip' }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'true' }] }));
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: PORT, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await eventually(async () => plane.desired?.networks.some((n) => n.vpcId === pv), 15_000);

    // The target: this process, at the host address of 10.0.1.200 in the provider VPC.
    const targetHost = lb.hostAddress(pv, '10.0.1.200');
    assert.match(targetHost, /^127\.\d+\.1\.200$/);
    const target = createServer((s) => {
      s.on('error', () => {});
      const got: Buffer[] = [];
      s.on('data', (d) => {
        got.push(d);
        const all = Buffer.concat(got);
        const dec = decodeProxyV2(all);
        if (dec.header && all.length >= dec.length + 5) s.end(JSON.stringify({ peer: s.remoteAddress, header: dec.header, rest: all.subarray(dec.length).toString() }));
        else if (!dec.header && !dec.incomplete) s.end(JSON.stringify({ peer: s.remoteAddress, rest: all.toString() })); // health checks, plain
      });
    });
    await new Promise<void>((resolve) => target.listen(8080, targetHost, resolve));
    t.after(() => { target.close(); });
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.1.200', Port: 8080 }] }));
    const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: false }))).ServiceConfiguration;
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId, AddAllowedPrincipals: ['arn:aws:iam::222222222222:root'] }));
    // A service is Pending for the state delay; consumers cannot find it before it is Available.
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svc.ServiceId] }))).ServiceConfigurations[0].ServiceState === 'Available', 20_000, 50);

    // The consumer: the same CIDR; the endpoint admits the VPC's addresses.
    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const cs = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: PORT, ToPort: PORT, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs], SecurityGroupIds: [sg] }))).VpcEndpoint;
    const live = await eventually(async () => {
      const e = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId] }))).VpcEndpoints[0];
      return e.State === 'available' ? e : undefined;
    }, 20_000, 50);
    const eniIp = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: live.NetworkInterfaceIds }))).NetworkInterfaces[0].PrivateIpAddress as string;
    assert.match(eniIp, /^10\.0\.1\.\d+$/, 'the API keeps showing VPC addresses');
    const eniHost = lb.hostAddress(cv, eniIp);
    assert.notEqual(eniHost.split('.')[1], targetHost.split('.')[1], 'each VPC has its own block');

    // A client bound to its workload's host address is seen with its VPC address.
    const clientHost = lb.hostAddress(cv, '10.0.1.100');
    const r = await request(eniHost, PORT, clientHost);
    assert.ok(r.ok, JSON.stringify(r));
    const seen = JSON.parse(r.data.toString()) as { peer: string; header: { source: { address: string }; destination: { address: string; port: number }; vpceId: string }; rest: string };
    assert.equal(seen.header.source.address, '10.0.1.100');
    assert.deepEqual(seen.header.destination, { address: eniIp, port: PORT });
    assert.equal(seen.header.vpceId, ep.VpcEndpointId);
    assert.equal(seen.rest, 'hello');
    assert.match(seen.peer, new RegExp(`^127\\.${targetHost.split('.')[1]}\\.1\\.\\d+$`), 'the target sees the NLB node\'s host address');

    // A process that does not bind (source 127.0.0.1) is in no VPC: the security group refuses it.
    const host = await request(eniHost, PORT);
    assert.equal(host.ok && host.data.length > 0, false, JSON.stringify(host));

    // Health checks run on loopback too.
    await eventually(async () => {
      const d = (await elb(prov, new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions[0];
      return d.TargetHealth.State === 'healthy';
    }, 15_000, 100);

    // `underpass exec` runs on the host, with the workload's host and VPC addresses.
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [BIN, 'exec', '--vpc', cv, '--ip', '10.0.1.50', '--', process.execPath, '-e',
        'console.log(process.env.UNDERPASS_IP + " " + process.env.UNDERPASS_VPC_IP)'], {
        env: { ...process.env, UNDERPASS_DATA_DIR: up.dataDir, UNDERPASS_PORT: String(up.port), AWS_ACCESS_KEY_ID: '222222222222', AWS_SECRET_ACCESS_KEY: 'test' },
        timeout: 30_000,
      }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
    });
    assert.equal(out.trim(), `${lb.hostAddress(cv, '10.0.1.50')} 10.0.1.50`);
  });
});
