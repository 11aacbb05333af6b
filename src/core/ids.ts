/** Resource ids and ARNs in AWS's formats, from an injectable source of random bytes. */
import { randomBytes } from 'node:crypto';

export type RandomSource = (n: number) => Uint8Array;

export const cryptoRandom: RandomSource = (n) => randomBytes(n);

/** `prefix-` + `hexLength` lowercase hex characters (17 for modern EC2 ids, 8 for prefix lists). */
export function newId(prefix: string, random: RandomSource = cryptoRandom, hexLength = 17): string {
  return `${prefix}-${hex(random, hexLength)}`;
}

export function hex(random: RandomSource, length: number): string {
  const bytes = random(Math.ceil(length / 2));
  return Buffer.from(bytes).toString('hex').slice(0, length);
}

const ALNUM_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM_MIXED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `length` characters drawn from `alphabet` (lowercase alphanumerics by default). */
export function randomString(random: RandomSource, length: number, alphabet = ALNUM_LOWER): string {
  const bytes = random(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

export function randomMixedString(random: RandomSource, length: number): string {
  return randomString(random, length, ALNUM_MIXED);
}

/** True when `id` is `prefix-` followed by 8 or 17 lowercase hex characters. */
export function isWellFormedId(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix.replace(/-/g, '\\-')}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}

export function elbArn(region: string, account: string, resource: string): string {
  return `arn:aws:elasticloadbalancing:${region}:${account}:${resource}`;
}

export function ec2Arn(region: string, account: string, resource: string): string {
  return `arn:aws:ec2:${region}:${account}:${resource}`;
}
