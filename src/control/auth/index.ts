/** Builds the authenticator for a mode: dev and strict verify SigV4 by recomputation, open trusts the caller. */
import type { AuthOptions, Authenticator, AuthResult, HttpRequestParts } from './authenticator.js';
import { devKeys, openAccount, strictKeys } from './modes.js';
import { header, parseQuery, readClaim } from './sigv4.js';
import { DEFAULT_MAX_SKEW_MS, verifyRequest, type KeyLookup } from './verify.js';

/** Who a verified (or, in open mode, claimed) access key acts as: the account's root principal. */
export function caller(account: string, accessKeyId: string, service?: string): AuthResult {
  return { account, principalArn: `arn:aws:iam::${account}:root`, accessKeyId, ...(service ? { service } : {}) };
}

/** The key lookup of a verifying mode (dev or strict): the API's authenticator and the console's sign-in share it. */
export function keyLookupFor(mode: 'dev' | 'strict', store: AuthOptions['store']): KeyLookup {
  return mode === 'dev' ? devKeys(store) : strictKeys(store);
}

/** open mode reads what the request claims, even a malformed or absent signature, and verifies nothing. */
function openCaller(req: HttpRequestParts, defaultAccount: string): AuthResult {
  let key: string | undefined;
  let service: string | undefined;
  try {
    const claim = readClaim(req);
    key = claim?.accessKeyId;
    service = claim?.service;
  } catch {
    const credential = header(req, 'authorization') ?? String(parseQuery(req.query)['X-Amz-Credential'] ?? '');
    const m = /Credential=([^/,\s]*)\/[^/,\s]*\/[^/,\s]*\/([^/,\s]+)/.exec(credential) ?? /^([^/]*)\/[^/]*\/[^/]*\/([^/]+)/.exec(credential);
    key = m?.[1] || undefined;
    service = m?.[2];
  }
  return caller(openAccount(key, defaultAccount), key ?? 'anonymous', service);
}

export function createAuthenticator(opts: AuthOptions & { lookup?: KeyLookup }): Authenticator {
  const clock = opts.clock ?? (() => new Date());
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (opts.mode === 'open') {
    return { mode: 'open', authenticate: async (req) => openCaller(req, opts.defaultAccount) };
  }
  const lookup = opts.lookup ?? keyLookupFor(opts.mode, opts.store);
  return {
    mode: opts.mode,
    async authenticate(req: HttpRequestParts): Promise<AuthResult> {
      const { claim, account } = await verifyRequest(req, { region: opts.region, now: clock(), maxSkewMs, lookup });
      return caller(account, claim.accessKeyId, claim.service);
    },
  };
}
