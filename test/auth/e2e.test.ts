/** Authentication end to end: a real server, driven by the JS SDK, AWS CLI v2 and boto3, in the three modes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startTestServer, type TestServer } from '../support/harness.js';
import { presigned } from './signing.js';

const run = promisify(execFile);
const AUTH_CODES = new Set(['AuthFailure', 'SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidClientTokenId', 'MissingAuthenticationToken', 'RequestExpired']);

interface Creds { accessKeyId: string; secretAccessKey: string }

function ec2(s: TestServer, credentials: Creds): EC2Client {
  return new EC2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}
function elb(s: TestServer, credentials: Creds): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: s.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** 'ok' on success, else the error code the client surfaced. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return err.Code ?? err.name ?? String(e);
  }
}

function assertPastAuth(code: string, what: string): void {
  assert.ok(!AUTH_CODES.has(code), `${what}: expected to get past authentication, got ${code}`);
}

const env = (c: Creds) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
  AWS_MAX_ATTEMPTS: '1',
});

/** AWS CLI v2 (Debian's, /usr/bin/aws): 'ok' or the error code it printed. */
async function cli(s: TestServer, c: Creds, args: string[]): Promise<string> {
  try {
    await run('/usr/bin/aws', ['--endpoint-url', s.endpoint, ...args, '--output', 'json'], { env: env(c), timeout: 60_000 });
    return 'ok';
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? e);
    return /An error occurred \(([^)]+)\)/.exec(stderr)?.[1] ?? stderr;
  }
}

const BOTO = `
import sys, boto3, botocore.config, botocore.exceptions
endpoint, service, op = sys.argv[1:4]
c = boto3.client(service, endpoint_url=endpoint, config=botocore.config.Config(retries={'total_max_attempts': 1}))
try:
    getattr(c, op)()
    print('ok')
except botocore.exceptions.ClientError as e:
    print(e.response['Error']['Code'])
`;

/** boto3 (Debian's python3-boto3): 'ok' or the error code. */
async function boto(s: TestServer, c: Creds, service: string, op: string): Promise<string> {
  const { stdout } = await run('/usr/bin/python3', ['-c', BOTO, s.endpoint, service, op], { env: env(c), timeout: 60_000 });
  return stdout.trim();
}

async function raw(s: TestServer, headers: Record<string, string>, body = 'Action=DescribeRegions&Version=2016-11-15'): Promise<{ status: number; code?: string }> {
  const r = await fetch(`${s.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await r.text();
  return { status: r.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
}

const DEV: Creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const WRONG: Creds = { accessKeyId: 'test', secretAccessKey: 'wrong' };
const REAL_LOOKING: Creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('dev mode (the default)', () => {
  let s: TestServer;
  const hooks = { fns: [] as Array<() => Promise<void>>, after(fn: () => Promise<void>) { this.fns.push(fn); } };
  before(async () => { s = await startTestServer(hooks, {}); });
  after(async () => { for (const fn of hooks.fns) await fn(); });

  it('JS SDK: test/test and a 12-digit key get past auth; wrong secret and real-looking keys are refused', async () => {
    assert.equal(s.auth, 'dev');
    assertPastAuth(await outcome(ec2(s, DEV).send(new DescribeRegionsCommand({}))), 'EC2 test/test');
    assertPastAuth(await outcome(ec2(s, { accessKeyId: '111122223333', secretAccessKey: 'test' }).send(new DescribeRegionsCommand({}))), 'EC2 12-digit');
    assertPastAuth(await outcome(elb(s, DEV).send(new DescribeLoadBalancersCommand({}))), 'ELBv2 test/test');
    assertPastAuth(await outcome(ec2(s, { ...DEV, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' } as Creds).send(new DescribeRegionsCommand({}))), 'EC2 with a session token');
    assert.equal(await outcome(ec2(s, WRONG).send(new DescribeRegionsCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await outcome(elb(s, WRONG).send(new DescribeLoadBalancersCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await outcome(ec2(s, REAL_LOOKING).send(new DescribeRegionsCommand({}))), 'AuthFailure');
    assert.equal(await outcome(elb(s, REAL_LOOKING).send(new DescribeLoadBalancersCommand({}))), 'InvalidClientTokenId');
  });

  it('JS SDK signed for another region is refused', async () => {
    const c = new EC2Client({ endpoint: s.endpoint, region: 'eu-west-1', credentials: DEV, maxAttempts: 1 });
    assert.equal(await outcome(c.send(new DescribeRegionsCommand({}))), 'SignatureDoesNotMatch');
  });

  it('unsigned and garbage-signed raw requests are refused with AWS codes and statuses', async () => {
    assert.deepEqual(await raw(s, {}), { status: 403, code: 'MissingAuthenticationToken' });
    assert.deepEqual(await raw(s, { authorization: 'AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/ec2/aws4_request' }), { status: 403, code: 'IncompleteSignature' });
  });

  it('presigned GET (query-string form) through the real server: good passes, tampered and expired are refused', async () => {
    const host = new URL(s.endpoint).host;
    const get = async (query: string) => {
      const r = await fetch(`${s.endpoint}/?${query}`);
      return { status: r.status, code: /<Code>([^<]+)<\/Code>/.exec(await r.text())?.[1] };
    };
    const good = await presigned({ host, date: new Date(), query: { Action: 'DescribeRegions', Version: '2016-11-15' } });
    const ok = await get(good.query);
    assert.equal(ok.status, 200, JSON.stringify(ok));
    assert.deepEqual(await get(good.query.replace('DescribeRegions', 'DescribeAvailabilityZones')), { status: 403, code: 'SignatureDoesNotMatch' });
    const old = await presigned({ host, date: new Date(Date.now() - 10 * 60_000), expiresIn: 60, query: { Action: 'DescribeRegions', Version: '2016-11-15' } });
    assert.deepEqual(await get(old.query), { status: 400, code: 'RequestExpired' });
  });

  it('AWS CLI v2: test/test gets past auth, a wrong secret does not, a real-looking key gets AuthFailure', async () => {
    assertPastAuth(await cli(s, DEV, ['ec2', 'describe-regions']), 'CLI ec2');
    assertPastAuth(await cli(s, DEV, ['elbv2', 'describe-load-balancers']), 'CLI elbv2');
    assert.equal(await cli(s, WRONG, ['ec2', 'describe-regions']), 'SignatureDoesNotMatch');
    assert.equal(await cli(s, REAL_LOOKING, ['ec2', 'describe-regions']), 'AuthFailure');
  });

  it('boto3: test/test gets past auth, a wrong secret does not', async () => {
    assertPastAuth(await boto(s, DEV, 'ec2', 'describe_regions'), 'boto3 ec2');
    assertPastAuth(await boto(s, DEV, 'elbv2', 'describe_load_balancers'), 'boto3 elbv2');
    assert.equal(await boto(s, WRONG, 'ec2', 'describe_regions'), 'SignatureDoesNotMatch');
    assert.equal(await boto(s, REAL_LOOKING, 'elbv2', 'describe_load_balancers'), 'InvalidClientTokenId');
  });
});

describe('strict mode', () => {
  let s: TestServer;
  const hooks = { fns: [] as Array<() => Promise<void>>, after(fn: () => Promise<void>) { this.fns.push(fn); } };
  before(async () => { s = await startTestServer(hooks, { auth: 'strict' }); });
  after(async () => { for (const fn of hooks.fns) await fn(); });

  it('a key from the admin API works with every client; test/test is refused', async () => {
    const r = await fetch(`${s.endpoint}/_underpass/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ accountId: '123456789012' }),
    });
    assert.equal(r.status, 201);
    const key = (await r.json()) as Creds & { accountId: string };
    assert.equal(key.accountId, '123456789012');
    assertPastAuth(await outcome(ec2(s, key).send(new DescribeRegionsCommand({}))), 'SDK strict key');
    assertPastAuth(await cli(s, key, ['ec2', 'describe-regions']), 'CLI strict key');
    assertPastAuth(await boto(s, key, 'ec2', 'describe_regions'), 'boto3 strict key');
    assert.equal(await outcome(ec2(s, { ...key, secretAccessKey: (key.secretAccessKey.startsWith('x') ? 'y' : 'x') + key.secretAccessKey.slice(1) }).send(new DescribeRegionsCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await outcome(ec2(s, DEV).send(new DescribeRegionsCommand({}))), 'AuthFailure');
    assert.equal(await outcome(elb(s, DEV).send(new DescribeLoadBalancersCommand({}))), 'InvalidClientTokenId');
    assert.equal(await cli(s, { accessKeyId: '111122223333', secretAccessKey: 'test' }, ['ec2', 'describe-regions']), 'AuthFailure');
  });

  it('store.createAccountKey keys work too', async () => {
    const key = { accessKeyId: 'AKIAUNDERPASSTEST001', secretAccessKey: 'created-directly-in-the-store', accountId: '555566667777', createdAt: new Date().toISOString() };
    await s.store.createAccountKey(key);
    assertPastAuth(await outcome(ec2(s, key).send(new DescribeRegionsCommand({}))), 'SDK store key');
  });
});

describe('open mode', () => {
  let s: TestServer;
  const hooks = { fns: [] as Array<() => Promise<void>>, after(fn: () => Promise<void>) { this.fns.push(fn); } };
  before(async () => { s = await startTestServer(hooks, { auth: 'open' }); });
  after(async () => { for (const fn of hooks.fns) await fn(); });

  it('accepts garbage signatures, wrong secrets and unsigned requests', async () => {
    const garbage = await raw(s, { authorization: 'AWS4-HMAC-SHA256 Credential=anything/20000101/nowhere-1/ec2/aws4_request, SignedHeaders=host, Signature=garbage' });
    assert.ok(!AUTH_CODES.has(garbage.code ?? ''), `garbage signature: ${JSON.stringify(garbage)}`);
    const unsigned = await raw(s, {});
    assert.ok(!AUTH_CODES.has(unsigned.code ?? ''), `unsigned: ${JSON.stringify(unsigned)}`);
    assertPastAuth(await outcome(ec2(s, REAL_LOOKING).send(new DescribeRegionsCommand({}))), 'SDK any key');
    assertPastAuth(await outcome(elb(s, WRONG).send(new DescribeLoadBalancersCommand({}))), 'SDK ELBv2 wrong secret');
  });
});

