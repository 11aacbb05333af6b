/** Verifies a signed request end to end: claim, scope, clock, signed headers, key, body hash, signature. */
import type { HttpRequestParts } from './authenticator.js';
import { expired, flavorOf, incomplete, missingToken, signatureMismatch, SIGNATURE_MISMATCH, SIGNING_NAMES, unknownKey } from './auth-errors.js';
import { formatAmzDate, header, readClaim, sha256Hex, signatureMatches, type SigV4Claim } from './sigv4.js';

/** AWS's window: a request is valid up to 15 minutes either side of the server's clock. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60_000;

/** A key the server knows, with the account it acts as. */
export interface KnownKey {
  account: string;
  secret: string;
  /** Appended to SignatureDoesNotMatch when the secret is wrong (dev mode says which secret it expects). */
  wrongSecretHint?: string;
}

/** Finds the secret of an access key, or says why the key is refused. */
export type KeyLookup = (accessKeyId: string) => Promise<KnownKey | { refused: string }>;

export interface VerifyOptions {
  region: string;
  now: Date;
  maxSkewMs: number;
  lookup: KeyLookup;
}

export interface Verified {
  claim: SigV4Claim;
  account: string;
}

function checkScope(req: HttpRequestParts, claim: SigV4Claim, region: string): void {
  const problems: string[] = [];
  if (claim.region !== region) problems.push(`Credential should be scoped to a valid region, not '${claim.region}'.`);
  if (!(Object.values(SIGNING_NAMES) as string[]).includes(claim.service)) {
    problems.push(`Credential should be scoped to correct service: '${SIGNING_NAMES[flavorOf(req)]}'.`);
  }
  if (claim.terminator !== 'aws4_request') problems.push(`Credential should be scoped with a valid terminator: 'aws4_request', not '${claim.terminator}'.`);
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    problems.push(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`);
  }
  if (problems.length) throw signatureMismatch(problems.join(' '));
}

function checkClock(req: HttpRequestParts, claim: SigV4Claim, now: Date, maxSkewMs: number): void {
  const t = claim.time.getTime();
  const minutes = Math.round(maxSkewMs / 60_000);
  if (t - now.getTime() > maxSkewMs) {
    const bound = formatAmzDate(new Date(now.getTime() + maxSkewMs));
    throw expired(flavorOf(req, claim.service), `Signature not yet current: ${claim.amzDate} is still later than ${bound} (${formatAmzDate(now)} + ${minutes} min.)`);
  }
  if (claim.expiresS !== undefined) {
    const end = t + claim.expiresS * 1000;
    if (now.getTime() > end) {
      throw expired(flavorOf(req, claim.service), `Signature expired: the presigned request of ${claim.amzDate} expired at ${formatAmzDate(new Date(end))} (X-Amz-Expires=${claim.expiresS}); it is now ${formatAmzDate(now)}.`);
    }
    return;
  }
  if (now.getTime() - t > maxSkewMs) {
    const bound = formatAmzDate(new Date(now.getTime() - maxSkewMs));
    throw expired(flavorOf(req, claim.service), `Signature expired: ${claim.amzDate} is now earlier than ${bound} (${formatAmzDate(now)} - ${minutes} min.)`);
  }
}

/**
 * The signer trusts x-amz-content-sha256 as the payload hash, so a body changed in flight would still
 * verify: the header must equal the raw body's hash, and UNSIGNED-PAYLOAD is refused.
 */
function checkPayloadHash(req: HttpRequestParts): void {
  const declared = header(req, 'x-amz-content-sha256');
  if (declared === undefined) return;
  const d = declared.trim().toLowerCase();
  if (d === 'unsigned-payload' || d.startsWith('streaming-')) {
    throw signatureMismatch(`x-amz-content-sha256 '${declared}' is not accepted: EC2 and ELBv2 requests must sign the SHA-256 of their body`);
  }
  if (d !== sha256Hex(req.body)) {
    throw signatureMismatch(`${SIGNATURE_MISMATCH} The x-amz-content-sha256 header does not match the SHA-256 of the request body.`);
  }
}

/** Verifies the request's signature by recomputation; throws the ApiError AWS would answer. */
export async function verifyRequest(req: HttpRequestParts, opts: VerifyOptions): Promise<Verified> {
  const claim = readClaim(req);
  if (!claim) {
    const sigV2 = /(^|&)(AWSAccessKeyId|SignatureVersion)=/.test(req.query);
    throw missingToken(sigV2 ? 'Signature Version 2 is not supported, sign with Signature Version 4 (AWS4-HMAC-SHA256)' : undefined);
  }
  checkClock(req, claim, opts.now, opts.maxSkewMs);
  if (!claim.signedHeaders.includes('host')) {
    throw signatureMismatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (claim.form === 'header' && header(req, 'x-amz-date') !== undefined && !claim.signedHeaders.includes('x-amz-date') && !claim.signedHeaders.includes('date')) {
    throw signatureMismatch("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (header(req, 'host') === undefined) throw incomplete('The request has no Host header, which SigV4 signs');
  checkScope(req, claim, opts.region);
  const key = await opts.lookup(claim.accessKeyId);
  if ('refused' in key) throw unknownKey(flavorOf(req, claim.service), key.refused);
  checkPayloadHash(req);
  if (!signatureMatches(req, claim, key.secret)) {
    throw signatureMismatch(key.wrongSecretHint ? `${SIGNATURE_MISMATCH} ${key.wrongSecretHint}` : SIGNATURE_MISMATCH);
  }
  return { claim, account: key.account };
}
