/**
 * Pure naming for everything the netns backend creates. Every namespace, link and /etc/netns
 * directory starts with one prefix (config, default `up-`) so that `down` and crash recovery can
 * find them by prefix alone. Linux interface names are at most 15 characters, so names are the
 * prefix, one kind letter and a short hash of the VPC / subnet / workload id.
 *
 * A prefix is a lowercase letter, up to 5 more letters or digits, then a single `-` (at most 7
 * characters). Its only dash is the last character, so no valid prefix can match names made with
 * another valid prefix (`up-` never matches `upt12-…`).
 */
import { createHash } from 'node:crypto';

export const DEFAULT_PREFIX = 'up-';
/** Linux IFNAMSIZ - 1. */
export const MAX_IFNAME = 15;
const PREFIX_RE = /^[a-z][a-z0-9]{0,5}-$/;

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

export function assertPrefix(prefix: string): void {
  if (!isValidPrefix(prefix)) {
    throw new Error(`invalid network name prefix ${JSON.stringify(prefix)}: expected a lowercase letter, up to 5 letters or digits, then "-" (e.g. "up-")`);
  }
}

/** Hex digest of `id`, cut to the length that makes `prefix + kind + hash` exactly 15 characters. */
export function shortHash(prefix: string, id: string): string {
  assertPrefix(prefix);
  const len = MAX_IFNAME - prefix.length - 1;
  return createHash('sha256').update(id).digest('hex').slice(0, len);
}

/** The VPC's router namespace. */
export function vpcNamespace(prefix: string, vpcId: string): string {
  return `${prefix}v${shortHash(prefix, vpcId)}`;
}

/** A workload's namespace (`key` is the workload's name, chosen by the caller or generated). */
export function workloadNamespace(prefix: string, key: string): string {
  return `${prefix}w${shortHash(prefix, key)}`;
}

/** The bridge in the router namespace carrying one subnet's gateway (`.1`). */
export function subnetBridge(prefix: string, subnetId: string): string {
  return `${prefix}b${shortHash(prefix, subnetId)}`;
}

/** The router-side end of a workload's veth pair (lives in the router namespace). */
export function routerVeth(prefix: string, workloadNs: string): string {
  return `${prefix}r${shortHash(prefix, workloadNs)}`;
}

/** The workload-side end of its veth pair, inside the workload namespace. */
export const WORKLOAD_IFNAME = 'eth0';

/**
 * Address label (on the router namespace's `lo`) of ENI addresses (endpoint and NLB node ENIs),
 * held as /32s. Labels rather than dummy devices: some kernels have no dummy driver.
 */
export function eniLabel(prefix: string): string {
  assertPrefix(prefix);
  return `lo:${prefix}eni`;
}

/** Address label (on the router namespace's `lo`) of the VPC resolver address (VPC base + 2), a /32. */
export function resolverLabel(prefix: string): string {
  assertPrefix(prefix);
  return `lo:${prefix}dns`;
}

export function isOwned(prefix: string, name: string): boolean {
  return name.startsWith(prefix);
}

export type NamespaceKind = 'vpc' | 'workload' | 'other';

/** What an owned namespace name is, judged by its kind letter. */
export function namespaceKind(prefix: string, name: string): NamespaceKind {
  if (!name.startsWith(prefix) || name.length !== MAX_IFNAME) return 'other';
  const k = name[prefix.length];
  return k === 'v' ? 'vpc' : k === 'w' ? 'workload' : 'other';
}
