/**
 * The response cache (src/control/api/response-cache.ts): a describe asked again while the store
 * is unchanged gets the same body with its own request id; any committed write, another account,
 * other parameters or DryRun get a fresh read; the table-driven part checks keys, bounds and the
 * generation rule without a server.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ResponseCache } from '../../src/control/api/response-cache.js';
import { eventually, startTestServer } from '../support/harness.js';

const P = '\u0000rid\u0000';

describe('ResponseCache', () => {
  it('keys ignore order, Action and signature parameters, but not values, the version or who asks', () => {
    const k = (principal: string, form: Array<[string, string]>) => ResponseCache.key(principal, '111111111111', 'DescribeVpcs', form);
    const base = k('arn:aws:iam::111111111111:root', [['VpcId.1', 'vpc-1'], ['VpcId.2', 'vpc-2']]);
    assert.equal(k('arn:aws:iam::111111111111:root', [['VpcId.2', 'vpc-2'], ['Action', 'DescribeVpcs'], ['VpcId.1', 'vpc-1'], ['X-Amz-Signature', 'x']]), base);
    assert.notEqual(k('arn:aws:iam::111111111111:root', [['VpcId.1', 'vpc-2'], ['VpcId.2', 'vpc-1']]), base);
    assert.notEqual(k('arn:aws:iam::111111111111:user/u', [['VpcId.1', 'vpc-1'], ['VpcId.2', 'vpc-2']]), base);
    assert.notEqual(k('arn:aws:iam::111111111111:root', [['VpcId.1', 'vpc-1'], ['VpcId.2', 'vpc-2'], ['Version', '2011-01-01']]), base);
  });
  it('answers only for the generation it was filled at, with the new request id', () => {
    const c = new ResponseCache();
    c.put('a', 7, `<r><requestId>${P}</requestId><x>1</x></r>`, P);
    assert.equal(c.get('a', 7, 'id-2'), '<r><requestId>id-2</requestId><x>1</x></r>');
    assert.equal(c.get('a', 8, 'id-3'), undefined);
    assert.equal(c.get('b', 7, 'id-4'), undefined);
    assert.deepEqual(c.stats, { hits: 1, misses: 2 });
  });
  it('keeps nothing whose placeholder is missing or repeated, and evicts the least recently used', () => {
    const c = new ResponseCache({ maxEntries: 2 });
    c.put('none', 1, '<r/>', P);
    c.put('twice', 1, `${P}${P}`, P);
    assert.equal(c.size, 0);
    c.put('a', 1, `a${P}`, P);
    c.put('b', 1, `b${P}`, P);
    assert.ok(c.get('a', 1, 'x'));
    c.put('c', 1, `c${P}`, P);
    assert.deepEqual([!!c.get('a', 1, 'x'), !!c.get('b', 1, 'x'), !!c.get('c', 1, 'x')], [true, false, true]);
  });
  it('bounds its bytes', () => {
    const c = new ResponseCache({ maxBytes: 4000 });
    c.put('big', 1, `${'x'.repeat(600)}${P}`, P);
    assert.equal(c.size, 0, 'a body over a quarter of the bound is not kept');
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) c.put(k, 1, `${'y'.repeat(400)}${P}`, P);
    assert.ok(c.size <= 4);
  });
});

/** A Query call in open auth mode (signature not checked; the credential names the account). */
async function query(port: number, account: string, params: Record<string, string>): Promise<{ status: number; body: string; requestId: string }> {
  const body = new URLSearchParams({ Version: '2016-11-15', ...params }).toString();
  const r = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${account}/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body,
  });
  return { status: r.status, body: await r.text(), requestId: r.headers.get('x-amzn-requestid') ?? '' };
}

describe('response cache through the API', () => {
  it('reuses an answer only while nothing was written, per account and parameters', async (t: TestContext) => {
    const s = await startTestServer(t, { auth: 'open' });
    const A = '111111111111';
    const B = '222222222222';
    const vpc = await query(s.port, A, { Action: 'CreateVpc', CidrBlock: '10.0.0.0/16' });
    assert.equal(vpc.status, 200, vpc.body);
    // Let the VPC become available first (that is a write of the transition tick).
    await eventually(async () => (await query(s.port, A, { Action: 'DescribeVpcs' })).body.includes('<state>available</state>'));
    const first = await query(s.port, A, { Action: 'DescribeVpcs' });
    const second = await query(s.port, A, { Action: 'DescribeVpcs' });
    assert.notEqual(first.requestId, second.requestId);
    assert.equal(second.body, first.body.replace(first.requestId, second.requestId), 'same answer, its own request id');
    assert.ok(second.body.includes(`<requestId>${second.requestId}</requestId>`));
    // Another account does not get A's answer.
    const other = await query(s.port, B, { Action: 'DescribeVpcs' });
    assert.ok(!other.body.includes('10.0.0.0/16'));
    // A write (by anyone) makes the next describe read again.
    await query(s.port, B, { Action: 'CreateVpc', CidrBlock: '10.9.0.0/16' });
    await query(s.port, A, { Action: 'CreateVpc', CidrBlock: '10.1.0.0/16' });
    const third = await query(s.port, A, { Action: 'DescribeVpcs' });
    assert.ok(third.body.includes('10.1.0.0/16'));
    // DryRun is never answered from the cache.
    const dry = await query(s.port, A, { Action: 'DescribeVpcs', DryRun: 'true' });
    assert.equal(dry.status, 412, dry.body);
    assert.match(dry.body, /DryRunOperation/);
    // Another version is not answered from what the right one kept.
    const old = await query(s.port, A, { Action: 'DescribeVpcs', Version: '2011-01-01' });
    assert.equal(old.status, 400);
    assert.match(old.body, /NoSuchVersion/);
    // Errors are not kept either.
    const bad1 = await query(s.port, A, { Action: 'DescribeVpcs', 'VpcId.1': 'vpc-0000000000000dead' });
    const bad2 = await query(s.port, A, { Action: 'DescribeVpcs', 'VpcId.1': 'vpc-0000000000000dead' });
    assert.equal(bad1.status, 400);
    assert.equal(bad2.status, 400);
  });
});
