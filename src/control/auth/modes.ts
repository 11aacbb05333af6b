/** The account modes: which access keys each accepts, with which secret, as which account. */
import type { Store } from '../store/store.js';
import type { KeyLookup } from './verify.js';

/** The emulator convention's account and secret. */
export const DEV_ACCOUNT = '000000000000';
export const DEV_ACCESS_KEY = 'test';
export const DEV_SECRET = 'test';

const TWELVE_DIGITS = /^\d{12}$/;

/**
 * dev: `test` → 000000000000 and a 12-digit key → that account, both with secret `test`; keys made
 * by `underpass accounts create` also work (with their own secret). Anything else, real AWS keys
 * sent here by mistake in particular, is refused.
 */
export function devKeys(store: Store): KeyLookup {
  const hint = `Underpass runs with --auth dev: the secret access key of '${DEV_ACCESS_KEY}' and of 12-digit access keys is '${DEV_SECRET}'.`;
  return async (accessKeyId) => {
    if (accessKeyId === DEV_ACCESS_KEY) return { account: DEV_ACCOUNT, secret: DEV_SECRET, wrongSecretHint: hint };
    if (TWELVE_DIGITS.test(accessKeyId)) return { account: accessKeyId, secret: DEV_SECRET, wrongSecretHint: hint };
    const key = await store.findAccountKey(accessKeyId);
    if (key) return { account: key.accountId, secret: key.secretAccessKey };
    return {
      refused: `Underpass runs with --auth dev and does not know this access key${/^(AKIA|ASIA)/.test(accessKeyId) ? ' (it looks like a real AWS key: it is not used here)' : ''}: use access key '${DEV_ACCESS_KEY}' (account ${DEV_ACCOUNT}) or a 12-digit account id as the access key, with secret key '${DEV_SECRET}', or a key pair made by 'underpass accounts create'.`,
    };
  };
}

/** strict: only keys made by `underpass accounts create`, each verified with its own secret. */
export function strictKeys(store: Store): KeyLookup {
  return async (accessKeyId) => {
    const key = await store.findAccountKey(accessKeyId);
    if (key) return { account: key.accountId, secret: key.secretAccessKey };
    return { refused: "Underpass runs with --auth strict: use a key pair made by 'underpass accounts create'." };
  };
}

/** open: the account an unverified access key acts as (a 12-digit key is that account). */
export function openAccount(accessKeyId: string | undefined, defaultAccount: string): string {
  return accessKeyId && TWELVE_DIGITS.test(accessKeyId) ? accessKeyId : defaultAccount;
}
