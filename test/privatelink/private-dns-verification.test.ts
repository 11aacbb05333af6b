/**
 * Private DNS name ownership verification: the pure rules as tables (which TXT names prove a
 * name, what lookups conclude, the state machine), then the whole flow through the SDK and the
 * AWS CLI against a real authoritative server the test runs (Debian's dnsmasq on 127.0.0.1 and
 * a free port): verify by `<Name>.<domain>` and by the apex, a value in the wrong case, a record
 * removed later, Start's errors, PrivateDnsEnabled before and after, no public DNS configured.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  CreateVpcEndpointCommand, DescribeVpcEndpointServiceConfigurationsCommand, DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand, ModifyVpcEndpointCommand, ModifyVpcEndpointServiceConfigurationCommand,
  StartVpcEndpointServicePrivateDnsVerificationCommand,
} from '@aws-sdk/client-ec2';
import { DEFAULT_CONTROL_CONFIG } from '../../src/control/api/context.js';
import { lookupTxt, type DnsServer, type TxtAnswer } from '../../src/control/dns-txt.js';
import { startPrivateDnsVerifier } from '../../src/control/services/privatelink/index.js';
import {
  checkDue, evaluateLookups, nextVerificationState, verificationNames, type StoredDnsConfiguration,
} from '../../src/control/services/privatelink/provider/verification.js';
import { DIALECTS, eventually, startTestServer, type TestServer } from '../support/harness.js';
import { lifo, runCli } from '../support/clients.js';
import { CONSUMER, PROVIDER, ec2, rejectsWith, seedConsumerNetwork, seedService } from './consumer-fixtures.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const ZONE = 'example.test';

// ---------------------------------------------------------------------------------------------
// Pure rules

describe('verification names', () => {
  const rows: Array<[string, string[]]> = [
    ['api.example.com', ['_t.api.example.com', 'api.example.com', '_t.example.com', 'example.com']],
    ['*.svc.example.com', ['_t.svc.example.com', 'svc.example.com', '_t.example.com', 'example.com']],
    ['example.com', ['_t.example.com', 'example.com']],
    ['a.b.example.com', ['_t.a.b.example.com', 'a.b.example.com', '_t.b.example.com', 'b.example.com', '_t.example.com', 'example.com']],
  ];
  for (const [name, want] of rows) it(name, () => assert.deepEqual(verificationNames(name, '_t'), want));
});

describe('what lookups conclude', () => {
  const found = (...values: string[]): TxtAnswer => ({ kind: 'found', values });
  const fail = (kind: 'nxdomain' | 'nodata' | 'timeout' | 'refused'): TxtAnswer => ({ kind, detail: kind });
  const rows: Array<{ name: string; answers: TxtAnswer[]; want: string; reason?: RegExp }> = [
    { name: 'exact value at the token name', answers: [found('vpce:AbC'), fail('nodata')], want: 'found' },
    { name: 'exact value at the apex among others', answers: [fail('nxdomain'), found('v=spf1 -all', 'vpce:AbC')], want: 'found' },
    { name: 'found wins over unanswered', answers: [fail('timeout'), found('vpce:AbC')], want: 'found' },
    { name: 'value in another case', answers: [found('vpce:abc'), fail('nxdomain')], want: 'absent', reason: /different case/ },
    { name: 'nothing published', answers: [fail('nxdomain'), fail('nodata')], want: 'absent' },
    { name: 'a lookup timed out', answers: [fail('nxdomain'), fail('timeout')], want: 'inconclusive', reason: /timeout/ },
    { name: 'refused', answers: [fail('refused'), fail('refused')], want: 'inconclusive' },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const out = evaluateLookups('vpce:AbC', r.answers.map((answer, i) => ({ name: `n${i}`, answer })));
      assert.equal(out.result, r.want, out.reason);
      if (r.reason) assert.match(out.reason, r.reason);
    });
  }
});

describe('the verification state machine', () => {
  const rows: Array<[from: 'pendingVerification' | 'verified' | 'failed', trigger: 'requested' | 'periodic', outcome: 'found' | 'absent' | 'inconclusive', want: string]> = [
    ['pendingVerification', 'requested', 'found', 'verified'],
    ['pendingVerification', 'requested', 'absent', 'failed'],
    ['pendingVerification', 'requested', 'inconclusive', 'failed'],
    ['pendingVerification', 'periodic', 'found', 'verified'],
    ['pendingVerification', 'periodic', 'absent', 'pendingVerification'],
    ['pendingVerification', 'periodic', 'inconclusive', 'pendingVerification'],
    ['verified', 'periodic', 'found', 'verified'],
    ['verified', 'periodic', 'absent', 'failed'],
    ['verified', 'periodic', 'inconclusive', 'verified'],
    ['failed', 'periodic', 'found', 'verified'],
    ['failed', 'periodic', 'absent', 'failed'],
    ['failed', 'periodic', 'inconclusive', 'failed'],
  ];
  for (const [from, trigger, outcome, want] of rows) {
    it(`${from} + ${trigger} check ${outcome} → ${want}`, () => assert.equal(nextVerificationState(from, trigger, outcome).state, want));
  }

  it('is due: requested at once, pending and never checked at once, else every recheck interval', () => {
    const base: StoredDnsConfiguration = { state: 'verified', type: 'TXT', name: '_t', value: 'vpce:x' };
    const now = new Date('2026-01-01T00:10:00Z');
    assert.equal(checkDue({ ...base, checkedAt: '2026-01-01T00:09:59Z', requestedAt: '2026-01-01T00:10:00Z' }, now, 60_000), 'requested');
    assert.equal(checkDue({ ...base, state: 'pendingVerification' }, now, 60_000), 'periodic');
    assert.equal(checkDue(base, now, 60_000), undefined, 'a verified name no check set (a fixture) waits for a Start');
    assert.equal(checkDue({ ...base, checkedAt: '2026-01-01T00:09:30Z' }, now, 60_000), undefined);
    assert.equal(checkDue({ ...base, checkedAt: '2026-01-01T00:09:00Z' }, now, 60_000), 'periodic');
  });
});

// ---------------------------------------------------------------------------------------------
// An authoritative server for example.test: dnsmasq, restarted to change its records.

interface Dnsmasq { server: DnsServer; address: string; publish(records: Array<[string, string]>): Promise<void> }

/**
 * A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both), below the kernel's
 * ephemeral range so that other tests' connections do not take it between our restarts of dnsmasq.
 */
async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const udp = createSocket('udp4');
    const udpOk = await new Promise<boolean>((resolve) => { udp.once('error', () => resolve(false)); udp.bind(port, '127.0.0.1', () => resolve(true)); });
    const tcp = createServer();
    const tcpOk = udpOk && await new Promise<boolean>((resolve) => { tcp.once('error', () => resolve(false)); tcp.listen(port, '127.0.0.1', () => resolve(true)); });
    if (udpOk) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpOk) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpOk && tcpOk) return port;
  }
  throw new Error('no port free for UDP and TCP found in 100 tries');
}

async function startDnsmasq(after: (fn: () => Promise<void>) => void): Promise<Dnsmasq> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDnsmasqOn(after, await freeDnsPort());
    } catch (e) {
      // Another test may still take the port between our check and dnsmasq's bind: another port then.
      if (attempt >= 5 || !/in use/i.test((e as Error).message)) throw e;
    }
  }
}

async function startDnsmasqOn(after: (fn: () => Promise<void>) => void, port: number): Promise<Dnsmasq> {
  const server = { host: '127.0.0.1', port };
  let proc: ChildProcess | undefined;
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
  };
  after(stop);
  const publish = async (records: Array<[string, string]>) => {
    await stop();
    const args = [
      '--no-daemon', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
      '--no-resolv', '--no-hosts', `--local=/${ZONE}/`, `--txt-record=ready.${ZONE},ok`,
      ...records.map(([name, value]) => `--txt-record=${name},${value}`),
    ];
    const p = spawn(DNSMASQ, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    proc = p;
    await eventually(async () => {
      if (p.exitCode !== null) throw new Error(`dnsmasq exited ${p.exitCode}: ${stderr}`);
      const a = await lookupTxt(server, `ready.${ZONE}`, { timeoutMs: 200, tries: 1 });
      return a.kind === 'found';
    }, 10_000);
  };
  await publish([]);
  return { server, address: `127.0.0.1:${port}`, publish };
}

describe('TXT lookups', () => {
  it('a server that never answers is a bounded timeout, not an answer', async (t) => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    t.after(() => silent.close());
    const started = Date.now();
    const a = await lookupTxt({ host: '127.0.0.1', port: silent.address().port }, `x.${ZONE}`, { timeoutMs: 200, tries: 1 });
    assert.equal(a.kind, 'timeout');
    assert.ok(Date.now() - started < 3_000);
  });

  it('joins the strings of a multi-string record; NXDOMAIN and NODATA are answers', async (t) => {
    const cleanups = lifo(t);
    const dns = await startDnsmasq(cleanups.after);
    await dns.publish([[`multi.${ZONE}`, 'vpce:ab,cd'], [`_c.parent.${ZONE}`, 'x']]);
    assert.deepEqual(await lookupTxt(dns.server, `multi.${ZONE}`), { kind: 'found', values: ['vpce:abcd'] });
    assert.equal((await lookupTxt(dns.server, `none.${ZONE}`)).kind, 'nxdomain');
    assert.equal((await lookupTxt(dns.server, `parent.${ZONE}`)).kind, 'nodata');
  });
});

// ---------------------------------------------------------------------------------------------
// The flow through the API

interface Setup {
  server: TestServer;
  dns: Dnsmasq;
  logs: string[];
  serviceId: string;
  serviceName: string;
  /** The token AWS-style: TXT `<name>.<domain>` = `<value>`. */
  token: { name: string; value: string };
}

async function getConfig(server: TestServer, id: string): Promise<StoredDnsConfiguration | undefined> {
  const s = await server.store.transaction(false, (tx) => tx.get('endpoint-service', id));
  return s?.privateDnsNameConfiguration as StoredDnsConfiguration | undefined;
}

async function state(server: TestServer, serviceId: string): Promise<string | undefined> {
  const out = await ec2(server, PROVIDER).send(new DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [serviceId] }));
  return out.ServiceConfigurations?.[0]?.PrivateDnsNameConfiguration?.State;
}

async function waitState(server: TestServer, serviceId: string, want: string): Promise<void> {
  await eventually(async () => (await state(server, serviceId)) === want, 10_000).catch(async () => {
    assert.fail(`state ${await state(server, serviceId)} (reason: ${(await getConfig(server, serviceId))?.reason}), want ${want}`);
  });
}

/**
 * A server (with `--public-dns` at the test's dnsmasq unless `publicDns` is false), a verifier of
 * the test's own polling every 20 ms with the test's re-check interval (a verifier the server runs
 * itself may take a requested check first: results are asserted on the store, not on this log), a provider's service with `privateDnsName` set through the API, and the
 * first automatic check done (it finds nothing: the token did not exist before).
 */
async function setup(t: TestContext, dialect: 'sqlite' | 'postgres', privateDnsName: string, o: { recheckMs?: number; publicDns?: boolean } = {}): Promise<Setup> {
  const cleanups = lifo(t);
  const dns = await startDnsmasq(cleanups.after);
  const publicDns = o.publicDns ?? true;
  const server = await startTestServer(t, { dialect, ...(publicDns ? { publicDns: dns.address } : {}) });
  const logs: string[] = [];
  const verifier = startPrivateDnsVerifier(server.store, { ...DEFAULT_CONTROL_CONFIG, ...(publicDns ? { publicDns: dns.server } : {}) }, {
    pollMs: 20, recheckMs: o.recheckMs ?? 3_600_000, lookup: { timeoutMs: 500, tries: 1 }, log: (l) => logs.push(l),
  });
  cleanups.after(() => verifier.stop());
  const { serviceId, serviceName } = await seedService(server, { acceptanceRequired: false });
  await ec2(server, PROVIDER).send(new ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: serviceId, PrivateDnsName: privateDnsName }));
  const cfg = await eventually(async () => { const c = await getConfig(server, serviceId); return c?.checkedAt ? c : undefined; });
  assert.equal(cfg.state, 'pendingVerification', 'an automatic check that finds nothing leaves the name pending');
  assert.match(cfg.name, /^_[a-z0-9]{20}$/);
  assert.match(cfg.value, /^vpce:[A-Za-z0-9]{20}$/);
  return { server, dns, logs, serviceId, serviceName, token: { name: cfg.name, value: cfg.value } };
}

async function start(server: TestServer, serviceId: string): Promise<void> {
  const out = await ec2(server, PROVIDER).send(new StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId: serviceId }));
  assert.equal(out.ReturnValue, true);
}

for (const dialect of DIALECTS) {
  describe(`private DNS name verification (${dialect})`, () => {
    it('verifies by <Name>.<domain>; PrivateDnsEnabled is refused before and accepted after', async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`);
      const net = await seedConsumerNetwork(s.server);
      const client = ec2(s.server, CONSUMER);
      const create = (privateDns: boolean) => client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: s.serviceName, SubnetIds: [net.subnetA], PrivateDnsEnabled: privateDns,
      }));
      await rejectsWith(create(true), 'InvalidParameter', /not verified \(its verification state is pendingVerification\)/);

      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      assert.equal(await state(s.server, s.serviceId), 'pendingVerification', 'nothing changes before a check');
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
      assert.match((await getConfig(s.server, s.serviceId))!.reason!, new RegExp(`TXT ${s.token.name}\\.api\\.${ZONE} holds`));

      const seen = await client.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [s.serviceName] }));
      assert.equal(seen.ServiceDetails?.[0]?.PrivateDnsNameVerificationState, 'verified');
      const ep = (await create(true)).VpcEndpoint!;
      assert.equal(ep.PrivateDnsEnabled, true);
      assert.ok(ep.DnsEntries?.some((e) => e.DnsName === `api.${ZONE}`));
    });

    it('verifies by a record at the domain itself (the apex)', async (t) => {
      const s = await setup(t, dialect, `*.svc.${ZONE}`);
      await s.dns.publish([[`svc.${ZONE}`, s.token.value]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
    });

    it('a parent domain verifies a subdomain', async (t) => {
      const s = await setup(t, dialect, `a.b.${ZONE}`);
      await s.dns.publish([[`${s.token.name}.${ZONE}`, s.token.value]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
    });

    it('a value in another case fails (the comparison is exact)', async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`);
      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value.toLowerCase() === s.token.value ? s.token.value.toUpperCase() : s.token.value.toLowerCase()]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'failed');
      assert.match((await getConfig(s.server, s.serviceId))!.reason!, /different case/);

      // Fixed and started again: pendingVerification until the check, then verified.
      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
    });

    it('a record removed later: the periodic re-check regresses the name; existing endpoints keep private DNS, new enablement is refused', async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`, { recheckMs: 300 });
      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
      const net = await seedConsumerNetwork(s.server);
      const client = ec2(s.server, CONSUMER);
      const create = (privateDns: boolean, subnet: string) => client.send(new CreateVpcEndpointCommand({
        VpcEndpointType: 'Interface', VpcId: net.vpcId, ServiceName: s.serviceName, SubnetIds: [subnet], PrivateDnsEnabled: privateDns,
      }));
      const withDns = (await create(true, net.subnetA)).VpcEndpoint!.VpcEndpointId!;
      const without = (await create(false, net.subnetB)).VpcEndpoint!.VpcEndpointId!;

      await s.dns.publish([]);
      await waitState(s.server, s.serviceId, 'failed');
      assert.ok(s.logs.some((l) => l.includes('verified → failed')), s.logs.join('\n'));

      const eps = await client.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [withDns] }));
      assert.equal(eps.VpcEndpoints?.[0]?.PrivateDnsEnabled, true, 'an existing endpoint keeps its private DNS setting');
      await rejectsWith(client.send(new ModifyVpcEndpointCommand({ VpcEndpointId: without, PrivateDnsEnabled: true })), 'InvalidParameter', /verification state is failed/);
      await rejectsWith(create(true, net.subnetA2), 'InvalidParameter', /verification state is failed/);

      // Published again: the periodic re-check verifies it without a Start.
      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      await waitState(s.server, s.serviceId, 'verified');
    });

    it('a new private DNS name starts over with a new token', async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`);
      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'verified');
      await ec2(s.server, PROVIDER).send(new ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: s.serviceId, PrivateDnsName: `web.${ZONE}` }));
      const cfg = (await getConfig(s.server, s.serviceId))!;
      assert.equal(cfg.state, 'pendingVerification');
      assert.notEqual(cfg.name, s.token.name);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'failed');
    });

    it("StartVpcEndpointServicePrivateDnsVerification's errors and DryRun", async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`);
      const provider = ec2(s.server, PROVIDER);
      const send = (ServiceId: string, DryRun?: boolean) => provider.send(new StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId, DryRun }));
      await rejectsWith(send('vpce-svc-0123456789abcdef0'), 'InvalidVpcEndpointServiceId.NotFound', /vpce-svc-0123456789abcdef0/);
      await rejectsWith(send('svc-nope'), 'InvalidVpcEndpointServiceId.Malformed');
      await rejectsWith(ec2(s.server, CONSUMER).send(new StartVpcEndpointServicePrivateDnsVerificationCommand({ ServiceId: s.serviceId })),
        'InvalidVpcEndpointServiceId.NotFound', /does not exist/);
      const bare = await seedService(s.server, { acceptanceRequired: false });
      await rejectsWith(send(bare.serviceId), 'InvalidParameter', /has no private DNS name/);

      await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
      await rejectsWith(send(s.serviceId, true), 'DryRunOperation');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await state(s.server, s.serviceId), 'pendingVerification', 'a DryRun asks for no check');
      assert.equal((await getConfig(s.server, s.serviceId))!.requestedAt, undefined);
    });

    it('without a public DNS the requested check fails and says why', async (t) => {
      const s = await setup(t, dialect, `api.${ZONE}`, { publicDns: false });
      assert.match((await getConfig(s.server, s.serviceId))!.reason!, /no public DNS server is configured/);
      await start(s.server, s.serviceId);
      await waitState(s.server, s.serviceId, 'failed');
      assert.match((await getConfig(s.server, s.serviceId))!.reason!, /no public DNS server is configured \(underpass up --public-dns/);
    });
  });
}

describe('through the AWS CLI', () => {
  it('aws ec2 start-vpc-endpoint-service-private-dns-verification verifies the name', async (t) => {
    const s = await setup(t, 'sqlite', `api.${ZONE}`);
    await s.dns.publish([[`${s.token.name}.api.${ZONE}`, s.token.value]]);
    const ok = await runCli(s.server.endpoint, PROVIDER, ['ec2', 'start-vpc-endpoint-service-private-dns-verification', '--service-id', s.serviceId]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { ReturnValue: true });
    await waitState(s.server, s.serviceId, 'verified');
    const missing = await runCli(s.server.endpoint, PROVIDER, ['ec2', 'start-vpc-endpoint-service-private-dns-verification', '--service-id', 'vpce-svc-0123456789abcdef0']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /InvalidVpcEndpointServiceId\.NotFound/);
  });
});
