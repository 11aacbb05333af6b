/**
 * The web console end to end: a real Underpass with the data plane (root, network namespaces;
 * skipped otherwise, a failure under CI), Debian's Chromium driven by playwright-core. The
 * provider signs in, sees a pending connection that another account created through the API,
 * accepts it and sees it become available; a request through the endpoint shows up on the
 * traffic charts and in the flow log; an action's AWS error is shown; the consumer sees its
 * endpoint available, creates and deletes another through the console; a third account sees
 * none of it; nothing is readable signed out. No console errors. Screenshots go to
 * test-results/console/. Browser, server and namespaces are removed even when it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';
import type { NetnsBackend } from '../../src/net/netns.js';
import { eventually, startTestServer } from '../support/harness.js';
import { sdkClients } from '../support/clients.js';
import { runIn } from '../net/topologies.js';
import { netnsSuite } from '../e2e/netns-suite.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-results', 'console');
const { kernel, prefix: PREFIX } = netnsSuite('uw', 'the console end-to-end test',
  () => (existsSync(CHROMIUM) ? undefined : `no ${CHROMIUM} (apt-get install -y chromium)`));
const PROVIDER = '111111111111';
const CONSUMER = '222222222222';
const THIRD = '333333333333';

/** A target that answers every connection with its label and closes. */
const TARGET = `
const net = require('node:net');
const [host, port, label] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.end(label + ' says hello\\n')); })
  .listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 120000).unref();
`;

/** Sends `hello` and prints what comes back (bounded). */
const CLIENT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
let data = '';
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
s.setTimeout(3000, () => { s.destroy(); done({ ok: false, error: 'timeout' }); });
s.on('connect', () => s.write('hello'));
s.on('data', (d) => { data += d; });
s.on('end', () => done({ ok: true, data: data.trim() }));
s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
`;

describe('web console (Chromium, netns data plane)', kernel, () => {
  it('provider accepts a pending connection, traffic shows on the charts, a third account sees nothing', { timeout: 120_000 }, async (t) => {
    ensureBuilt();
    mkdirSync(SHOTS, { recursive: true });
    const up = await startTestServer(t, { network: 'netns', netPrefix: PREFIX, healthIntervalOverrideMs: 200 });
    const b = up.dataPlane!.backend as NetnsBackend;
    const prov = sdkClients(up.endpoint, PROVIDER);
    const cons = sdkClients(up.endpoint, CONSUMER);
    const ec2 = (c: typeof prov, cmd: unknown) => c.ec2.send(cmd as any) as Promise<any>;
    const elb = (c: typeof prov, cmd: unknown) => c.elb.send(cmd as any) as Promise<any>;

    // The provider's service: an NLB in two zones, one target in each, acceptance required, the consumer allowed.
    const pv = (await ec2(prov, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const ps1 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const ps2 = (await ec2(prov, new EC2.CreateSubnetCommand({ VpcId: pv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const lbArn = (await elb(prov, new ELB.CreateLoadBalancerCommand({ Name: 'web', Type: 'network', Scheme: 'internal', Subnets: [ps1, ps2] }))).LoadBalancers[0].LoadBalancerArn as string;
    const tgArn = (await elb(prov, new ELB.CreateTargetGroupCommand({
      Name: 'web-targets', Protocol: 'TCP', Port: 7000, VpcId: pv, TargetType: 'ip', HealthCheckProtocol: 'TCP', HealthyThresholdCount: 2,
    }))).TargetGroups[0].TargetGroupArn as string;
    await elb(prov, new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    await eventually(async () => up.dataPlane!.desired?.networks.find((n) => n.vpcId === pv)?.subnets.length === 2, 15_000);
    const t1 = await b.createWorkload({ vpcId: pv, subnetId: ps1, ip: '10.0.1.200', name: 'uw-t1' });
    t.after(() => b.removeWorkload(t1.namespace).catch(() => {}));
    const t2 = await b.createWorkload({ vpcId: pv, subnetId: ps2, ip: '10.0.2.200', name: 'uw-t2' });
    t.after(() => b.removeWorkload(t2.namespace).catch(() => {}));
    await startTarget(t, b, t1.namespace, t1.ip, 't1');
    await startTarget(t, b, t2.namespace, t2.ip, 't2');
    await elb(prov, new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: t1.ip, Port: 7000 }, { Id: t2.ip, Port: 7000 }] }));
    const svc = (await ec2(prov, new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [lbArn], AcceptanceRequired: true }))).ServiceConfiguration;
    const svcId = svc.ServiceId as string;
    await ec2(prov, new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svcId, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svcId] })))
      .ServiceConfigurations[0].ServiceState === 'Available', 15_000, 50);

    // The consumer's endpoint, created through the API: it waits for acceptance.
    const cv = (await ec2(cons, new EC2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc.VpcId as string;
    const cs1 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet.SubnetId as string;
    const cs2 = (await ec2(cons, new EC2.CreateSubnetCommand({ VpcId: cv, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet.SubnetId as string;
    const sg = (await ec2(cons, new EC2.CreateSecurityGroupCommand({ GroupName: 'vpce', Description: 'endpoint', VpcId: cv }))).GroupId as string;
    await ec2(cons, new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.1.100/32' }] }] }));
    const ep = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs1, cs2], SecurityGroupIds: [sg],
    }))).VpcEndpoint;
    const epId = ep.VpcEndpointId as string;
    assert.equal(ep.State, 'pendingAcceptance');
    const ep2Id = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs2], SecurityGroupIds: [sg],
    }))).VpcEndpoint.VpcEndpointId as string;
    const ep3Id = (await ec2(cons, new EC2.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface', VpcId: cv, ServiceName: svc.ServiceName, SubnetIds: [cs1], SecurityGroupIds: [sg],
    }))).VpcEndpoint.VpcEndpointId as string;

    const { page, problems, expectFailure } = await openBrowser(t);
    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

    // Signed out, nothing is readable: the app shows the sign-in form and the API answers 401.
    await page.goto(`${up.endpoint}/console/`);
    await page.getByRole('heading', { name: 'Underpass console' }).waitFor();
    const anon = await page.request.post(`${up.endpoint}/console/api/call`, {
      headers: { 'x-underpass-console': '1' }, data: { service: 'ec2', action: 'DescribeVpcEndpointConnections', params: {} },
    });
    assert.equal(anon.status(), 401);
    await shot('sign-in');

    // Provider: the pending connection, accepted from the console.
    await signIn(page, PROVIDER);
    await page.getByTestId('nav-services').click();
    const row = page.getByTestId(`connection-${epId}`);
    await row.getByTestId('connection-state').getByText('pendingAcceptance').waitFor();
    assert.equal(await row.locator('td').nth(2).textContent(), CONSUMER);
    await page.getByTestId(`connection-${ep2Id}`).getByText('pendingAcceptance').waitFor();
    await page.getByTestId(`connection-${ep3Id}`).getByText('pendingAcceptance').waitFor();
    await page.getByLabel(`Select ${epId}`).check();
    await shot('services-pending');
    await page.getByLabel(`Select ${ep2Id}`).check();
    await page.getByRole('button', { name: 'Accept (2)' }).click();
    await row.getByTestId('connection-state').getByText('available').waitFor({ timeout: 20_000 });
    await page.getByTestId(`connection-${ep2Id}`).getByTestId('connection-state').getByText('available').waitFor({ timeout: 20_000 });
    // The one left pending, picked by "select all" and rejected.
    await page.getByLabel('Select all pending connections').check();
    assert.equal(await page.getByLabel(`Select ${ep3Id}`).isChecked(), true);
    await page.getByRole('button', { name: 'Reject (1)' }).click();
    await page.getByTestId(`connection-${ep3Id}`).getByTestId('connection-state').getByText('rejected').waitFor({ timeout: 10_000 });
    const ep3 = (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [ep3Id] }))).VpcEndpoints[0];
    assert.equal(ep3.State, 'rejected');
    assert.equal(await page.getByTestId(`connection-${epId}`).getByTestId('connection-state').textContent(), 'available', 'the reject touched only the picked one');

    // An action that fails shows the AWS error text.
    const service = page.getByTestId(`service-${svcId}`);
    await service.getByLabel('Allow principal (ARN or account ID)').fill('bogus');
    expectFailure(400);
    await service.getByRole('button', { name: 'Add principal' }).click();
    await assertAlert(service.getByTestId(`service-${svcId}-error`), /^InvalidPrincipal: Invalid principal 'bogus'/);
    expectFailure(undefined);
    // A principal added by account ID (shown as its root ARN) and removed again.
    const other = 'arn:aws:iam::444444444444:root';
    const allowed = async () => (await ec2(prov, new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: svcId })))
      .AllowedPrincipals.map((p: any) => p.Principal as string).sort();
    await service.getByLabel('Allow principal (ARN or account ID)').fill('444444444444');
    await service.getByRole('button', { name: 'Add principal' }).click();
    await service.getByTestId('principals').getByText(other).waitFor();
    assert.deepEqual(await allowed(), [`arn:aws:iam::${CONSUMER}:root`, other]);
    await service.getByRole('button', { name: `Remove ${other}` }).click();
    await service.getByTestId('principals').getByText(other).waitFor({ state: 'detached' });
    assert.deepEqual(await allowed(), [`arn:aws:iam::${CONSUMER}:root`]);
    // Acceptance off and on again, a private DNS name set and its verification started.
    const acceptance = service.getByTestId('acceptance-required');
    await acceptance.uncheck();
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svcId] })))
      .ServiceConfigurations[0].AcceptanceRequired === false, 5000, 50);
    await acceptance.check();
    await eventually(async () => (await ec2(prov, new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [svcId] })))
      .ServiceConfigurations[0].AcceptanceRequired === true, 5000, 50);
    await service.getByLabel('Set private DNS name').fill('api.console-test.example');
    await service.getByRole('button', { name: 'Set name' }).click();
    await service.getByTestId('private-dns').getByText('api.console-test.example').waitFor();
    await service.getByRole('button', { name: 'Verify domain' }).click();
    await service.getByTestId('private-dns').getByText(/pendingVerification|failed|verified/).waitFor();
    await shot('services');

    // Traffic through the endpoint, from a workload in the consumer VPC.
    const eps = async () => (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({ VpcEndpointIds: [epId] }))).VpcEndpoints[0];
    await eventually(async () => (await eps()).State === 'available', 20_000, 50);
    const enis = (await ec2(cons, new EC2.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: (await eps()).NetworkInterfaceIds }))).NetworkInterfaces;
    const eniA = enis.find((n: any) => n.SubnetId === cs1).PrivateIpAddress as string;
    const client = await b.createWorkload({ vpcId: cv, subnetId: cs1, ip: '10.0.1.100', name: 'uw-c1' });
    t.after(() => b.removeWorkload(client.namespace).catch(() => {}));
    for (let i = 0; i < 3; i++) {
      const r = JSON.parse(await runIn(b, client.namespace, [process.execPath, '-e', CLIENT, eniA, '80'])) as { ok: boolean; data?: string; error?: string };
      assert.ok(r.ok && /says hello/.test(r.data ?? ''), JSON.stringify(r));
      await new Promise((res) => setTimeout(res, 700)); // spread over samples: a line, not one spike
    }
    // And one the endpoint's security group refuses (it admits only the client): a REJECT with its reason.
    const stranger = await b.createWorkload({ vpcId: cv, subnetId: cs1, ip: '10.0.1.101', name: 'uw-c2' });
    t.after(() => b.removeWorkload(stranger.namespace).catch(() => {}));
    const refused = JSON.parse(await runIn(b, stranger.namespace, [process.execPath, '-e', CLIENT, eniA, '80'])) as { ok: boolean };
    assert.equal(refused.ok, false);

    await page.getByTestId('nav-topology').click();
    await page.getByTestId(`topo-ep:${epId}`).getByText('available').waitFor();
    await page.getByTestId(`topo-acct:${CONSUMER}`).waitFor();
    await shot('topology');
    await page.getByTestId('nav-traffic').click();
    await waitForNumber(page, `total-bytes-${svcId}`, (n) => n > 0);
    await waitForNumber(page, `total-connections-${svcId}`, (n) => n >= 3);
    await shot('traffic-provider');
    await page.getByTestId('nav-load-balancers').click();
    await page.getByTestId(`target-${t1.ip}`).waitFor();
    const tg = page.getByTestId('tg-web-targets');
    await tg.getByLabel('Target ID (address or instance)').fill('10.0.1.201');
    await tg.getByLabel('Port').fill('7000');
    await tg.getByRole('button', { name: 'Register target' }).click();
    await tg.getByTestId('target-10.0.1.201').waitFor();
    await tg.getByRole('button', { name: 'Deregister 10.0.1.201:7000' }).click();
    await tg.getByTestId('target-10.0.1.201').getByText('draining').waitFor();
    await shot('load-balancers');
    await signOut(page);

    // Consumer: the endpoint available, its chart, the flow log; an endpoint created and deleted in the console.
    await signIn(page, CONSUMER);
    await page.getByTestId('nav-endpoints').click();
    await page.getByTestId(`endpoint-${epId}`).getByTestId('endpoint-state').getByText('available').waitFor();
    await shot('endpoints');
    await page.getByTestId('nav-traffic').click();
    await waitForNumber(page, `total-bytes-${epId}`, (n) => n > 0);
    await waitForNumber(page, `total-connections-${epId}`, (n) => n >= 3);
    await page.getByTestId(`chart-${epId}-bytes`).waitFor();
    await shot('traffic');
    await page.getByTestId('nav-flows').click();
    await page.getByTestId('flows').getByText(`${client.ip}:`, { exact: false }).first().waitFor();
    await page.getByTestId('flow-action').selectOption('REJECT');
    await page.getByTestId('flows').getByText('security-group').first().waitFor();
    await shot('flow-log-rejects');
    await page.getByTestId('flow-action').selectOption('ACCEPT');
    await page.getByTestId('flows').getByText(`${client.ip}:`, { exact: false }).first().waitFor();
    await shot('flow-log');

    await page.getByTestId('nav-endpoints').click();
    const form = page.getByTestId('create-endpoint');
    await form.getByLabel('VPC', { exact: true }).selectOption(cv);
    await form.getByLabel('Service name').fill(svc.ServiceName);
    await form.getByRole('checkbox', { name: new RegExp(cs1) }).check();
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const created = (await form.getByRole('status').locator('code').textContent())!;
    assert.match(created, /^vpce-/);
    const createdRow = page.getByTestId(`endpoint-${created}`);
    await createdRow.getByText('pendingAcceptance').waitFor();
    await createdRow.getByRole('button', { name: `Delete ${created}` }).click();
    await eventually(async () => ['deleting', 'deleted', undefined].includes(
      (await ec2(cons, new EC2.DescribeVpcEndpointsCommand({})).then((r: any) => r.VpcEndpoints.find((e: any) => e.VpcEndpointId === created)))?.State), 10_000, 100);
    await signOut(page);

    // A third account: none of it, anywhere.
    await signIn(page, THIRD);
    for (const view of ['vpcs', 'load-balancers', 'services', 'endpoints', 'topology', 'traffic', 'flows']) {
      await page.getByTestId(`nav-${view}`).click();
      await page.waitForTimeout(1200); // a poll or so
      const text = await page.locator('main').innerText();
      for (const secret of [epId, ep2Id, ep3Id, svcId, pv, cv, eniA, client.ip, CONSUMER, PROVIDER]) {
        assert.ok(!text.includes(secret), `the third account's ${view} view shows ${secret}`);
      }
    }
    await page.getByTestId('nav-services').click();
    await page.getByText('This account provides no endpoint services.').waitFor();
    await shot('third-account');
    await signOut(page);

    assert.deepEqual(problems, [], 'no console errors');
  });
});

describe('web console sessions (Chromium, no data plane)', chromiumOnly(), () => {
  it('refuses wrong keys, expires, signs out, and shows no data plane as such', async (t) => {
    ensureBuilt();
    const up = await startTestServer(t, { consoleSessionMaxMs: 4000 });
    const { page, problems, expectFailure } = await openBrowser(t);
    await page.goto(`${up.endpoint}/console/`);
    await page.getByLabel('Access key ID').fill(PROVIDER);
    await page.getByLabel('Secret access key').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await assertAlert(page.getByTestId('signin-error'), /^AuthFailure: /);

    await signIn(page, PROVIDER);
    const signedInAt = Date.now();
    await page.getByTestId('nav-vpcs').click();
    await page.getByText('No VPCs in this account.').waitFor();
    await page.getByTestId('nav-traffic').click();
    await page.getByText(/^No data plane metrics: /).waitFor();
    await page.getByTestId('nav-flows').click();
    await page.getByText(/^No flow log: /).waitFor();
    // The session's hard limit (4 s here): the next poll is refused and the console says why.
    expectFailure(401);
    await page.getByText('session expired: sign in again').waitFor({ timeout: 10_000 });
    expectFailure(undefined);
    assert.ok(Date.now() - signedInAt >= 3000, 'not before the session ran out');

    // By keyboard alone: the form's fields in order, Enter to sign in, Tab to a view, Enter to open it.
    await page.getByLabel('Access key ID').focus();
    await page.keyboard.type(PROVIDER);
    await page.keyboard.press('Tab');
    await page.keyboard.type('test');
    await page.keyboard.press('Enter');
    await page.getByTestId('account-id').getByText(PROVIDER).waitFor();
    await page.getByTestId('nav-vpcs').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Load balancers' }).waitFor();
    assert.equal(await page.getByTestId('nav-load-balancers').getAttribute('aria-current'), 'page');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    const after = await page.request.post(`${up.endpoint}/console/api/call`, {
      headers: { 'x-underpass-console': '1' }, data: { service: 'ec2', action: 'DescribeVpcs', params: {} },
    });
    assert.equal(after.status(), 401);
    assert.deepEqual(problems, [], 'no console errors');
  });
});

/** Skip (fail under CI) without Debian's Chromium. */
function chromiumOnly(): { skip?: string } {
  if (existsSync(CHROMIUM)) return {};
  if (process.env.CI) throw new Error(`the console tests cannot run under CI: no ${CHROMIUM} (apt-get install -y chromium)`);
  return { skip: `no ${CHROMIUM}: skipped (set CI to make this a failure)` };
}

/**
 * Chromium on a fresh profile, closed and removed after the test; `problems` collects console
 * errors and page errors. Chromium itself logs every non-2xx response as a console error: 401s of
 * the session route (signed out, wrong keys) are expected, and so are those of the status given to
 * `expectFailure` while it is set (an action made to fail on purpose, a session left to expire).
 */
async function openBrowser(t: TestContext): Promise<{ page: Page; problems: string[]; expectFailure: (status: number | undefined) => void }> {
  const profile = mkdtempSync(join(tmpdir(), 'underpass-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1366, height: 820 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => { await browser.close().catch(() => {}); rmSync(profile, { recursive: true, force: true }); });
  const page = browser.pages()[0] ?? await browser.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  let failing: number | undefined;
  const expected = (m: ConsoleMessage) => /Failed to load resource/.test(m.text()) && (
    (/status of 401/.test(m.text()) && pathOf(m) === '/console/api/session')
    || (failing !== undefined && m.text().includes(`status of ${failing} `) && pathOf(m).startsWith('/console/api/')));
  page.on('console', (m) => { if (m.type() === 'error' && !expected(m)) problems.push(`console: ${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // What a refused call was, for the message of a failure: the request and the answer.
  page.on('response', async (r) => {
    if (r.status() < 400 || !new URL(r.url()).pathname.startsWith('/console/api/') || (failing === r.status())) return;
    if (r.status() === 401 && new URL(r.url()).pathname === '/console/api/session') return;
    problems.push(`response: ${r.status()} ${r.request().method()} ${r.url()} ${r.request().postData() ?? ''} → ${await r.text().catch(() => '?')}`);
  });
  return { page, problems, expectFailure: (status) => { failing = status; } };
}

function pathOf(m: ConsoleMessage): string {
  return new URL(m.location().url || 'http://invalid/').pathname;
}

async function signIn(page: Page, account: string): Promise<void> {
  await page.getByLabel('Access key ID').fill(account);
  await page.getByLabel('Secret access key').fill('test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('account-id').getByText(account).waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Access key ID').waitFor();
}

async function assertAlert(alert: ReturnType<Page['getByTestId']>, want: RegExp): Promise<void> {
  await eventually(async () => want.test((await alert.textContent()) ?? ''), 5000, 50)
    .catch(async () => assert.fail(`alert: ${JSON.stringify(await alert.textContent())}, want ${want}`));
  assert.equal(await alert.getAttribute('role'), 'alert');
}

async function waitForNumber(page: Page, testId: string, ok: (n: number) => boolean): Promise<void> {
  const el = page.getByTestId(testId);
  await eventually(async () => (await el.count()) > 0 && ok(Number(await el.textContent())), 15_000, 200)
    .catch(async () => assert.fail(`${testId}: ${(await el.count()) ? await el.textContent() : 'absent'}`));
}

/** The console is served from console/dist: build it when this checkout has not (npm ci does). */
function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'console', 'dist', 'index.html'))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run build: ${r.stderr}`);
}

async function startTarget(t: TestContext, b: NetnsBackend, ns: string, host: string, label: string): Promise<void> {
  const child = b.execIn(ns, [process.execPath, '-e', TARGET, host, '7000', label], { timeoutMs: 130_000 });
  t.after(() => { child.kill('SIGKILL'); });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${label} not ready`)), 5000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; if (out.includes('ready')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`target ${label} exited ${c}`)); });
  });
}
