/** Access keys made by `underpass accounts create` (strict mode). */
import { randomBytes, randomInt } from 'node:crypto';
import type { AccountKey } from '../store/store.js';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new key pair for `accountId` (a random 12-digit account when absent). AKIA + 16 characters, 40-character secret. */
export function newAccountKey(accountId?: string): AccountKey {
  const account = accountId ?? String(randomInt(100_000, 999_999)) + String(randomInt(100_000, 999_999));
  const bytes = randomBytes(16);
  let id = 'AKIA';
  for (let i = 0; i < 16; i++) id += KEY_ALPHABET[bytes[i]! % 32];
  const secret = randomBytes(30).toString('base64').replace(/[+/]/g, (c) => (c === '+' ? 'x' : 'y'));
  return { accessKeyId: id, secretAccessKey: secret, accountId: account, createdAt: new Date().toISOString() };
}
