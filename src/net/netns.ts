/**
 * The `netns` network backend's primitives (Linux, root). A VPC is a router namespace: one bridge
 * per subnet carrying the subnet's gateway (`.1`), and on its `lo` the VPC resolver address
 * (VPC base + 2) and the ENI addresses (endpoint and NLB node ENIs) as labelled /32s, which the
 * router answers ARP for on every bridge (arp_ignore=0). A workload is its own namespace joined to its
 * subnet's bridge by a veth pair (large MTU), with an address from the subnet, a default route via
 * the gateway and `/etc/netns/<ns>/resolv.conf` naming the VPC resolver. Router namespaces have
 * no link to the host or to each other, so VPCs with overlapping CIDRs coexist and nothing routes
 * between them except what Underpass itself carries. Everything carries one name prefix; `sweep`
 * removes it all (for `down` and for the next start after a crash).
 *
 * Kernel state is the truth where it is cheap to read: which router addresses exist, and which
 * workload owns which address (written as the alias of the router-side veth). The VPC specs
 * (ids → CIDRs) are kept in memory; callers run `ensureVpc` for every VPC on start (after `sweep`).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allocateAddress, cidrContainsIp, intToIp, ipToInt, isReservedInSubnet, parseCidr, type Cidr4 } from '../core/cidr.js';
import { IpError, IpRunner } from './ip.js';
import {
  assertPrefix, DEFAULT_PREFIX, eniLabel, namespaceKind, resolverLabel, routerVeth, subnetBridge, vpcNamespace, WORKLOAD_IFNAME,
  workloadNamespace,
} from './names.js';

export interface SubnetSpec {
  subnetId: string;
  cidr: string;
}

export interface VpcSpec {
  vpcId: string;
  /** The VPC's primary CIDR: its base + 2 is the resolver address. */
  cidr: string;
  /** The complete list of the VPC's subnets: bridges of subnets no longer listed are removed. */
  subnets: SubnetSpec[];
}

export interface VpcInfo {
  vpcId: string;
  namespace: string;
  cidr: string;
  resolver: string;
  subnets: Array<{ subnetId: string; cidr: string; gateway: string; bridge: string }>;
}

export interface WorkloadSpec {
  vpcId: string;
  subnetId: string;
  /** Address to use; else the lowest free one of the subnet (AWS's reserved first 4 and last skipped). */
  ip?: string;
  /** Stable name of the workload (its namespace name is derived from it); random when omitted. */
  name?: string;
  /** Further addresses the allocator must not hand out (e.g. ENI addresses the store has reserved). */
  avoid?: Iterable<string>;
}

export interface Workload {
  name: string;
  namespace: string;
  vpcId: string;
  subnetId: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  resolver: string;
}

export interface OwnedObjects {
  namespaces: string[];
  /** Links with the prefix in the host namespace (only left there by a crash mid-creation). */
  links: string[];
  /** Directories under /etc/netns with the prefix. */
  configDirs: string[];
}

export interface ExecInOptions {
  /** Kill the child (SIGKILL) after this many ms; unbounded when omitted (e.g. a long-running target). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: StdioOptions;
}

export interface NetnsBackendOptions {
  prefix?: string;
  runner?: IpRunner;
  /** Where `ip netns exec` looks for per-namespace files (default /etc/netns). */
  etcNetnsDir?: string;
  /** MTU of bridges and veths (default 65535). */
  mtu?: number;
}

interface VpcState {
  spec: VpcSpec;
  cidr: Cidr4;
  resolver: string;
  subnets: Map<string, { spec: SubnetSpec; cidr: Cidr4; gateway: string; bridge: string }>;
}

interface LinkJson { ifname: string; ifalias?: string; link_type?: string }
interface AddrJson { ifname: string; addr_info?: Array<{ family: string; local: string; prefixlen: number; label?: string }> }

/** Alias written on a workload's router-side veth: who owns which address (no spaces: batch-safe). */
function workloadAlias(ip: string, ns: string, subnetId: string): string {
  return `ip=${ip},ns=${ns},subnet=${subnetId}`;
}

function parseAlias(alias: string | undefined): { ip?: string; ns?: string; subnet?: string } {
  const out: Record<string, string> = {};
  for (const part of (alias ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function parseCidrOrThrow(what: string, text: string): Cidr4 {
  const c = parseCidr(text);
  if (!c) throw new Error(`${what}: invalid IPv4 CIDR ${JSON.stringify(text)}`);
  return c;
}

function isMissing(err: unknown): boolean {
  return err instanceof IpError && /No such file|Cannot find device|does not exist|Cannot assign requested address|not found/i.test(err.stderr);
}

export class NetnsBackend {
  readonly kind = 'netns' as const;
  readonly prefix: string;
  readonly runner: IpRunner;
  readonly etcNetnsDir: string;
  readonly mtu: number;
  private readonly vpcs = new Map<string, VpcState>();
  private readonly workloads = new Map<string, Workload>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(opts: NetnsBackendOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
    assertPrefix(this.prefix);
    this.runner = opts.runner ?? new IpRunner();
    this.etcNetnsDir = opts.etcNetnsDir ?? '/etc/netns';
    this.mtu = opts.mtu ?? 65535;
  }

  /** VPC addresses are real addresses here. */
  hostAddress(_vpcId: string, ip: string): string {
    return ip;
  }

  /** No address mapping (see loopback.ts). */
  map(): undefined {
    return undefined;
  }

  routerNamespace(vpcId: string): string {
    return vpcNamespace(this.prefix, vpcId);
  }

  /** Creates the VPC's router namespace or brings an existing one in line with `spec` (idempotent). */
  async ensureVpc(spec: VpcSpec): Promise<VpcInfo> {
    const cidr = parseCidrOrThrow(`VPC ${spec.vpcId}`, spec.cidr);
    const prev = this.vpcs.get(spec.vpcId);
    if (prev && prev.spec.cidr !== spec.cidr) throw new Error(`VPC ${spec.vpcId}: primary CIDR cannot change (${prev.spec.cidr} → ${spec.cidr})`);
    const p = this.prefix;
    const subnets = new Map<string, { spec: SubnetSpec; cidr: Cidr4; gateway: string; bridge: string }>();
    for (const s of spec.subnets) {
      const c = parseCidrOrThrow(`subnet ${s.subnetId}`, s.cidr);
      if (c.prefix > 28) throw new Error(`subnet ${s.subnetId}: ${s.cidr} is smaller than AWS's /28 minimum`);
      subnets.set(s.subnetId, { spec: { ...s }, cidr: c, gateway: intToIp(c.base + 1), bridge: subnetBridge(p, s.subnetId) });
    }
    const state: VpcState = { spec: { ...spec, subnets: spec.subnets.map((s) => ({ ...s })) }, cidr, resolver: intToIp(cidr.base + 2), subnets };
    const ns = this.routerNamespace(spec.vpcId);
    return this.withLock(spec.vpcId, async () => {
      if (!(await this.namespaceExists(ns))) await this.runner.run(['netns', 'add', ns]);
      // Forwarding between the VPC's subnets; ARP answers for router-held /32s on every bridge; no IPv6; TIME_WAIT reuse.
      await this.runner.execRaw(this.runner.ipPath, ['netns', 'exec', ns, 'sysctl', '-e', '-q', '-w',
        'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.arp_ignore=0', 'net.ipv4.conf.default.arp_ignore=0',
        'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1',
        // Node workers pick their source ports (node-worker.ts): let connects reuse TIME_WAIT tuples safely (timestamps).
        'net.ipv4.tcp_tw_reuse=1']);
      const links = await this.runner.json<LinkJson[]>(['link', 'show'], { netns: ns });
      const have = new Set(links.map((l) => l.ifname));
      const lines: string[][] = [['link', 'set', 'lo', 'up']];
      const wanted = new Set([...subnets.values()].map((s) => s.bridge));
      for (const l of links) {
        if (l.ifname.startsWith(`${p}b`) && !wanted.has(l.ifname)) lines.push(['link', 'del', l.ifname]);
      }
      for (const s of subnets.values()) {
        if (!have.has(s.bridge)) lines.push(['link', 'add', s.bridge, 'mtu', String(this.mtu), 'type', 'bridge']);
        lines.push(['link', 'set', s.bridge, 'up']);
      }
      await this.runner.batch(lines, { netns: ns });
      // Addresses: each bridge carries exactly its gateway; lo carries exactly one resolver address.
      const addrs = await this.runner.json<AddrJson[]>(['addr', 'show'], { netns: ns });
      const inet = (dev: string) => (addrs.find((a) => a.ifname === dev)?.addr_info ?? []).filter((i) => i.family === 'inet');
      const fix: string[][] = [];
      const cidrOf = (i: { local: string; prefixlen: number }) => `${i.local}/${i.prefixlen}`;
      for (const s of subnets.values()) {
        const want = `${s.gateway}/${s.cidr.prefix}`;
        const cur = inet(s.bridge);
        for (const i of cur) if (cidrOf(i) !== want) fix.push(['addr', 'del', cidrOf(i), 'dev', s.bridge]);
        if (!cur.some((i) => cidrOf(i) === want)) fix.push(['addr', 'add', want, 'dev', s.bridge]);
      }
      const dns = inet('lo').filter((i) => i.label === resolverLabel(p));
      for (const i of dns) if (i.local !== state.resolver) fix.push(['addr', 'del', cidrOf(i), 'dev', 'lo']);
      if (!dns.some((i) => i.local === state.resolver)) fix.push(['addr', 'replace', `${state.resolver}/32`, 'dev', 'lo', 'label', resolverLabel(p)]);
      await this.runner.batch(fix, { netns: ns });
      this.vpcs.set(spec.vpcId, state);
      return this.info(spec.vpcId, state);
    });
  }

  vpcInfo(vpcId: string): VpcInfo {
    return this.info(vpcId, this.vpc(vpcId));
  }

  /** Adds an ENI address (a labelled /32 on the router namespace's lo; idempotent). */
  async addAddress(vpcId: string, ip: string): Promise<void> {
    const st = this.vpc(vpcId);
    this.checkIp(vpcId, st, ip);
    if (ip === st.resolver || [...st.subnets.values()].some((s) => s.gateway === ip)) {
      throw new Error(`VPC ${vpcId}: ${ip} is the VPC resolver or a subnet gateway, not an ENI address`);
    }
    await this.withLock(vpcId, async () => {
      if ((await this.workloadAddresses(vpcId)).has(ip)) throw new Error(`VPC ${vpcId}: ${ip} is held by a workload`);
      await this.runner.run(['addr', 'replace', `${ip}/32`, 'dev', 'lo', 'label', eniLabel(this.prefix)], { netns: this.routerNamespace(vpcId) });
    });
  }

  /** Adds several ENI addresses with one `ip -batch` (an apply with a thousand endpoints would otherwise spawn `ip` twice per address). */
  async addAddresses(vpcId: string, ips: readonly string[]): Promise<void> {
    if (ips.length === 0) return;
    if (ips.length === 1) { await this.addAddress(vpcId, ips[0]!); return; }
    const st = this.vpc(vpcId);
    for (const ip of ips) {
      this.checkIp(vpcId, st, ip);
      if (ip === st.resolver || [...st.subnets.values()].some((s) => s.gateway === ip)) {
        throw new Error(`VPC ${vpcId}: ${ip} is the VPC resolver or a subnet gateway, not an ENI address`);
      }
    }
    await this.withLock(vpcId, async () => {
      const held = await this.workloadAddresses(vpcId);
      const taken = ips.filter((ip) => held.has(ip));
      if (taken.length) throw new Error(`VPC ${vpcId}: ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} held by a workload`);
      await this.runner.batch(ips.map((ip) => ['addr', 'replace', `${ip}/32`, 'dev', 'lo', 'label', eniLabel(this.prefix)]), { netns: this.routerNamespace(vpcId) });
    });
  }

  /** Removes an ENI address (idempotent; never touches the resolver or gateway addresses). */
  async removeAddress(vpcId: string, ip: string): Promise<void> {
    this.checkIp(vpcId, this.vpc(vpcId), ip);
    await this.withLock(vpcId, async () => {
      const ns = this.routerNamespace(vpcId);
      const addrs = await this.runner.json<AddrJson[]>(['addr', 'show', 'dev', 'lo'], { netns: ns });
      const held = addrs.some((a) => (a.addr_info ?? []).some((i) => i.family === 'inet' && i.local === ip && i.label === eniLabel(this.prefix)));
      if (held) await this.runner.run(['addr', 'del', `${ip}/32`, 'dev', 'lo'], { netns: ns });
    });
  }

  /** The addresses the router namespace holds (gateways, resolver, ENIs). */
  async routerAddresses(vpcId: string): Promise<string[]> {
    const addrs = await this.runner.json<AddrJson[]>(['addr', 'show'], { netns: this.routerNamespace(vpcId) });
    return addrs.flatMap((a) => (a.addr_info ?? []).filter((i) => i.family === 'inet' && i.local !== '127.0.0.1').map((i) => i.local));
  }

  async createWorkload(spec: WorkloadSpec): Promise<Workload> {
    const st = this.vpc(spec.vpcId);
    const sub = st.subnets.get(spec.subnetId);
    if (!sub) throw new Error(`VPC ${spec.vpcId} has no subnet ${spec.subnetId}`);
    const name = spec.name ?? `wl-${randomUUID()}`;
    const ns = workloadNamespace(this.prefix, name);
    const rns = this.routerNamespace(spec.vpcId);
    const rveth = routerVeth(this.prefix, ns);
    return this.withLock(spec.vpcId, async () => {
      if (await this.namespaceExists(ns)) throw new Error(`workload ${JSON.stringify(name)} exists (namespace ${ns})`);
      const used = new Set([...(await this.routerAddresses(spec.vpcId)), ...(await this.workloadAddresses(spec.vpcId)), ...(spec.avoid ?? [])]);
      let ip: string;
      if (spec.ip !== undefined) {
        const n = ipToInt(spec.ip);
        if (n === undefined || !cidrContainsIp(sub.cidr, n)) throw new Error(`${spec.ip} is not an address of subnet ${spec.subnetId} (${sub.spec.cidr})`);
        if (isReservedInSubnet(sub.cidr, n)) throw new Error(`${spec.ip} is reserved in subnet ${spec.subnetId} (AWS reserves the first four addresses and the last)`);
        if (used.has(spec.ip)) throw new Error(`${spec.ip} is in use in VPC ${spec.vpcId}`);
        ip = spec.ip;
      } else {
        const got = allocateAddress(sub.cidr, used);
        if (!got) throw new Error(`subnet ${spec.subnetId} (${sub.spec.cidr}) has no free address`);
        ip = got;
      }
      await this.runner.run(['netns', 'add', ns]);
      try {
        const dir = join(this.etcNetnsDir, ns);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'resolv.conf'), `# written by Underpass for VPC ${spec.vpcId}\nnameserver ${st.resolver}\n`);
        const mtu = String(this.mtu);
        await this.runner.batch([
          ['link', 'add', rveth, 'mtu', mtu, 'type', 'veth', 'peer', 'name', WORKLOAD_IFNAME, 'mtu', mtu, 'netns', ns],
          ['link', 'set', rveth, 'alias', workloadAlias(ip, ns, spec.subnetId)],
          ['link', 'set', rveth, 'master', sub.bridge],
          ['link', 'set', rveth, 'up'],
        ], { netns: rns });
        await this.runner.batch([
          ['link', 'set', 'lo', 'up'],
          ['addr', 'add', `${ip}/${sub.cidr.prefix}`, 'dev', WORKLOAD_IFNAME],
          ['link', 'set', WORKLOAD_IFNAME, 'up'],
          ['route', 'add', 'default', 'via', sub.gateway, 'dev', WORKLOAD_IFNAME],
        ], { netns: ns });
        // An endpoint ENI's address appears on the router when the endpoint is created; a workload
        // that asked for it before (ARP unanswered) would wait the kernel's 1 s retransmit before
        // asking again. Measured: create → first byte ~1 s instead of ~150 ms. Ask every 50 ms, 60
        // times (the kernel's default 3 s before an address counts as unreachable stays).
        await this.runner.execRaw(this.runner.ipPath, ['netns', 'exec', ns, 'sysctl', '-e', '-q', '-w',
          `net.ipv4.neigh.${WORKLOAD_IFNAME}.retrans_time_ms=50`, `net.ipv4.neigh.${WORKLOAD_IFNAME}.mcast_solicit=60`]);
      } catch (err) {
        await this.deleteNamespace(ns).catch(() => {});
        await rm(join(this.etcNetnsDir, ns), { recursive: true, force: true }).catch(() => {});
        throw err;
      }
      const w: Workload = { name, namespace: ns, vpcId: spec.vpcId, subnetId: spec.subnetId, ip, prefixLen: sub.cidr.prefix, gateway: sub.gateway, resolver: st.resolver };
      this.workloads.set(ns, w);
      return w;
    });
  }

  /** Removes a workload by name or namespace: kills its processes, deletes its namespace, veth and /etc/netns dir. Idempotent. */
  async removeWorkload(nameOrNamespace: string): Promise<void> {
    const ns = namespaceKind(this.prefix, nameOrNamespace) === 'workload' ? nameOrNamespace : workloadNamespace(this.prefix, nameOrNamespace);
    const w = this.workloads.get(ns);
    if (w && this.vpcs.has(w.vpcId)) {
      // Cut the link at once, even if a process in the workload keeps its namespace alive a little longer.
      await this.runner.run(['link', 'del', routerVeth(this.prefix, ns)], { netns: this.routerNamespace(w.vpcId) }).catch((err) => {
        if (!isMissing(err)) throw err;
      });
    }
    await this.deleteNamespace(ns);
    await rm(join(this.etcNetnsDir, ns), { recursive: true, force: true });
    this.workloads.delete(ns);
  }

  /** Removes the VPC's router namespace and every workload attached to it. Idempotent. */
  async removeVpc(vpcId: string): Promise<void> {
    const rns = this.routerNamespace(vpcId);
    const attached = new Set<string>();
    for (const w of this.workloads.values()) if (w.vpcId === vpcId) attached.add(w.namespace);
    if (await this.namespaceExists(rns)) {
      const links = await this.runner.json<LinkJson[]>(['link', 'show'], { netns: rns });
      for (const l of links) {
        const ns = parseAlias(l.ifalias).ns;
        if (ns && l.ifname.startsWith(`${this.prefix}r`) && namespaceKind(this.prefix, ns) === 'workload') attached.add(ns);
      }
    }
    for (const ns of attached) await this.removeWorkload(ns);
    await this.deleteNamespace(rns);
    this.vpcs.delete(vpcId);
  }

  /**
   * Removes every namespace (killing its processes), host link and /etc/netns directory whose name
   * starts with `prefix` (default: this backend's). For `down` and for the next start after a crash.
   */
  async sweep(prefix: string = this.prefix): Promise<OwnedObjects> {
    assertPrefix(prefix);
    const owned = await this.listOwnedBy(prefix);
    for (const ns of owned.namespaces) await this.deleteNamespace(ns);
    for (const link of owned.links) {
      await this.runner.run(['link', 'del', link]).catch((err) => {
        if (!isMissing(err)) throw err;
      });
    }
    for (const d of owned.configDirs) await rm(join(this.etcNetnsDir, d), { recursive: true, force: true });
    if (prefix === this.prefix) {
      this.vpcs.clear();
      this.workloads.clear();
    }
    return owned;
  }

  /** Everything with this backend's prefix that exists now. */
  listOwned(): Promise<OwnedObjects> {
    return this.listOwnedBy(this.prefix);
  }

  /**
   * Runs `argv` inside one of this backend's namespaces (`ip netns exec`, which also bind-mounts
   * /etc/netns/<ns>/resolv.conf over /etc/resolv.conf). Returns the child; its pid is the
   * command's own (ip execs it). With `timeoutMs` the child is killed (SIGKILL) when it runs longer.
   */
  execIn(namespace: string, argv: readonly string[], opts: ExecInOptions = {}): ChildProcess {
    if (!namespace.startsWith(this.prefix)) throw new Error(`namespace ${namespace} does not belong to this backend (prefix ${this.prefix})`);
    if (argv.length === 0) throw new Error('execIn: empty command');
    return spawn(this.runner.ipPath, ['netns', 'exec', namespace, ...argv], {
      env: opts.env,
      cwd: opts.cwd,
      stdio: opts.stdio ?? 'pipe',
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
    });
  }

  // ---------------------------------------------------------------------------------------------

  private vpc(vpcId: string): VpcState {
    const st = this.vpcs.get(vpcId);
    if (!st) throw new Error(`VPC ${vpcId} is not set up in the netns backend (ensureVpc first)`);
    return st;
  }

  private info(vpcId: string, st: VpcState): VpcInfo {
    return {
      vpcId,
      namespace: this.routerNamespace(vpcId),
      cidr: st.spec.cidr,
      resolver: st.resolver,
      subnets: [...st.subnets.values()].map((s) => ({ subnetId: s.spec.subnetId, cidr: s.spec.cidr, gateway: s.gateway, bridge: s.bridge })),
    };
  }

  private checkIp(vpcId: string, st: VpcState, ip: string): number {
    const n = ipToInt(ip);
    if (n === undefined) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
    const inside = cidrContainsIp(st.cidr, n) || [...st.subnets.values()].some((s) => cidrContainsIp(s.cidr, n));
    if (!inside) throw new Error(`${ip} is outside VPC ${vpcId} (${st.spec.cidr})`);
    return n;
  }

  /** Addresses held by the VPC's workloads, read from the router-side veth aliases. */
  private async workloadAddresses(vpcId: string): Promise<Set<string>> {
    const links = await this.runner.json<LinkJson[]>(['link', 'show'], { netns: this.routerNamespace(vpcId) });
    const out = new Set<string>();
    for (const l of links) {
      const ip = parseAlias(l.ifalias).ip;
      if (ip && l.ifname.startsWith(`${this.prefix}r`)) out.add(ip);
    }
    return out;
  }

  private async namespaces(): Promise<string[]> {
    const list = await this.runner.json<Array<{ name: string }>>(['netns', 'list']);
    return list.map((n) => n.name);
  }

  private async namespaceExists(ns: string): Promise<boolean> {
    return (await this.namespaces()).includes(ns);
  }

  private async listOwnedBy(prefix: string): Promise<OwnedObjects> {
    const namespaces = (await this.namespaces()).filter((n) => n.startsWith(prefix));
    const links = (await this.runner.json<LinkJson[]>(['link', 'show'])).map((l) => l.ifname).filter((n) => n.startsWith(prefix));
    let configDirs: string[] = [];
    try {
      configDirs = (await readdir(this.etcNetnsDir)).filter((n) => n.startsWith(prefix));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return { namespaces, links, configDirs };
  }

  /** Kills the processes in `ns` (they are Underpass's: the namespace carries its prefix) and deletes it. */
  private async deleteNamespace(ns: string): Promise<void> {
    if (!ns.startsWith(this.prefix) && !/^[a-z][a-z0-9]{0,5}-/.test(ns)) throw new Error(`refusing to delete namespace ${ns}`);
    if (!(await this.namespaceExists(ns))) return;
    const pids = (await this.runner.run(['netns', 'pids', ns]).catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) {
      if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    try {
      await this.runner.run(['netns', 'del', ns]);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(() => {}, () => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}
