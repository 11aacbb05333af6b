/**
 * Console sign-in: an access key id and secret checked by the same key lookup the API's
 * authenticator uses for the server's auth mode (dev, strict; open trusts any key), the secret
 * compared in constant time. The refusals carry the API's own words for an unknown key and a
 * wrong secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Caller } from '../api/context.js';
import type { AuthMode } from '../auth/authenticator.js';
import { caller as callerOf, keyLookupFor } from '../auth/index.js';
import { openAccount } from '../auth/modes.js';
import type { KeyLookup } from '../auth/verify.js';
import type { Store } from '../store/store.js';

export type SignInResult = { ok: true; caller: Caller } | { ok: false; message: string };

export type CredentialCheck = (accessKeyId: string, secretAccessKey: string) => Promise<SignInResult>;

/** Equal strings, in time independent of where they differ (both hashed first: lengths may differ). */
export function secretsEqual(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

/** The check for `mode`; `lookup` replaces the mode's key lookup (tests). */
export function credentialCheck(opts: { mode: AuthMode; store: Store; defaultAccount: string; lookup?: KeyLookup }): CredentialCheck {
  if (opts.mode === 'open') {
    return async (accessKeyId) => ({ ok: true, caller: callerOf(openAccount(accessKeyId || undefined, opts.defaultAccount), accessKeyId || 'anonymous') });
  }
  const lookup = opts.lookup ?? keyLookupFor(opts.mode, opts.store);
  return async (accessKeyId, secretAccessKey) => {
    const key = await lookup(accessKeyId);
    if ('refused' in key) return { ok: false, message: `AWS was not able to validate the provided access credentials. ${key.refused}` };
    if (!secretsEqual(key.secret, secretAccessKey)) {
      return { ok: false, message: `The secret access key does not match the access key.${key.wrongSecretHint ? ` ${key.wrongSecretHint}` : ''}` };
    }
    return { ok: true, caller: callerOf(key.account, accessKeyId) };
  };
}
