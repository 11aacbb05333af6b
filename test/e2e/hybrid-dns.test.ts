/**
 * Hybrid DNS the Route 53 Resolver way (netns, root; a failure under CI when it cannot run),
 * driven with the real AWS CLI (`aws route53resolver …`): an "on-premises" network — a namespace
 * the test attaches to the VPC's router with a veth, as a VPN would — runs Debian's dnsmasq,
 * authoritative for corp.internal. An outbound endpoint and a FORWARD rule associated with the
 * VPC make workloads in the VPC resolve corp.internal through it; an inbound endpoint lets the
 * on-premises network ask the VPC's resolver (answers from the VPC's view, rules included).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { NetnsBackend } from '../../src/net/netns.js';
import { eventually, startTestServer } from '../support/harness.js';
import { runCli } from '../support/clients.js';
import { cannotRun, runIn } from '../net/topologies.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const why = cannotRun() ?? (existsSync(DNSMASQ) ? undefined : 'dnsmasq (Debian dnsmasq-base) is not installed');
if (why && process.env.CI) throw new Error(`hybrid DNS tests cannot run under CI: ${why}`);
const kernel = why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {};
const PREFIX = `uh${process.pid % 1000}-`;
const ONPREM_NS = `${PREFIX}onprem`;
const ACCOUNT = '111111111111';

after(async () => {
  if (why) return;
  const b = new NetnsBackend({ prefix: PREFIX });
  await b.runner.run(['netns', 'del', ONPREM_NS]).catch(() => {});
  await b.sweep();
  assert.deepEqual((await b.listOwned()).namespaces, [], `namespaces with ${PREFIX} left behind`);
});

describe('Route 53 Resolver endpoints and forwarding rules (netns, AWS CLI, dnsmasq on premises)', kernel, () => {
  it('forwards corp.internal to the on-premises DNS and answers the on-premises network with the VPC view', async (t) => {
    const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX });
    const plane = up.dataPlane!;
    const b = plane.backend as NetnsBackend;
    const aws = async (args: string[]): Promise<any> => {
      const r = await runCli(up.endpoint, ACCOUNT, args);
      assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim() ? JSON.parse(r.stdout) : {};
    };

    const vpc = (await aws(['ec2', 'create-vpc', '--cidr-block', '10.0.0.0/16'])).Vpc.VpcId as string;
    const s1 = (await aws(['ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.1.0/24', '--availability-zone', 'us-east-1a'])).Subnet.SubnetId as string;
    const s2 = (await aws(['ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', '10.0.2.0/24', '--availability-zone', 'us-east-1b'])).Subnet.SubnetId as string;
    const sg = (await aws(['ec2', 'create-security-group', '--group-name', 'dns', '--description', 'DNS', '--vpc-id', vpc])).GroupId as string;
    await eventually(async () => plane.desired?.networks.find((n) => n.vpcId === vpc)?.subnets.length === 2, 15_000);

    // "On premises": a namespace attached to the VPC's router (192.168.100.0/24), with dnsmasq for corp.internal.
    const router = b.routerNamespace(vpc);
    await b.runner.run(['netns', 'add', ONPREM_NS]);
    t.after(() => b.runner.run(['netns', 'del', ONPREM_NS]).catch(() => {}));
    const vethR = `${PREFIX}hr`;
    await b.runner.batch([
      ['link', 'add', vethR, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ONPREM_NS],
      ['addr', 'add', '192.168.100.1/24', 'dev', vethR],
      ['link', 'set', vethR, 'up'],
    ], { netns: router });
    await b.runner.batch([
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', '192.168.100.2/24', 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['route', 'add', '10.0.0.0/16', 'via', '192.168.100.1'],
    ], { netns: ONPREM_NS });
    const dnsmasq = b.execIn(ONPREM_NS, [DNSMASQ, '--no-daemon', '--conf-file=/dev/null', '--listen-address=192.168.100.2', '--bind-interfaces',
      '--no-resolv', '--no-hosts', '--address=/db.corp.internal/192.168.100.50'], { timeoutMs: 120_000 });
    t.after(() => { dnsmasq.kill('SIGKILL'); });
    await eventually(async () => (await runIn(b, ONPREM_NS, ['dig', '+short', '+time=1', '+tries=1', '@192.168.100.2', 'db.corp.internal'])).includes('192.168.100.50'), 5000, 100);

    // Outbound endpoint, FORWARD rule, association.
    const out = (await aws(['route53resolver', 'create-resolver-endpoint', '--creator-request-id', 'out-1', '--name', 'to-corp',
      '--security-group-ids', sg, '--direction', 'OUTBOUND', '--ip-addresses', `SubnetId=${s1}`, `SubnetId=${s2}`])).ResolverEndpoint;
    assert.match(out.Id, /^rslvr-out-/);
    const rule = (await aws(['route53resolver', 'create-resolver-rule', '--creator-request-id', 'rule-1', '--name', 'corp',
      '--rule-type', 'FORWARD', '--domain-name', 'corp.internal', '--target-ips', 'Ip=192.168.100.2,Port=53', '--resolver-endpoint-id', out.Id])).ResolverRule;
    const assoc = (await aws(['route53resolver', 'associate-resolver-rule', '--resolver-rule-id', rule.Id, '--vpc-id', vpc])).ResolverRuleAssociation;
    await eventually(async () => (await aws(['route53resolver', 'get-resolver-rule-association', '--resolver-rule-association-id', assoc.Id]))
      .ResolverRuleAssociation.Status === 'COMPLETE', 10_000, 200);

    // A workload in the VPC resolves the on-premises name through the rule.
    const wl = await b.createWorkload({ vpcId: vpc, subnetId: s1, ip: '10.0.1.200', name: 'hy-w1' });
    t.after(() => b.removeWorkload(wl.namespace).catch(() => {}));
    await eventually(async () => (await runIn(b, wl.namespace, ['dig', '+short', '+time=1', '+tries=1', 'db.corp.internal'])).trim() === '192.168.100.50', 10_000, 200);

    // Inbound endpoint: the on-premises network asks the VPC's resolver at the endpoint's addresses.
    const inb = (await aws(['route53resolver', 'create-resolver-endpoint', '--creator-request-id', 'in-1', '--name', 'from-corp',
      '--security-group-ids', sg, '--direction', 'INBOUND', '--ip-addresses', `SubnetId=${s1}`, `SubnetId=${s2}`])).ResolverEndpoint;
    const ips = await eventually(async () => {
      const r = await aws(['route53resolver', 'list-resolver-endpoint-ip-addresses', '--resolver-endpoint-id', inb.Id]);
      const e = (await aws(['route53resolver', 'get-resolver-endpoint', '--resolver-endpoint-id', inb.Id])).ResolverEndpoint;
      return e.Status === 'OPERATIONAL' ? (r.IpAddresses as Array<{ Ip: string }>).map((x) => x.Ip) : undefined;
    }, 10_000, 200);
    assert.equal(ips.length, 2);
    for (const ip of ips) {
      // The VPC view: its forwarding rule applies; names under vpce.amazonaws.com are its own (authoritative NXDOMAIN).
      await eventually(async () => (await runIn(b, ONPREM_NS, ['dig', '+short', '+time=1', '+tries=1', `@${ip}`, 'db.corp.internal'])).trim() === '192.168.100.50', 10_000, 200);
      const nx = await runIn(b, ONPREM_NS, ['dig', '+time=1', '+tries=1', `@${ip}`, 'nothing.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com']);
      assert.match(nx, /status: NXDOMAIN/);
      assert.match(nx, /flags: qr aa/);
    }

    // From this host too: each inbound endpoint has a port on 127.0.0.1 (underpass dns / the admin API say which).
    const status = await (await fetch(`${up.endpoint}/_underpass/dns`, { headers: { authorization: `Bearer ${up.adminToken}` } })).json() as {
      inboundEndpoints: Array<{ id: string; host?: string; addresses: string[] }>; forwardingRules: Array<{ domain: string }>;
    };
    const mine = status.inboundEndpoints.find((e) => e.id === inb.Id);
    assert.ok(mine?.host, JSON.stringify(status));
    assert.deepEqual(mine.addresses.sort(), ips.map((ip) => `${ip}:53`).sort());
    assert.deepEqual(status.forwardingRules.map((r) => r.domain), ['corp.internal']);
    const [hostIp, hostPort] = mine.host.split(':');
    const fromHost = await new Promise<string>((resolve, reject) => {
      const d = spawn('dig', ['+short', '+time=2', '+tries=1', '-p', hostPort!, `@${hostIp}`, 'db.corp.internal'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let o = '';
      d.stdout.setEncoding('utf8').on('data', (x: string) => { o += x; });
      d.once('exit', (c) => (c === 0 ? resolve(o.trim()) : reject(new Error(`dig exit ${c}`))));
    });
    assert.equal(fromHost, '192.168.100.50');
    const cli = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [new URL('../../bin/underpass.js', import.meta.url).pathname, 'dns'], {
        env: { ...process.env, UNDERPASS_DATA_DIR: up.dataDir, UNDERPASS_PORT: String(up.port) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let o = '';
      c.stdout.setEncoding('utf8').on('data', (x: string) => { o += x; });
      c.once('exit', (code) => (code === 0 ? resolve(o) : reject(new Error(`underpass dns exit ${code}`))));
    });
    assert.match(cli, new RegExp(`${inb.Id} \\(inbound, ${vpc} view\\): .* in the VPC; ${mine.host.replace(/\./g, '\\.')} from this host`));
    assert.match(cli, new RegExp(`${vpc}: corp\\.internal → 192\\.168\\.100\\.2:53`));

    // Disassociating the rule stops the forwarding: the name goes to the public DNS, which does not know it.
    await aws(['route53resolver', 'disassociate-resolver-rule', '--resolver-rule-id', rule.Id, '--vpc-id', vpc]);
    await eventually(async () => (await runIn(b, wl.namespace, ['sh', '-c', 'dig +short +time=1 +tries=1 db.corp.internal || true'])).trim() !== '192.168.100.50', 10_000, 200);
  });
});
