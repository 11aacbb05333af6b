/** Test support: requests signed (or presigned) by the SDK's own SigV4 signer, as the server receives them. */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiError } from '../../src/core/errors.js';
import type { Authenticator, HttpRequestParts } from '../../src/control/auth/authenticator.js';

export const T0 = new Date('2026-11-25T21:14:08Z');
export const EC2_BODY = 'Action=DescribeVpcEndpoints&Version=2016-11-15';
export const ELB_BODY = 'Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=my-nlb';

export interface SignOptions {
  body?: string;
  accessKeyId?: string;
  secret?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  date?: Date;
  /** null: no Host header at all. */
  host?: string | null;
  /** Extra headers, signed. */
  headers?: Record<string, string>;
  /** Adds x-amz-content-sha256 like the JS SDK (true) or not, like botocore (false). */
  contentSha256?: boolean;
  method?: string;
  query?: Record<string, string>;
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function queryString(q: Record<string, string | string[] | null>): string {
  return Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? '']).map((x) => `${rfc3986(k)}=${rfc3986(x)}`)).join('&');
}

function toParts(r: HttpRequest, body: string): HttpRequestParts {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  return { method: r.method, path: r.path, query: queryString(r.query ?? {}), headers, body: Buffer.from(body) };
}

function request(o: SignOptions): HttpRequest {
  const body = o.body ?? EC2_BODY;
  const method = o.method ?? 'POST';
  return new HttpRequest({
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4570,
    path: '/',
    query: o.query ?? {},
    headers: {
      ...(o.host === null ? {} : { host: o.host ?? '127.0.0.1:4570' }),
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}),
      ...(o.headers ?? {}),
    },
    body: method === 'POST' ? body : undefined,
  });
}

function signer(o: SignOptions): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId ?? 'test', secretAccessKey: o.secret ?? 'test', sessionToken: o.sessionToken },
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'ec2',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: o.contentSha256 ?? true,
  });
}

/** A request signed in the Authorization-header form. */
export async function signed(o: SignOptions = {}): Promise<HttpRequestParts> {
  const r = (await signer(o).sign(request(o), { signingDate: o.date ?? T0 })) as HttpRequest;
  return toParts(r, o.method === 'GET' ? '' : o.body ?? EC2_BODY);
}

/** A request presigned in the query-string form (X-Amz-Algorithm, X-Amz-Credential, …). */
export async function presigned(o: SignOptions & { expiresIn?: number } = {}): Promise<HttpRequestParts> {
  const r = (await signer(o).presign(request({ ...o, method: o.method ?? 'GET' }), { signingDate: o.date ?? T0, expiresIn: o.expiresIn ?? 300 })) as HttpRequest;
  return toParts(r, (o.method ?? 'GET') === 'GET' ? '' : o.body ?? EC2_BODY);
}

/** The ApiError code (or 'ok') the authenticator answers. */
export async function verdict(a: Authenticator, req: HttpRequestParts): Promise<{ code: string; message: string; status?: number; account?: string; service?: string }> {
  try {
    const r = await a.authenticate(req);
    return { code: 'ok', message: '', account: r.account, service: r.service };
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message, status: e.status };
    throw e;
  }
}
