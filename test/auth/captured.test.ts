/** The raw requests captured from AWS CLI v2, boto3 and the JS SDK (ecosystem.md §12), replayed against the verifier. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthenticator } from '../../src/control/auth/index.js';
import type { HttpRequestParts } from '../../src/control/auth/authenticator.js';
import { Store } from '../../src/control/store/store.js';
import { verdict } from './signing.js';

const KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

interface Capture {
  name: string;
  at: string;
  headers: Record<string, string>;
  body: string;
}

const CAPTURES: Capture[] = [
  {
    name: 'AWS CLI v2 2.9.19 (3 signed headers, Host capitalised on the wire)',
    at: '2026-11-25T21:14:08Z',
    headers: {
      host: '127.0.0.1:18080',
      'accept-encoding': 'identity',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'aws-cli/2.9.19 Python/3.11.2 Linux/6.18.44-fc-v657 source/x86_64.debian.12 prompt/off command/ec2.describe-vpc-endpoints',
      'x-amz-date': '20261125T211408Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=da4f4bc86d1c5815f01c2cdd1d4e66640ba3232eea503a077ae9543cfb719805',
      'content-length': '46',
    },
    body: 'Action=DescribeVpcEndpoints&Version=2016-11-15',
  },
  {
    name: 'boto3 1.26.27 (lowercase host, unsigned amz-sdk-* headers)',
    at: '2026-11-25T21:14:34Z',
    headers: {
      'accept-encoding': 'identity',
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'Boto3/1.26.27 Python/3.11.2 Linux/6.18.44-fc-v657 awscrt/1.0.0.dev0 Botocore/1.29.27',
      host: '127.0.0.1:18084',
      'x-amz-date': '20261125T211434Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1bb189c8c1625546b59ce42e5e2b0f284cf6cc9b17ad189de37e81f66858cdae',
      'amz-sdk-invocation-id': 'b1dfdf24-30cc-4dc6-bb77-3be1b26001ba',
      'amz-sdk-request': 'attempt=1',
      'content-length': '90',
    },
    body: 'Action=DescribeVpcEndpoints&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1',
  },
  {
    name: '@aws-sdk/client-ec2 3.1169.0 (8 signed headers, %20 encoding, x-amz-content-sha256)',
    at: '2026-11-25T21:16:32Z',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '149',
      'x-amz-user-agent': 'aws-sdk-js/3.1168.0',
      'user-agent': 'aws-sdk-js/3.1168.0 ua/2.1 os/linux#6.18.44-fc-v657 lang/js md/nodejs#20.20.2 api/ec2#3.1168.0 m/N,E,e',
      host: '127.0.0.1:46395',
      'amz-sdk-invocation-id': '3601d424-e069-4101-bc8b-c40f3fcdc522',
      'amz-sdk-request': 'attempt=1; max=1',
      'x-amz-date': '20261125T211632Z',
      'x-amz-content-sha256': 'eb6640f8f85bbc780c3f106a75039c1ff4f94202e88d8491487e629e2adfaeaa',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/ec2/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-user-agent, Signature=890860458bd047c769f1f638a54e995ad436e77789157121c679209e5b8bfec9',
      connection: 'keep-alive',
    },
    body: 'Action=DescribeVpcEndpoints&Version=2016-11-15&VpcEndpointId.1=vpce-1&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=prod&Filter.1.Value.2=dev&MaxResults=5',
  },
];

function parts(c: Capture): HttpRequestParts {
  return { method: 'POST', path: '/', query: '', headers: { ...c.headers }, body: Buffer.from(c.body) };
}

/** The authenticator with AKIDEXAMPLE's secret injected, its clock a few seconds after the capture. */
function injected(c: Capture, secret = SECRET) {
  const now = new Date(Date.parse(c.at) + 3_000);
  return createAuthenticator({
    mode: 'strict', region: 'us-east-1', defaultAccount: '000000000000', store: undefined as never, clock: () => now,
    lookup: async (id) => (id === KEY ? { account: '123456789012', secret } : { refused: 'unknown' }),
  });
}

describe('captured requests replayed (injected key lookup)', () => {
  for (const c of CAPTURES) {
    it(`${c.name}: verifies`, async () => {
      const v = await verdict(injected(c), parts(c));
      assert.deepEqual(v, { code: 'ok', message: '', account: '123456789012', service: 'ec2' });
    });
    it(`${c.name}: refused with another secret, a changed body or a changed signed header`, async () => {
      assert.equal((await verdict(injected(c, SECRET.replace('K7', 'K8')), parts(c))).code, 'SignatureDoesNotMatch');
      assert.equal((await verdict(injected(c), { ...parts(c), body: Buffer.from(c.body.replace('Version', 'Versioo')) })).code, 'SignatureDoesNotMatch');
      const h = parts(c);
      h.headers.host = '127.0.0.1:1';
      assert.equal((await verdict(injected(c), h)).code, 'SignatureDoesNotMatch');
    });
    it(`${c.name}: refused 16 minutes later`, async () => {
      const later = new Date(Date.parse(c.at) + 16 * 60_000);
      const a = createAuthenticator({
        mode: 'strict', region: 'us-east-1', defaultAccount: '000000000000', store: undefined as never, clock: () => later,
        lookup: async () => ({ account: '123456789012', secret: SECRET }),
      });
      assert.equal((await verdict(a, parts(c))).code, 'RequestExpired');
    });
  }
});

describe('captured requests replayed (strict mode, key in a real store)', () => {
  it('all three verify with AKIDEXAMPLE stored as a strict-mode key; the dev key is refused', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'underpass-auth-'));
    const store = await Store.open({ dataDir: dir });
    t.after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await store.createAccountKey({ accessKeyId: KEY, secretAccessKey: SECRET, accountId: '210987654321', createdAt: new Date().toISOString() });
    for (const c of CAPTURES) {
      const now = new Date(Date.parse(c.at) + 60_000);
      const a = createAuthenticator({ mode: 'strict', region: 'us-east-1', defaultAccount: '000000000000', store, clock: () => now });
      assert.deepEqual(await verdict(a, parts(c)), { code: 'ok', message: '', account: '210987654321', service: 'ec2' }, c.name);
      const wrongRegion = createAuthenticator({ mode: 'strict', region: 'eu-west-1', defaultAccount: '000000000000', store, clock: () => now });
      const v = await verdict(wrongRegion, parts(c));
      assert.equal(v.code, 'SignatureDoesNotMatch');
      assert.equal(v.message, "Credential should be scoped to a valid region, not 'us-east-1'.");
    }
  });
});
