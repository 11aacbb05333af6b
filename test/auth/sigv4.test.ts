/** SigV4 verification, unit level: requests signed by the SDK's signer, tampered one way at a time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuthenticator } from '../../src/control/auth/index.js';
import type { AccountKey, Store } from '../../src/control/store/store.js';
import type { AuthMode, HttpRequestParts } from '../../src/control/auth/authenticator.js';
import { EC2_BODY, ELB_BODY, presigned, signed, T0, verdict } from './signing.js';

const STORE_KEY: AccountKey = { accessKeyId: 'AKIASTRICTKEY0000001', secretAccessKey: 'strict-secret', accountId: '444455556666', createdAt: T0.toISOString() };
const fakeStore = { findAccountKey: async (id: string) => (id === STORE_KEY.accessKeyId ? STORE_KEY : undefined) } as unknown as Store;

function auth(mode: AuthMode = 'dev', now: Date = T0) {
  return createAuthenticator({ mode, region: 'us-east-1', defaultAccount: '000000000000', store: fakeStore, clock: () => now });
}

const min = (n: number) => new Date(T0.getTime() + n * 60_000);

function withHeader(r: HttpRequestParts, name: string, value: string | string[] | undefined): HttpRequestParts {
  return { ...r, headers: { ...r.headers, [name]: value } };
}

describe('dev mode: verdicts', () => {
  const cases: Array<{ name: string; req: () => Promise<HttpRequestParts>; now?: Date; code: string; status?: number; message?: RegExp; account?: string; service?: string }> = [
    { name: 'good (JS SDK style, x-amz-content-sha256 signed)', req: () => signed(), code: 'ok', account: '000000000000', service: 'ec2' },
    { name: 'good (botocore style, no x-amz-content-sha256)', req: () => signed({ contentSha256: false }), code: 'ok', account: '000000000000' },
    { name: '12-digit access key acts as that account', req: () => signed({ accessKeyId: '111122223333' }), code: 'ok', account: '111122223333' },
    { name: 'ELBv2 scope routes to elasticloadbalancing', req: () => signed({ service: 'elasticloadbalancing', body: ELB_BODY }), code: 'ok', service: 'elasticloadbalancing' },
    { name: 'store key works in dev mode too', req: () => signed({ accessKeyId: STORE_KEY.accessKeyId, secret: STORE_KEY.secretAccessKey }), code: 'ok', account: '444455556666' },
    { name: 'session token signed as a header', req: () => signed({ sessionToken: 'FwoGZXIvYXdzEXAMPLE' }), code: 'ok' },
    { name: 'signed header with several values (array from node)', req: async () => withHeader(await signed({ headers: { 'x-amz-meta': 'a,b' } }), 'x-amz-meta', ['a', 'b']), code: 'ok' },
    { name: 'skewed 14 min in the past: still fine', req: () => signed(), now: min(14), code: 'ok' },
    { name: 'skewed 14 min in the future: still fine', req: () => signed(), now: min(-14), code: 'ok' },
    {
      name: 'tampered body, x-amz-content-sha256 unchanged (the signer trusts that header)',
      req: async () => ({ ...(await signed()), body: Buffer.from('Action=DeleteVpc&Version=2016-11-15&VpcId=vpc-1') }),
      code: 'SignatureDoesNotMatch', status: 403, message: /x-amz-content-sha256 header does not match/,
    },
    {
      name: 'tampered body, no x-amz-content-sha256 (recomputation catches it)',
      req: async () => ({ ...(await signed({ contentSha256: false })), body: Buffer.from(`${EC2_BODY}&DryRun=true`) }),
      code: 'SignatureDoesNotMatch',
    },
    { name: 'UNSIGNED-PAYLOAD is refused', req: () => signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, contentSha256: false }), code: 'SignatureDoesNotMatch', message: /UNSIGNED-PAYLOAD/ },
    { name: 'wrong secret', req: () => signed({ secret: 'not-test' }), code: 'SignatureDoesNotMatch', status: 403, message: /^The request signature we calculated does not match.*secret access key .* is 'test'/ },
    { name: 'tampered signed header', req: async () => withHeader(await signed(), 'content-type', 'application/x-www-form-urlencoded'), code: 'SignatureDoesNotMatch' },
    { name: 'tampered session token', req: async () => withHeader(await signed({ sessionToken: 'tok' }), 'x-amz-security-token', 'other'), code: 'SignatureDoesNotMatch' },
    { name: 'signed 16 min ago (EC2)', req: () => signed(), now: min(16), code: 'RequestExpired', status: 400, message: /^Request has expired\. Signature expired: 20261125T211408Z is now earlier than 20261125T211508Z \(20261125T213008Z - 15 min\.\)$/ },
    { name: 'signed 16 min in the future (EC2)', req: () => signed(), now: min(-16), code: 'RequestExpired', message: /Signature not yet current: 20261125T211408Z is still later than/ },
    { name: 'signed 16 min ago (ELBv2 answers SignatureDoesNotMatch)', req: () => signed({ service: 'elasticloadbalancing', body: ELB_BODY }), now: min(16), code: 'SignatureDoesNotMatch', message: /^Signature expired: / },
    { name: 'wrong region', req: () => signed({ region: 'us-west-2' }), code: 'SignatureDoesNotMatch', message: /^Credential should be scoped to a valid region, not 'us-west-2'\.$/ },
    { name: 'wrong service', req: () => signed({ service: 's3' }), code: 'SignatureDoesNotMatch', message: /^Credential should be scoped to correct service: 'ec2'\.$/ },
    { name: 'wrong service on an ELBv2 form names elasticloadbalancing', req: () => signed({ service: 'iam', body: ELB_BODY }), code: 'SignatureDoesNotMatch', message: /correct service: 'elasticloadbalancing'/ },
    {
      name: 'credential date differs from X-Amz-Date',
      req: async () => {
        const r = await signed();
        return withHeader(r, 'authorization', String(r.headers.authorization).replace('/20261125/', '/20261124/'));
      },
      code: 'SignatureDoesNotMatch', message: /Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261124' != '20261125', from '20261125T211408Z'\./,
    },
    {
      name: 'host not among SignedHeaders',
      req: async () => {
        const r = await signed({ host: null });
        const { host: _drop, ...rest } = r.headers;
        const a = String(r.headers.authorization);
        assert.ok(!/SignedHeaders=[^,]*host/.test(a), a);
        return { ...r, headers: { ...rest, host: '127.0.0.1:4570' } };
      },
      code: 'SignatureDoesNotMatch', message: /'Host' or ':authority' must be a 'SignedHeader'/,
    },
    { name: 'no Authorization at all', req: async () => ({ method: 'POST', path: '/', query: '', headers: { host: 'h' }, body: Buffer.from(EC2_BODY) }), code: 'MissingAuthenticationToken', status: 403 },
    {
      name: 'Authorization without Signature and SignedHeaders',
      req: async () => withHeader(await signed(), 'authorization', 'AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/ec2/aws4_request'),
      code: 'IncompleteSignature', status: 403, message: /requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./,
    },
    {
      name: 'Credential with 4 elements',
      req: async () => withHeader(await signed(), 'authorization', `AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/ec2, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`),
      code: 'IncompleteSignature', message: /exactly 5 slash-delimited elements/,
    },
    { name: 'unsupported algorithm', req: async () => withHeader(await signed(), 'authorization', 'AWS AKIDEXAMPLE:c2lnbmF0dXJl'), code: 'IncompleteSignature', message: /Unsupported AWS 'algorithm': 'AWS'/ },
    { name: 'Signature not 64 hex digits', req: async () => withHeader(await signed(), 'authorization', String((await signed()).headers.authorization).replace(/Signature=\w+/, 'Signature=xyz')), code: 'IncompleteSignature' },
    { name: 'malformed X-Amz-Date', req: async () => withHeader(await signed(), 'x-amz-date', '2026-11-25T21:14:08Z'), code: 'IncompleteSignature', message: /ISO-8601/ },
    { name: 'no X-Amz-Date nor Date', req: async () => withHeader(await signed(), 'x-amz-date', undefined), code: 'IncompleteSignature', message: /either a 'X-Amz-Date' or a 'Date' header/ },
    { name: 'real-looking AWS key (EC2)', req: () => signed({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }), code: 'AuthFailure', status: 401, message: /^AWS was not able to validate the provided access credentials\. .*use access key 'test'.*12-digit/ },
    { name: 'real-looking AWS key (ELBv2)', req: () => signed({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', service: 'elasticloadbalancing', body: ELB_BODY }), code: 'InvalidClientTokenId', status: 403, message: /^The security token included in the request is invalid\./ },
    { name: 'presigned query form, good', req: () => presigned({ query: { Action: 'DescribeRegions', Version: '2016-11-15' } }), code: 'ok', account: '000000000000', service: 'ec2' },
    { name: 'presigned query form, POST with body', req: () => presigned({ method: 'POST' }), code: 'ok' },
    {
      name: 'presigned query form, parameter changed',
      req: async () => {
        const r = await presigned({ query: { Action: 'DescribeRegions', Version: '2016-11-15' } });
        return { ...r, query: r.query.replace('DescribeRegions', 'DeleteVpc') };
      },
      code: 'SignatureDoesNotMatch',
    },
    { name: 'presigned query form, wrong secret', req: () => presigned({ secret: 'nope', query: { Action: 'DescribeRegions', Version: '2016-11-15' } }), code: 'SignatureDoesNotMatch' },
    { name: 'presigned query form, past X-Amz-Expires', req: () => presigned({ expiresIn: 60, query: { Action: 'DescribeRegions', Version: '2016-11-15' } }), now: min(2), code: 'RequestExpired', message: /X-Amz-Expires=60/ },
    {
      name: 'presigned query form plus an Authorization header',
      req: async () => withHeader(await presigned({ query: { Action: 'DescribeRegions' } }), 'authorization', String((await signed()).headers.authorization)),
      code: 'IncompleteSignature', message: /Only one auth mechanism/,
    },
    {
      name: 'presigned query form missing X-Amz-Signature',
      req: async () => {
        const r = await presigned({ query: { Action: 'DescribeRegions' } });
        return { ...r, query: r.query.replace(/&?X-Amz-Signature=[0-9a-f]+/, '') };
      },
      code: 'IncompleteSignature', message: /missing X-Amz-Signature/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const v = await verdict(auth('dev', c.now ?? T0), await c.req());
      assert.equal(v.code, c.code, v.message);
      if (c.status) assert.equal(v.status, c.status);
      if (c.message) assert.match(v.message, c.message);
      if (c.account) assert.equal(v.account, c.account);
      if (c.service) assert.equal(v.service, c.service);
    });
  }
});

describe('strict mode', () => {
  it('accepts only store keys, with their own secret', async () => {
    assert.equal((await verdict(auth('strict'), await signed({ accessKeyId: STORE_KEY.accessKeyId, secret: STORE_KEY.secretAccessKey }))).account, '444455556666');
    assert.equal((await verdict(auth('strict'), await signed({ accessKeyId: STORE_KEY.accessKeyId, secret: 'test' }))).code, 'SignatureDoesNotMatch');
    const v = await verdict(auth('strict'), await signed());
    assert.equal(v.code, 'AuthFailure');
    assert.match(v.message, /--auth strict/);
    assert.equal((await verdict(auth('strict'), await signed({ accessKeyId: '111122223333' }))).code, 'AuthFailure');
  });
});

describe('open mode', () => {
  it('accepts garbage signatures, unsigned requests and any key, without verifying', async () => {
    const a = auth('open');
    const garbage = withHeader(await signed(), 'authorization', 'AWS4-HMAC-SHA256 Credential=whatever/20000101/mars-1/elasticloadbalancing/aws4_request, SignedHeaders=x, Signature=zz');
    assert.deepEqual(await verdict(a, garbage), { code: 'ok', message: '', account: '000000000000', service: 'elasticloadbalancing' });
    assert.equal((await verdict(a, await signed({ accessKeyId: '123456789012', secret: 'wrong', region: 'eu-west-1' }))).account, '123456789012');
    assert.equal((await verdict(a, await signed({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', date: min(-60) }))).code, 'ok');
    const unsigned = await verdict(a, { method: 'POST', path: '/', query: '', headers: {}, body: Buffer.from(EC2_BODY) });
    assert.equal(unsigned.code, 'ok');
    assert.equal(unsigned.account, '000000000000');
    assert.equal(unsigned.service, undefined);
    const malformed = withHeader(await signed(), 'authorization', 'AWS4-HMAC-SHA256 Credential=210987654321/20261125/us-east-1/ec2/aws4_request');
    assert.deepEqual(await verdict(a, malformed), { code: 'ok', message: '', account: '210987654321', service: 'ec2' });
  });
  it('honours the default account', async () => {
    const a = createAuthenticator({ mode: 'open', region: 'us-east-1', defaultAccount: '999988887777', store: fakeStore });
    assert.equal((await verdict(a, await signed())).account, '999988887777');
  });
});
