/** SigV4 (AWS4-HMAC-SHA256) on the server side: reading the claim and recomputing the signature. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4Base, getCanonicalHeaders } from '@smithy/signature-v4';
import type { HttpRequestParts } from './authenticator.js';
import { incomplete } from './auth-errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Presigned requests may not live longer than a week (as SigV4 everywhere). */
export const MAX_PRESIGN_EXPIRES_S = 604_800;

/** What a signed request claims: who signed it, for which scope, over which headers. */
export interface SigV4Claim {
  form: 'header' | 'query';
  accessKeyId: string;
  /** The credential scope: `<scopeDate>/<region>/<service>/<terminator>`. */
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  /** The raw Credential value, for messages. */
  credential: string;
  signedHeaders: string[];
  /** Lower-case hex. */
  signature: string;
  /** The signing time as signed (`yyyyMMddTHHmmssZ`). */
  amzDate: string;
  /** The signing time. */
  time: Date;
  /** X-Amz-Expires of a presigned request, in seconds. */
  expiresS?: number;
}

export function header(req: HttpRequestParts, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Decodes a raw query string into name → value(s), as the signer saw them before encoding. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (!query) return out;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = decode(eq < 0 ? '' : pair.slice(eq + 1));
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function parseAmzDate(v: string, what: string): Date {
  const m = AMZ_DATE.exec(v);
  const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  if (!m || Number.isNaN(t) || formatAmzDate(new Date(t)) !== v) {
    throw incomplete(`${what} must be in ISO-8601 'basic format' (yyyyMMddTHHmmssZ), got '${v}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  return new Date(t);
}

function parseCredential(credential: string): Pick<SigV4Claim, 'accessKeyId' | 'scopeDate' | 'region' | 'service' | 'terminator'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw incomplete(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, scopeDate, region, service, terminator };
}

function parseSignedHeaders(v: string): string[] {
  const names = v.split(';');
  if (names.some((n) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(n))) {
    throw incomplete(`SignedHeaders must be lower-case header names separated by ';', got '${v}'`);
  }
  return names;
}

function parseSignature(v: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw incomplete(`Signature must be 64 hexadecimal characters, got '${v}'`);
  return v.toLowerCase();
}

/** The Authorization-header form: `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` plus X-Amz-Date (or Date). */
function fromHeader(req: HttpRequestParts, auth: string): SigV4Claim {
  const trimmed = auth.trim();
  const sp = trimmed.search(/\s/);
  const algorithm = sp < 0 ? trimmed : trimmed.slice(0, sp);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (only ${ALGORITHM}): sign requests with Signature Version 4`);
  }
  const fields = new Map<string, string>();
  for (const part of (sp < 0 ? '' : trimmed.slice(sp)).split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw incomplete(`'${p}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.`);
    fields.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((k) => !fields.get(k));
  if (missing.length) {
    throw incomplete(`${missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ')} Authorization=${auth}`);
  }
  const amzDate = header(req, 'x-amz-date');
  const httpDate = header(req, 'date');
  let time: Date;
  let signedDate: string;
  if (amzDate !== undefined) {
    time = parseAmzDate(amzDate.trim(), 'X-Amz-Date');
    signedDate = amzDate.trim();
  } else if (httpDate !== undefined) {
    time = new Date(httpDate);
    if (Number.isNaN(time.getTime())) throw incomplete(`The Date header '${httpDate}' is not an HTTP date`);
    signedDate = formatAmzDate(time);
  } else {
    throw incomplete(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth}`);
  }
  const credential = fields.get('Credential')!;
  return {
    form: 'header',
    credential,
    ...parseCredential(credential),
    signedHeaders: parseSignedHeaders(fields.get('SignedHeaders')!),
    signature: parseSignature(fields.get('Signature')!),
    amzDate: signedDate,
    time,
  };
}

const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

/** The presigned form: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature (+ X-Amz-Expires) in the query. */
function fromQuery(query: Record<string, string | string[]>): SigV4Claim {
  const one = (k: string): string | undefined => {
    const v = query[k];
    if (Array.isArray(v)) throw incomplete(`The query parameter ${k} appears more than once`);
    return v;
  };
  const missing = QUERY_AUTH_PARAMS.filter((k) => !one(k));
  if (missing.length) {
    throw incomplete(`Query-string authentication requires the ${QUERY_AUTH_PARAMS.join(', ')} parameters; missing ${missing.join(', ')}`);
  }
  if (one('X-Amz-Algorithm') !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${one('X-Amz-Algorithm')}' (only ${ALGORITHM})`);
  }
  const amzDate = one('X-Amz-Date')!;
  const expires = one('X-Amz-Expires');
  let expiresS: number | undefined;
  if (expires !== undefined) {
    expiresS = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
    if (Number.isNaN(expiresS) || expiresS > MAX_PRESIGN_EXPIRES_S) {
      throw incomplete(`X-Amz-Expires must be a whole number of seconds from 0 to ${MAX_PRESIGN_EXPIRES_S} (one week), got '${expires}'`);
    }
  }
  const credential = one('X-Amz-Credential')!;
  return {
    form: 'query',
    credential,
    ...parseCredential(credential),
    signedHeaders: parseSignedHeaders(one('X-Amz-SignedHeaders')!),
    signature: parseSignature(one('X-Amz-Signature')!),
    amzDate,
    time: parseAmzDate(amzDate, 'X-Amz-Date'),
    expiresS,
  };
}

/**
 * The request's SigV4 claim; undefined when the request carries no signature at all. Throws
 * IncompleteSignature when the Authorization header or the presigned parameters are malformed.
 */
export function readClaim(req: HttpRequestParts): SigV4Claim | undefined {
  const auth = header(req, 'authorization');
  const query = parseQuery(req.query);
  const presigned = query['X-Amz-Algorithm'] !== undefined;
  if (auth !== undefined && presigned) {
    throw incomplete('Only one auth mechanism allowed: either the Authorization header or the X-Amz-Algorithm query parameters, not both');
  }
  if (auth !== undefined) return fromHeader(req, auth);
  if (presigned) return fromQuery(query);
  return undefined;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The canonical-request assembly of the SDK's own signer, so both sides canonicalise alike. */
class CanonicalRequest extends SignatureV4Base {
  constructor() {
    super({ service: 'verify', region: 'verify', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Hash.bind(null, 'sha256') });
  }
  build(request: HttpRequest, canonicalHeaders: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
}
const canonical = new CanonicalRequest();

/** The canonical request the client must have signed, over the signed headers only and the raw body's hash. */
export function canonicalRequestOf(req: HttpRequestParts, claim: SigV4Claim): string {
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    Object.defineProperty(headers, name, { value: header(req, name) ?? '', enumerable: true, writable: true, configurable: true });
  }
  const request = new HttpRequest({
    method: req.method.toUpperCase(),
    protocol: 'http:',
    hostname: 'verify',
    path: req.path || '/',
    query: parseQuery(req.query),
    headers,
    body: req.body,
  });
  const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(claim.signedHeaders)) as Record<string, string>;
  return canonical.build(request, canonicalHeaders, sha256Hex(req.body));
}

/** The signature the claim should carry if it was made with `secret` (lower-case hex). */
export function expectedSignature(req: HttpRequestParts, claim: SigV4Claim, secret: string): string {
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/${claim.terminator}`;
  const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${scope}\n${sha256Hex(canonicalRequestOf(req, claim))}`;
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(claim.scopeDate).digest();
  for (const part of [claim.region, claim.service, claim.terminator]) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** Whether the claim's signature recomputes with `secret`, compared in constant time. */
export function signatureMatches(req: HttpRequestParts, claim: SigV4Claim, secret: string): boolean {
  const expected = Buffer.from(expectedSignature(req, claim, secret), 'hex');
  const given = Buffer.from(claim.signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
