/** Builds the authenticator for a mode: dev and strict verify SigV4 by recomputation, open trusts the caller. */
import type { AuthOptions, Authenticator, AuthResult, HttpRequestParts } from './authenticator.js';
import { devKeys, openAccount, strictKeys } from './modes.js';
import { header, parseQuery, readClaim } from './sigv4.js';
import { DEFAULT_MAX_SKEW_MS, verifyRequest, type KeyLookup } from './verify.js';

function caller(account: string, accessKeyId: string, service: string | undefined): AuthResult {
  return { account, principalArn: `arn:aws:iam::${account}:root`, accessKeyId, ...(service ? { service } : {}) };
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
  const lookup = opts.lookup ?? (opts.mode === 'dev' ? devKeys(opts.store) : strictKeys(opts.store));
  return {
    mode: opts.mode,
    async authenticate(req: HttpRequestParts): Promise<AuthResult> {
      const { claim, account } = await verifyRequest(req, { region: opts.region, now: clock(), maxSkewMs, lookup });
      return caller(account, claim.accessKeyId, claim.service);
    },
  };
}
