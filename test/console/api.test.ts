/**
 * The web console's backend: the pure parts table-driven (sessions on a test clock, static path
 * normalisation, flow and metrics filtering), then the HTTP API on a real server — sign-in,
 * sessions, CSRF, calls through the dispatchers as the session's account, static files from a
 * temporary dist folder, metrics without a data plane, and the flow log filtered by ENI owner.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { newAccountKey } from '../../src/control/auth/accounts.js';
import { credentialCheck, secretsEqual } from '../../src/control/console/credentials.js';
import { selectFlows } from '../../src/control/console/flows.js';
import { MetricsHistory, visibleSample, type MetricsSample } from '../../src/control/console/metrics-history.js';
import { MAX_SESSIONS_PER_ACCOUNT, SessionTable } from '../../src/control/console/sessions.js';
import { staticPath } from '../../src/control/console/static-files.js';
import type { EndpointDoc } from '../../src/control/resources.js';
import type { Store } from '../../src/control/store/store.js';
import { FLOW_LOG_HEADER, formatFlowLogLine } from '../../src/dataplane/flow-log.js';
import type { FlowRecord, ListenerLabels } from '../../src/dataplane/flow-record.js';
import type { MetricsSnapshot } from '../../src/dataplane/metrics.js';
import { eventually, startTestServer, type TestServer } from '../support/harness.js';
import { ACCOUNT_A, ACCOUNT_B, ec2 } from '../substrate/support.js';

const caller = (account: string) => ({ account, principalArn: `arn:aws:iam::${account}:root`, accessKeyId: account });

// ── pure parts ──────────────────────────────────────────────────────────────────────────────────

describe('console sessions (test clock)', () => {
  const limits = { idleMs: 1000, maxMs: 5000 };
  const rows: Array<{ name: string; steps: number[]; want: 'ok' | 'expired' }> = [
    { name: 'fresh', steps: [0], want: 'ok' },
    { name: 'just before idle', steps: [999], want: 'ok' },
    { name: 'at idle', steps: [1000], want: 'expired' },
    { name: 'sliding: used every 900 ms', steps: [900, 900, 900, 900], want: 'ok' },
    { name: 'absolute lifetime wins over use', steps: [900, 900, 900, 900, 900, 900], want: 'expired' },
    { name: 'idle after use', steps: [900, 1000], want: 'expired' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      let now = 0;
      const t = new SessionTable(limits, () => now, () => 'a'.repeat(64));
      const { id } = t.create(caller(ACCOUNT_A));
      let last = t.lookup(id);
      for (const step of row.steps) { now += step; last = t.lookup(id); if (last.status !== 'ok') break; }
      assert.equal(last.status, row.want);
    });
  }
  it('missing and deleted ids, expiry time, sweep after the grace', () => {
    let now = 0;
    let n = 0;
    const t = new SessionTable(limits, () => now, () => String(n++).padStart(64, '0'));
    assert.equal(t.lookup(undefined).status, 'missing');
    const a = t.create(caller(ACCOUNT_A));
    const b = t.create(caller(ACCOUNT_B));
    assert.equal(a.expiresMs, 1000);
    t.delete(b.id);
    assert.equal(t.lookup(b.id).status, 'missing');
    now = 1500;
    assert.equal(t.sweep(1000), 0, 'expired 500 ms ago: kept to say "expired"');
    assert.equal(t.lookup(a.id).status, 'expired');
    now = 2000;
    assert.equal(t.sweep(1000), 1);
    assert.equal(t.lookup(a.id).status, 'missing');
    assert.equal(t.size, 0);
  });
  it('an account signing in past its cap pushes out only its own oldest session', () => {
    let n = 0;
    const t = new SessionTable(limits, () => 0, () => String(n++).padStart(64, '0'));
    const other = t.create(caller(ACCOUNT_B));
    const first = t.create(caller(ACCOUNT_A));
    for (let i = 1; i < MAX_SESSIONS_PER_ACCOUNT; i++) t.create(caller(ACCOUNT_A));
    assert.equal(t.lookup(first.id).status, 'ok');
    t.create(caller(ACCOUNT_A));
    assert.equal(t.lookup(first.id).status, 'missing', 'A\'s oldest went');
    assert.equal(t.lookup(other.id).status, 'ok', 'B\'s session stays');
    assert.equal(t.size, MAX_SESSIONS_PER_ACCOUNT + 1);
  });
});

describe('console static paths', () => {
  const rows: Array<[string, string | null]> = [
    ['/console', ''], ['/console/', ''], ['/console/index.html', 'index.html'], ['/console/assets/app-1.js', 'assets/app-1.js'],
    ['/console/vpcs/vpc-1', 'vpcs/vpc-1'], ['/console//a/./b', 'a/b'], ['/console/a%20b.png', 'a b.png'],
    ['/console/..%2F..%2Fetc%2Fpasswd', null], ['/console/%2e%2e/x', null], ['/console/a%5C..%5Cb', null], ['/console/a%00', null],
    ['/console/%zz', null], ['/consolex', null],
  ];
  for (const [path, want] of rows) {
    it(`${path} → ${want ?? 'refused'}`, () => {
      const r = staticPath(path);
      if (want === null) assert.ok('refused' in r, JSON.stringify(r));
      else assert.deepEqual(r, { file: want });
    });
  }
});

const labels = (eniId: string, account: string): ListenerLabels => ({
  listenerId: `${eniId}:443`, endpointId: 'vpce-1', endpointAccount: account, vpcId: 'vpc-1', subnetId: 'subnet-1', eniId, eniIp: '10.0.1.5',
  zoneId: 'use1-az1', port: 443, serviceId: 'vpce-svc-1', serviceAccount: '999999999999', loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:999999999999:loadbalancer/net/n/1',
  targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:999999999999:targetgroup/t/1', nodeZoneId: 'use1-az1', nodeIp: '10.9.0.5',
});
const record = (eniId: string, action: 'ACCEPT' | 'REJECT', startMs: number, reason: string): FlowRecord => ({
  listenerId: `${eniId}:443`, srcIp: '10.0.1.9', srcPort: 40000, dstIp: '10.0.1.5', dstPort: 443, startMs, endMs: startMs + 1000,
  bytesIn: 10, bytesOut: 20, action, reason, connected: action === 'ACCEPT',
  ...(action === 'REJECT' ? { stage: 'security-group' as const } : { targetIp: '10.9.1.1', targetPort: 8443 }),
});

describe('console flow selection', () => {
  const lines = [
    FLOW_LOG_HEADER,
    formatFlowLogLine(record('eni-a', 'ACCEPT', 1_000_000, 'closed'), labels('eni-a', ACCOUNT_A)),
    formatFlowLogLine(record('eni-b', 'ACCEPT', 2_000_000, 'closed'), labels('eni-b', ACCOUNT_B)),
    'garbage line',
    formatFlowLogLine(record('eni-a', 'REJECT', 3_000_000, 'no rule of sg-1 allows tcp/443'), labels('eni-a', ACCOUNT_A)),
    formatFlowLogLine(record('eni-a', 'ACCEPT', 4_000_000, 'idle timeout'), labels('eni-a', ACCOUNT_A)),
  ];
  const mine = new Set(['eni-a']);
  const rows: Array<{ name: string; q: Partial<Parameters<typeof selectFlows>[1]>; want: number[] }> = [
    { name: 'own ENI only, newest first', q: {}, want: [4000, 3000, 1000] },
    { name: 'limit', q: { limit: 2 }, want: [4000, 3000] },
    { name: 'REJECT', q: { action: 'REJECT' }, want: [3000] },
    { name: 'text over the line', q: { text: 'SECURITY-GROUP' }, want: [3000] },
    { name: 'text over the decoded reason', q: { text: 'idle timeout' }, want: [4000] },
    { name: 'other ENIs never', q: { text: 'eni-b' }, want: [] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const got = selectFlows(lines, { interfaceIds: mine, limit: 200, ...row.q });
      assert.deepEqual(got.map((e) => e.start), row.want);
    });
  }
  it('a REJECT carries its stage and reason', () => {
    const [e] = selectFlows(lines, { interfaceIds: mine, limit: 1, action: 'REJECT' });
    assert.equal(e!.rejectReason, 'security-group');
    assert.equal(e!.reason, 'no rule of sg-1 allows tcp/443');
  });
});

describe('console metrics history', () => {
  const snap = (bytes: number): MetricsSnapshot => ({
    endpoints: ['vpce-a', 'vpce-b'].map((id) => ({
      vpcEndpointId: id, vpcId: 'vpc-1', serviceName: 's', subnetIds: [], activeConnections: 1, newConnections: 2, bytesProcessed: bytes,
      packetsDropped: 0, rstPacketsReceived: 0, refused: {},
    })),
    services: [{ serviceId: 'vpce-svc-a', endpointsCount: 2, activeConnections: 2, newConnections: 4, bytesProcessed: 2 * bytes, rstPacketsSent: 0 }],
    loadBalancers: [],
  });
  it('keeps the last samples in order and filters by owner', () => {
    let now = 0;
    let bytes = 0;
    const h = new MetricsHistory(() => snap(bytes), { now: () => now, capacity: 3 });
    for (let i = 1; i <= 5; i++) { now = i * 1000; bytes = i; h.sample(); }
    assert.deepEqual(h.since(0).map((s) => s.t), [3000, 4000, 5000]);
    assert.deepEqual(h.since(4000).map((s) => s.t), [5000]);
    const v: MetricsSample = visibleSample(h.since(4000)[0]!, new Set(['vpce-a']), new Set());
    assert.deepEqual(Object.keys(v.endpoints), ['vpce-a']);
    assert.deepEqual(v.endpoints['vpce-a'], { bytesProcessed: 5, activeConnections: 1, newConnections: 2, packetsDropped: 0, rstPacketsReceived: 0 });
    assert.deepEqual(v.services, {});
    assert.deepEqual(visibleSample(h.since(4000)[0]!, new Set(), new Set(['vpce-svc-a'])).services['vpce-svc-a'],
      { bytesProcessed: 10, activeConnections: 2, newConnections: 4, endpointsCount: 2 });
  });
});

describe('console credentials', () => {
  const store = {} as Store;
  const lookup = async (id: string) => (id === 'AKIAKNOWN' ? { account: ACCOUNT_B, secret: 's3cret' } : { refused: 'unknown here' });
  const rows: Array<{ mode: 'dev' | 'strict' | 'open'; id: string; secret: string; want: string | RegExp }> = [
    { mode: 'strict', id: 'AKIAKNOWN', secret: 's3cret', want: ACCOUNT_B },
    { mode: 'strict', id: 'AKIAKNOWN', secret: 'wrong', want: /secret access key does not match/ },
    { mode: 'strict', id: 'AKIANOPE', secret: 's3cret', want: /not able to validate.*unknown here/ },
    { mode: 'open', id: ACCOUNT_A, secret: 'anything', want: ACCOUNT_A },
    { mode: 'open', id: 'whatever', secret: '', want: '000000000000' },
  ];
  for (const row of rows) {
    it(`${row.mode} ${row.id}/${row.secret}`, async () => {
      const check = credentialCheck({ mode: row.mode, store, defaultAccount: '000000000000', lookup });
      const r = await check(row.id, row.secret);
      if (typeof row.want === 'string') assert.deepEqual(r, { ok: true, caller: { ...caller(row.want), accessKeyId: row.id } });
      else { assert.equal(r.ok, false); assert.match((r as { message: string }).message, row.want); }
    });
  }
  it('secretsEqual', () => {
    assert.ok(secretsEqual('test', 'test'));
    assert.ok(!secretsEqual('test', 'tes'));
    assert.ok(!secretsEqual('', 'x'));
  });
});

// ── over HTTP ───────────────────────────────────────────────────────────────────────────────────

interface Reply { status: number; json: any; headers: Headers }

/** A console client: one cookie jar, the CSRF header on unless told. */
function consoleClient(s: TestServer) {
  let cookie = '';
  const request = async (method: string, path: string, body?: unknown, opts: { csrf?: boolean; cookie?: boolean } = {}): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.csrf !== false && method !== 'GET') headers['x-underpass-console'] = '1';
    if (opts.cookie !== false && cookie) headers.cookie = cookie;
    const r = await fetch(`${s.endpoint}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const set = r.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null, headers: r.headers };
  };
  return {
    request,
    signIn: (accessKeyId: string, secretAccessKey = 'test') => request('POST', '/console/api/session', { accessKeyId, secretAccessKey }),
    call: (service: string, action: string, params: Record<string, unknown> = {}, opts: { csrf?: boolean; cookie?: boolean } = {}) =>
      request('POST', '/console/api/call', { service, action, params }, opts),
  };
}

async function putEndpoint(store: Store, account: string, id: string, eniId: string): Promise<void> {
  const doc = {
    kind: 'endpoint', id, account, region: 'us-east-1', createdAt: new Date().toISOString(), tags: [], type: 'Interface', vpcId: 'vpc-x',
    serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-x', serviceId: 'vpce-svc-x', serviceOwner: '999999999999', state: 'available',
    stateChangedAt: new Date().toISOString(), routeTableIds: [], subnetIds: [], groupIds: [], networkInterfaceIds: [eniId],
    ipAddressType: 'ipv4', dnsRecordIpType: 'ipv4', privateDnsEnabled: false, dnsSuffix: 'abcdefgh',
  } satisfies EndpointDoc;
  await store.transaction(true, (tx) => tx.put(doc));
}

describe('console API', () => {
  it('signs in, calls as the account, refuses what it should', async (t: TestContext) => {
    const s = await startTestServer(t);
    const a = consoleClient(s);
    const b = consoleClient(s);

    // sign-in
    const ok = await a.signIn(ACCOUNT_A);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.accountId, ACCOUNT_A);
    assert.equal(ok.json.accessKeyId, ACCOUNT_A);
    assert.ok(Date.parse(ok.json.expiresAt) > Date.now());
    assert.match(ok.headers.get('set-cookie')!, /^underpass_console=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/console; Max-Age=43200$/);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.equal(ok.headers.get('x-frame-options'), 'DENY');
    assert.equal((await consoleClient(s).signIn('test')).json.accountId, '000000000000');
    const bad = await consoleClient(s).signIn(ACCOUNT_A, 'nope');
    assert.equal(bad.status, 401);
    assert.equal(bad.json.code, 'AuthFailure');
    assert.match(bad.json.message, /secret access key does not match.*secret access key of 'test'/);
    const unknown = await consoleClient(s).signIn('AKIAIOSFODNN7EXAMPLE', 'x');
    assert.equal(unknown.status, 401);
    assert.match(unknown.json.message, /not able to validate.*real AWS key/);
    for (const body of ['{', '[]', '{"accessKeyId": 1}', '{"accessKeyId": "test"}']) {
      const r = await consoleClient(s).request('POST', '/console/api/session', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json.code, 'InvalidParameterValue');
    }
    // a key made by `underpass accounts create` signs in with its own secret
    const key = newAccountKey('333333333333');
    await s.store.createAccountKey(key);
    assert.equal((await consoleClient(s).signIn(key.accessKeyId, key.secretAccessKey)).json.accountId, '333333333333');
    assert.equal((await consoleClient(s).signIn(key.accessKeyId, 'test')).status, 401);

    // session
    const me = await a.request('GET', '/console/api/session');
    assert.equal(me.status, 200);
    assert.equal(me.json.accountId, ACCOUNT_A);

    // calls see only the account's resources, with the API's errors
    const vpcA = (await ec2(s, ACCOUNT_A).send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    const mine = await a.call('ec2', 'DescribeVpcs', { 'Filter.1.Name': 'cidr', 'Filter.1.Value.1': '10.1.0.0/16' });
    assert.equal(mine.status, 200, JSON.stringify(mine.json));
    assert.deepEqual(mine.json.result.Vpcs.map((v: { VpcId: string }) => v.VpcId), [vpcA]);
    assert.equal((await b.signIn(ACCOUNT_B)).status, 200);
    const theirs = await b.call('ec2', 'DescribeVpcs');
    assert.equal(theirs.status, 200);
    assert.ok(!theirs.json.result.Vpcs.some((v: { VpcId: string }) => v.VpcId === vpcA));
    const hidden = await b.call('ec2', 'DescribeVpcs', { 'VpcId.1': vpcA });
    assert.equal(hidden.status, 400);
    assert.deepEqual(hidden.json, { code: 'InvalidVpcID.NotFound', message: `The vpc ID '${vpcA}' does not exist` });
    const failing = await a.call('ec2', 'CreateVpc', { CidrBlock: 'not-a-cidr' });
    assert.equal(failing.status, 400);
    const viaSdk = await ec2(s, ACCOUNT_A).send(new CreateVpcCommand({ CidrBlock: 'not-a-cidr' })).then(() => undefined, (e: Error & { $metadata: { httpStatusCode: number } }) => e);
    assert.ok(viaSdk, 'the SDK call fails too');
    assert.deepEqual(failing.json, { code: viaSdk.name, message: viaSdk.message }, 'the code and message the XML API gives');
    assert.equal(failing.status, viaSdk.$metadata.httpStatusCode);
    const invalid = await a.call('ec2', 'NoSuchThing');
    assert.equal(invalid.json.code, 'InvalidAction');
    const elb = await a.call('elbv2', 'DescribeLoadBalancers');
    assert.deepEqual(elb.json, { result: { LoadBalancers: [] } });
    const r53 = await a.call('route53resolver', 'ListResolverRules', {});
    assert.equal(r53.status, 200);
    assert.ok(Array.isArray(r53.json.result.ResolverRules));
    const r53bad = await a.call('route53resolver', 'GetResolverRule', { ResolverRuleId: 'rslvr-rr-0000000000000000' });
    assert.equal(r53bad.status, 400);
    assert.equal(r53bad.json.code, 'ResourceNotFoundException');
    assert.equal((await a.call('s3', 'ListBuckets')).json.code, 'InvalidParameterValue');
    assert.equal((await a.call('ec2', 'DescribeVpcs', { 'VpcId.1': { x: 1 } })).status, 400);

    // CSRF, cookies
    const noCsrf = await a.call('ec2', 'DescribeVpcs', {}, { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.json.code, 'AccessDenied');
    const noCookie = await a.call('ec2', 'DescribeVpcs', {}, { cookie: false });
    assert.deepEqual([noCookie.status, noCookie.json], [401, { code: 'AuthFailure', message: 'not signed in' }]);
    assert.equal((await a.request('DELETE', '/console/api/session', undefined, { csrf: false })).status, 403);
    assert.equal((await a.request('GET', '/console/api/nope')).status, 404);

    // metrics and flows with network 'none'
    const m = await a.request('GET', '/console/api/metrics');
    assert.equal(m.json.available, false);
    assert.match(m.json.reason, /none/);
    assert.deepEqual(m.json.samples, []);
    const noFlows = (await a.request('GET', '/console/api/flows')).json;
    assert.deepEqual([noFlows.available, noFlows.records], [false, []]);
    assert.match(noFlows.reason, /none/);

    // sign-out
    const out = await a.request('DELETE', '/console/api/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /^underpass_console=; .*Max-Age=0$/);
    const gone = await a.request('GET', '/console/api/session');
    assert.deepEqual([gone.status, gone.json], [200, { signedIn: false, reason: 'not signed in' }]);
    assert.equal((await a.call('ec2', 'DescribeVpcs')).status, 401);

    // the AWS API is undisturbed
    assert.equal((await ec2(s, ACCOUNT_B).send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc!.OwnerId, ACCOUNT_B);
  });

  it('samples the data plane\'s metrics when one runs (loopback)', async (t: TestContext) => {
    const s = await startTestServer(t, { network: 'loopback' });
    const c = consoleClient(s);
    await c.signIn(ACCOUNT_A);
    const first = await eventually(async () => {
      const r = await c.request('GET', '/console/api/metrics');
      return r.json.samples.length > 0 && r;
    });
    assert.equal(first.json.available, true);
    assert.equal(first.json.intervalMs, 1000);
    const last = first.json.samples.at(-1);
    assert.deepEqual(last, { t: last.t, endpoints: {}, services: {} });
    assert.deepEqual((await c.request('GET', `/console/api/metrics?since=${last.t}`)).json.samples.filter((x: { t: number }) => x.t <= last.t), []);
    assert.equal((await c.request('GET', '/console/api/metrics?since=abc')).status, 400);
    assert.deepEqual((await c.request('GET', '/console/api/flows')).json, { available: true, records: [] });
  });

  it('expires idle sessions', async (t: TestContext) => {
    const s = await startTestServer(t, { consoleSessionIdleMs: 300 });
    const c = consoleClient(s);
    await c.signIn(ACCOUNT_A);
    assert.equal((await c.request('GET', '/console/api/session')).status, 200);
    await new Promise((r) => setTimeout(r, 400));
    const r = await c.call('ec2', 'DescribeVpcs');
    assert.deepEqual([r.status, r.json], [401, { code: 'AuthFailure', message: 'session expired: sign in again' }]);
    assert.deepEqual((await c.request('GET', '/console/api/session')).json, { signedIn: false, reason: 'session expired: sign in again' });
  });

  it('serves the static console from its dist folder', async (t: TestContext) => {
    const dist = mkdtempSync(join(tmpdir(), 'underpass-dist-'));
    t.after(() => rmSync(dist, { recursive: true, force: true }));
    const s = await startTestServer(t, { consoleDistDir: dist });
    const get = async (path: string) => {
      const r = await fetch(`${s.endpoint}${path}`);
      return { status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), csp: r.headers.get('content-security-policy'), text: await r.text() };
    };
    const missing = await get('/console');
    assert.equal(missing.status, 503);
    assert.match(missing.text, /the console is not built: run <code>npm run build<\/code>/i);
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(dist, 'logo.svg'), '<svg/>');
    writeFileSync(join(dist, '..', `secret-${process.pid}.txt`), 'secret');
    t.after(() => rmSync(join(dist, '..', `secret-${process.pid}.txt`), { force: true }));
    const index = await get('/console');
    assert.deepEqual([index.status, index.type, index.cache], [200, 'text/html; charset=utf-8', 'no-cache']);
    assert.match(index.csp!, /frame-ancestors 'none'/);
    const js = await get('/console/assets/app.js');
    assert.deepEqual([js.status, js.type, js.text], [200, 'text/javascript; charset=utf-8', 'console.log(1)']);
    assert.match(js.cache!, /immutable/);
    assert.equal((await get('/console/assets/app.css')).type, 'text/css; charset=utf-8');
    assert.equal((await get('/console/logo.svg')).type, 'image/svg+xml');
    const spa = await get('/console/endpoints/vpce-123');
    assert.deepEqual([spa.status, spa.text], [200, '<!doctype html><title>console</title>']);
    const climb = await get(`/console/..%2Fsecret-${process.pid}.txt`);
    assert.equal(climb.status, 400);
    assert.ok(!climb.text.includes('secret\n') && climb.text !== 'secret');
    const dotted = await get(`/console/../secret-${process.pid}.txt`); // URL normalises it out of /console: the AWS API answers
    assert.notEqual(dotted.text, 'secret');
  });

  it('shows flow-log records of the account\'s endpoint ENIs only', async (t: TestContext) => {
    const s = await startTestServer(t);
    await putEndpoint(s.store, ACCOUNT_A, 'vpce-0aaaaaaaaaaaaaaaa', 'eni-0aaaaaaaaaaaaaaaa');
    await putEndpoint(s.store, ACCOUNT_B, 'vpce-0bbbbbbbbbbbbbbbb', 'eni-0bbbbbbbbbbbbbbbb');
    const dir = join(s.dataDir, 'flow-logs');
    mkdirSync(dir, { recursive: true });
    const eniA = 'eni-0aaaaaaaaaaaaaaaa';
    const eniB = 'eni-0bbbbbbbbbbbbbbbb';
    writeFileSync(join(dir, 'flows.log.1'), [FLOW_LOG_HEADER, formatFlowLogLine(record(eniA, 'ACCEPT', 500_000, 'closed'), labels(eniA, ACCOUNT_A))].join('\n') + '\n');
    writeFileSync(join(dir, 'flows.log'), [
      FLOW_LOG_HEADER,
      formatFlowLogLine(record(eniA, 'ACCEPT', 1_000_000, 'closed'), labels(eniA, ACCOUNT_A)),
      formatFlowLogLine(record(eniB, 'ACCEPT', 2_000_000, 'closed'), labels(eniB, ACCOUNT_B)),
      formatFlowLogLine(record(eniA, 'REJECT', 3_000_000, 'no rule allows tcp/443'), labels(eniA, ACCOUNT_A)),
      'not a record',
    ].join('\n') + '\n');
    const a = consoleClient(s);
    await a.signIn(ACCOUNT_A);
    const all = await a.request('GET', '/console/api/flows');
    assert.equal(all.json.available, true);
    assert.deepEqual(all.json.records.map((r: { start: number }) => r.start), [3000, 1000, 500]);
    assert.equal(all.json.records[0].interfaceId, eniA);
    assert.equal(all.json.records[0].rejectReason, 'security-group');
    assert.deepEqual((await a.request('GET', '/console/api/flows?action=ACCEPT&limit=1')).json.records.map((r: { start: number }) => r.start), [1000]);
    assert.deepEqual((await a.request('GET', '/console/api/flows?text=NO%20RULE')).json.records.map((r: { start: number }) => r.start), [3000]);
    assert.equal((await a.request('GET', '/console/api/flows?limit=0')).status, 400);
    assert.equal((await a.request('GET', '/console/api/flows?action=DROP')).status, 400);
    const b = consoleClient(s);
    await b.signIn(ACCOUNT_B);
    assert.deepEqual((await b.request('GET', '/console/api/flows')).json.records.map((r: { interfaceId: string }) => r.interfaceId), [eniB]);
    const c = consoleClient(s);
    await c.signIn('444444444444');
    assert.deepEqual((await c.request('GET', '/console/api/flows')).json.records, []);
  });
});
