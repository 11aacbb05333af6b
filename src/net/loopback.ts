/**
 * The `loopback` network backend, for machines without root: no namespaces and NO ISOLATION —
 * every VPC gets a block of the host's 127.0.0.0/8 (Linux answers on all of it without any
 * configuration), and a VPC address maps to `127.<vpc index>.<offset in the VPC, 2 bytes>`. The
 * API keeps showing VPC addresses; endpoint listeners, NLB nodes and workloads use the mapped
 * host addresses, and the node workers map sources back to VPC addresses (so security groups and
 * PROXY v2 headers speak VPC addresses) and targets forward. A process that does not bind to its
 * workload address connects from 127.0.0.1, which belongs to no VPC.
 *
 * VPC indexes (1–254) are kept in `<data dir>/loopback-vpcs.json` so addresses stay the same
 * across restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cidrContainsIp, intToIp, ipToInt, isReservedInSubnet, parseCidr, type Cidr4 } from '../core/cidr.js';
import type { ExecInOptions, OwnedObjects, VpcInfo, VpcSpec, Workload, WorkloadSpec } from './netns.js';

/** One VPC's block on the host. */
export interface LoopbackVpc {
  vpcId: string;
  cidr: string;
  index: number;
}

/** The mapping a node worker needs (sent in its config). */
export type LoopbackMap = LoopbackVpc[];

/** VPC address → host address (undefined when `ip` is not in the VPC's CIDR). */
export function toHostAddress(vpc: LoopbackVpc, ip: string): string | undefined {
  const c = parseCidr(vpc.cidr);
  const n = ipToInt(ip);
  if (!c || n === undefined || !cidrContainsIp(c, n)) return undefined;
  const off = n - c.base;
  return `127.${vpc.index}.${(off >>> 8) & 255}.${off & 255}`;
}

/** Host address → VPC address, when the host address is in that VPC's block. */
export function toVpcAddress(vpc: LoopbackVpc, host: string): string | undefined {
  const m = /^(?:::ffff:)?127\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m || Number(m[1]) !== vpc.index) return undefined;
  const c = parseCidr(vpc.cidr);
  if (!c) return undefined;
  const off = Number(m[2]) * 256 + Number(m[3]);
  if (off >= 2 ** (32 - c.prefix)) return undefined;
  return intToIp(c.base + off);
}

export const LOOPBACK_NAMESPACE = '';

export class LoopbackBackend {
  readonly kind = 'loopback' as const;
  readonly prefix: string;
  readonly #file: string | undefined;
  readonly #indexes = new Map<string, number>();
  readonly #vpcs = new Map<string, { spec: VpcSpec; cidr: Cidr4; index: number }>();

  constructor(opts: { prefix: string; stateFile?: string }) {
    this.prefix = opts.prefix;
    this.#file = opts.stateFile;
    if (this.#file && existsSync(this.#file)) {
      const saved = JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, number>;
      for (const [k, v] of Object.entries(saved)) this.#indexes.set(k, v);
    }
  }

  #indexOf(vpcId: string): number {
    let i = this.#indexes.get(vpcId);
    if (i !== undefined) return i;
    const used = new Set(this.#indexes.values());
    for (let n = 1; n <= 254; n++) if (!used.has(n)) { i = n; break; }
    if (i === undefined) throw new Error('the loopback network has room for 254 VPCs');
    this.#indexes.set(vpcId, i);
    if (this.#file) {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileSync(this.#file, JSON.stringify(Object.fromEntries(this.#indexes), null, 1));
    }
    return i;
  }

  /** The host address of a VPC address. */
  hostAddress(vpcId: string, ip: string): string {
    const v = this.#vpcs.get(vpcId);
    if (!v) throw new Error(`VPC ${vpcId} is not set up`);
    const h = toHostAddress({ vpcId, cidr: v.spec.cidr, index: v.index }, ip);
    if (!h) throw new Error(`${ip} is not in VPC ${vpcId} (${v.spec.cidr})`);
    return h;
  }

  map(): LoopbackMap {
    return [...this.#vpcs].map(([vpcId, v]) => ({ vpcId, cidr: v.spec.cidr, index: v.index }));
  }

  /** Every process runs on the host: one pseudo namespace. */
  routerNamespace(_vpcId: string): string {
    return LOOPBACK_NAMESPACE;
  }

  async ensureVpc(spec: VpcSpec): Promise<VpcInfo> {
    const cidr = parseCidr(spec.cidr);
    if (!cidr) throw new Error(`VPC ${spec.vpcId}: invalid CIDR ${spec.cidr}`);
    const index = this.#indexOf(spec.vpcId);
    this.#vpcs.set(spec.vpcId, { spec, cidr, index });
    return {
      vpcId: spec.vpcId, namespace: LOOPBACK_NAMESPACE, cidr: spec.cidr, resolver: intToIp(cidr.base + 2),
      subnets: spec.subnets.map((s) => ({ subnetId: s.subnetId, cidr: s.cidr, gateway: intToIp(parseCidr(s.cidr)!.base + 1), bridge: '' })),
    };
  }

  async removeVpc(vpcId: string): Promise<void> {
    this.#vpcs.delete(vpcId);
  }

  /** Nothing to configure: Linux answers on all of 127.0.0.0/8. */
  async addAddress(vpcId: string, ip: string): Promise<void> {
    this.hostAddress(vpcId, ip);
  }

  async addAddresses(vpcId: string, ips: readonly string[]): Promise<void> {
    for (const ip of ips) this.hostAddress(vpcId, ip);
  }

  async removeAddress(_vpcId: string, _ip: string): Promise<void> {}

  async createWorkload(spec: WorkloadSpec): Promise<Workload> {
    const v = this.#vpcs.get(spec.vpcId);
    if (!v) throw new Error(`VPC ${spec.vpcId} is not set up`);
    const sub = v.spec.subnets.find((s) => s.subnetId === spec.subnetId);
    const sc = sub ? parseCidr(sub.cidr) : undefined;
    if (!sub || !sc) throw new Error(`VPC ${spec.vpcId} has no subnet ${spec.subnetId}`);
    if (!spec.ip) throw new Error('the loopback network needs the workload address');
    const n = ipToInt(spec.ip);
    if (n === undefined || !cidrContainsIp(sc, n) || isReservedInSubnet(sc, n)) throw new Error(`${spec.ip} is not a usable address of ${spec.subnetId}`);
    return {
      name: spec.name ?? spec.ip, namespace: LOOPBACK_NAMESPACE, vpcId: spec.vpcId, subnetId: spec.subnetId,
      ip: this.hostAddress(spec.vpcId, spec.ip), prefixLen: 32, gateway: intToIp(sc.base + 1), resolver: intToIp(v.cidr.base + 2),
    };
  }

  async removeWorkload(_name: string): Promise<void> {}

  async sweep(): Promise<OwnedObjects> {
    return { namespaces: [], links: [], configDirs: [] };
  }

  listOwned(): Promise<OwnedObjects> {
    return this.sweep();
  }

  /** Runs `argv` on the host (the pseudo namespace is ignored). */
  execIn(_namespace: string, argv: readonly string[], opts: ExecInOptions = {}): ChildProcess {
    if (argv.length === 0) throw new Error('execIn: empty command');
    return spawn(argv[0]!, argv.slice(1), { env: opts.env, cwd: opts.cwd, stdio: opts.stdio ?? 'pipe', timeout: opts.timeoutMs, killSignal: 'SIGKILL' });
  }
}
