/**
 * `DataPlane`: converges the machine to a desired state (src/reconcile/desired-state.ts) with the
 * netns backend, and reports back. Per VPC a router namespace with its subnets; every ENI address
 * on it; a workload namespace per user-created ENI (`underpass exec`); per NLB node worker
 * processes (two by default, sharing its listeners) inside the load balancer's VPC
 * (node-worker.ts); per consumer VPC with endpoints a
 * listen helper that opens each endpoint ENI port there and hands it to the node worker the ENI
 * is bound to. Health checks of a target group run in one worker (the first node of the first
 * load balancer that uses it); their verdicts are merged here and sent to every worker.
 *
 * `apply` is serialised and idempotent: the latest desired state wins, older ones queued behind it
 * are skipped. A dead worker or helper is noticed at the next `apply` and replaced. Removed
 * listeners (endpoint rejected, deleted, subnet removed, node changed) are detached with their
 * flows reset. Endpoint readiness (status.ts) and observed health are read back by the control
 * plane through `endpointServing` and `observedHealth`.
 */
import { availableParallelism } from 'node:os';
import { nodeSlice } from '../reconcile/node-slice.js';
import { endpointReadiness, type EndpointStatus, type Readiness, type TargetHealthObservation } from '../reconcile/status.js';
import { isBound, type DesiredEndpoint, type DesiredState } from '../reconcile/desired-state.js';
import { healthKey, listenerIdOf, type HealthMap } from '../policy/flow-route.js';
import type { NetworkBackend } from '../net/backend.js';
import type { Workload } from '../net/netns.js';
import { ListenHelper, NodeWorkerProcess, type WorkerReport } from './listeners.js';
import { DataPlaneMetrics } from './metrics.js';
import { DnsWorkerProcess } from './dns-process.js';
import { HOST_PROCESSES } from '../net/backend.js';
import { createSocket as createUdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { FlowLogWriter } from './flow-log.js';
import { listenerLabels, targetHealthRows } from './labels.js';
import type { ListenerLabels } from './flow-record.js';

export interface DataPlaneOptions {
  backend: NetworkBackend;
  /** Called when something the control plane reads changed (readiness, health); must not throw. */
  onChange?: () => void;
  /** Worker reports (counters, finished flows), after metrics and flow log took them; must not throw. */
  onReport?: (r: WorkerReport) => void;
  /** Where the flow log goes (`<dir>/flows.log`); none when absent. */
  flowLogDir?: string;
  /**
   * The resolvers: every VPC's at base + 2 (port 53), answering its view and forwarding the rest to
   * `upstream`; `hostPort` also serves the host's view on 127.0.0.1 (0: any free port). Absent: no resolver.
   */
  dns?: { upstream?: { host: string; port: number }; hostPort?: number };
  /** TESTS ONLY: health-check interval in ms instead of the groups' seconds. */
  healthIntervalOverrideMs?: number;
  /**
   * Processes per load-balancer node (default: 2, or 1 on a single CPU): the listeners are shared,
   * so flows spread over the cores and over the processes' open-file limits.
   */
  workersPerNode?: number;
  log?: (msg: string) => void;
}

interface ListenerState {
  vpcId: string;
  endpointId: string;
  eniId: string;
  ip: string;
  port: number;
  nodeEniId: string;
}

/** One NLB node: `workersPerNode` processes sharing its listeners (the kernel spreads the accepts). */
interface WorkerState {
  workers: NodeWorkerProcess[];
  loadBalancerArn: string;
  vpcId: string;
}

const DEBUG_APPLY = !!process.env.UNDERPASS_DEBUG_RECONCILE;

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure once all have settled. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try { await fn(item); } catch (e) { failure ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure;
}

/** A listen helper not asked for a socket this long is closed (env UNDERPASS_HELPER_IDLE_MS for tests). */
const HELPER_IDLE_MS = Number(process.env.UNDERPASS_HELPER_IDLE_MS ?? 30_000);

function allAlive(w: WorkerState): boolean {
  return w.workers.every((x) => x.alive);
}

function vpcSpecKey(n: DesiredState['networks'][number]): string {
  return JSON.stringify({ cidr: n.cidr, subnets: n.subnets.map((s) => [s.subnetId, s.cidr]) });
}

export class DataPlane {
  readonly backend: NetworkBackend;
  #desired: DesiredState | undefined;
  #queued: DesiredState | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  readonly #vpcs = new Map<string, string>();
  readonly #addresses = new Map<string, Set<string>>();
  readonly #workloads = new Map<string, Workload & { vpcIp: string }>();
  readonly #workers = new Map<string, WorkerState>();
  readonly #helpers = new Map<string, ListenHelper>();
  /** When each VPC's helper was last asked for a socket. */
  readonly #helperUsed = new Map<string, number>();
  #idleTimer: NodeJS.Timeout | undefined;
  /** The last apply threw (it is retried at the next pass, whatever the version). */
  #failed = false;
  readonly #listeners = new Map<string, ListenerState>();
  /** Per listener id: why it is not listening (absent: listening). */
  readonly #listenErrors = new Map<string, string>();
  readonly #health: Record<string, 'healthy' | 'unhealthy'> = {};
  readonly #observations = new Map<string, TargetHealthObservation>();
  readonly #opts: DataPlaneOptions;
  /** Per-endpoint, per-service and per-load-balancer counters (`/metrics`). */
  readonly metrics = new DataPlaneMetrics();
  /** The flow log, when `flowLogDir` was given. */
  readonly flowLog: FlowLogWriter | undefined;
  #labels = new Map<string, ListenerLabels>();

  constructor(opts: DataPlaneOptions) {
    this.backend = opts.backend;
    this.#opts = opts;
    this.flowLog = opts.flowLogDir
      ? new FlowLogWriter({ path: `${opts.flowLogDir}/flows.log`, onError: (e) => this.#log(`flow log: ${e.message}`) })
      : undefined;
  }

  /** Active flows per worker process and listener: each worker reports its own; metrics get the sum. */
  readonly #active = new Map<string, Map<string, number>>();

  #onReport(r: WorkerReport, workerKey: string): void {
    let mine = this.#active.get(workerKey);
    if (!mine) this.#active.set(workerKey, (mine = new Map()));
    for (const c of r.counters) {
      mine.set(c.listenerId, c.activeFlows);
      let sum = 0;
      for (const per of this.#active.values()) sum += per.get(c.listenerId) ?? 0;
      this.metrics.addCounters({ ...c, activeFlows: sum });
    }
    if (this.flowLog) for (const f of r.flows) this.flowLog.append(f, this.#labels.get(f.listenerId));
    if (r.droppedFlows) this.#log(`a node worker dropped ${r.droppedFlows} flow record(s) (over its per-second bound)`);
    try { this.#opts.onReport?.(r); } catch (e) { this.#log(`report handler: ${(e as Error).message}`); }
  }

  #log(msg: string): void {
    (this.#opts.log ?? ((m: string) => console.error(`underpass data plane: ${m}`)))(msg);
  }

  /** Removes what a previous run left (crash recovery); starts the resolver worker and the host DNS listener. */
  async start(): Promise<void> {
    const owned = await this.backend.sweep();
    this.#idleTimer = setInterval(() => { this.#closeIdleHelpers().catch((e: unknown) => this.#log(`closing idle helpers: ${String(e)}`)); }, Math.max(1000, HELPER_IDLE_MS / 3));
    this.#idleTimer.unref();
    if (owned.namespaces.length) this.#log(`removed ${owned.namespaces.length} namespace(s) left by a previous run`);
    if (this.#opts.dns) {
      this.#dns = await DnsWorkerProcess.start(HOST_PROCESSES, '');
      await this.#dns.configure({ version: 0, networks: [], dnsRecords: [], ...(this.#opts.dns.upstream ? { upstream: this.#opts.dns.upstream } : {}) });
      if (this.#opts.dns.hostPort !== undefined) this.dnsHostPort = await this.#hostListener('host', 'host', this.#opts.dns.hostPort);
    }
  }

  /** The host DNS listener's port on 127.0.0.1, when there is one. */
  dnsHostPort: number | undefined;
  /** Inbound endpoint id → its port on 127.0.0.1, answering with its VPC's view from this host. */
  readonly inboundHostPorts = new Map<string, number>();

  /** UDP and TCP on 127.0.0.1:`port` (0: any free port), handed to the resolver worker for `scope`; the port. */
  async #hostListener(id: string, scope: string, port: number): Promise<number> {
    const dns = this.#dns!;
    // UDP picks the port (when 0); TCP must get the same number, which another program may hold: pick again then.
    for (let attempt = 1; ; attempt++) {
      const udp = createUdpSocket('udp4');
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind({ address: '127.0.0.1', port }, () => resolve()); });
      const bound = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen({ host: '127.0.0.1', port: bound }, () => resolve()); });
      } catch (err) {
        udp.close();
        if (port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
        throw err;
      }
      await dns.attach(`${id}/udp`, scope, udp);
      await dns.attach(`${id}/tcp`, scope, tcp);
      return bound;
    }
  }
  #dns: DnsWorkerProcess | undefined;
  /** What the resolver worker was last configured with. */
  #dnsKey = '';

  /** Sockets attached to the resolver worker: id → why opening it failed (undefined: attached). */
  readonly #dnsSockets = new Map<string, string | undefined>();

  /**
   * The resolver worker's sockets, each made inside its VPC's namespace: every VPC's resolver (UDP
   * and TCP at base + 2, port 53), every Route 53 Resolver inbound endpoint address (UDP and TCP,
   * port 53, answering with its VPC's view), and one UDP socket per outbound endpoint in use by a
   * forwarding rule (at its first address: forwarded queries leave from there).
   */
  async #applyDns(d: DesiredState): Promise<void> {
    const dns = this.#dns;
    if (!dns) return;
    const rules = d.resolverRules ?? [];
    // The resolver worker rebuilds its views from what it is sent: send only when that changed.
    const dnsKey = JSON.stringify([d.networks, d.dnsRecords, rules, this.#opts.dns?.upstream ?? null]);
    if (dnsKey !== this.#dnsKey || !dns.alive) {
      await dns.configure({
        version: d.version, networks: d.networks, dnsRecords: d.dnsRecords, rules,
        ...(this.#opts.dns?.upstream ? { upstream: this.#opts.dns.upstream } : {}),
      });
      this.#dnsKey = dnsKey;
    }
    type Want = { vpcId: string; ip: string; port: number; transport: 'udp' | 'tcp'; scope: string };
    const want = new Map<string, Want>();
    for (const n of d.networks) {
      for (const transport of ['udp', 'tcp'] as const) want.set(`${n.vpcId}/${transport}`, { vpcId: n.vpcId, ip: n.resolverIp, port: 53, transport, scope: n.vpcId });
    }
    for (const e of d.inboundEndpoints ?? []) {
      for (const a of e.ips) {
        for (const transport of ['udp', 'tcp'] as const) want.set(`${e.id}/${a.ip}/${transport}`, { vpcId: e.vpcId, ip: a.ip, port: 53, transport, scope: e.vpcId });
      }
    }
    for (const r of rules) {
      const ip = r.sourceIps[0];
      if (ip) want.set(`out/${r.outboundEndpointId}`, { vpcId: r.outboundVpcId, ip, port: 0, transport: 'udp', scope: `out:${r.outboundEndpointId}` });
    }
    // Each inbound endpoint also answers from this host on a port of 127.0.0.1 of its own.
    const inbound = new Set((d.inboundEndpoints ?? []).map((e) => e.id));
    for (const [id] of this.inboundHostPorts) {
      if (inbound.has(id)) continue;
      this.inboundHostPorts.delete(id);
      await dns.detach(`host:${id}/udp`).catch(() => {});
      await dns.detach(`host:${id}/tcp`).catch(() => {});
    }
    for (const e of d.inboundEndpoints ?? []) {
      if (this.inboundHostPorts.has(e.id)) continue;
      try {
        this.inboundHostPorts.set(e.id, await this.#hostListener(`host:${e.id}`, e.vpcId, 0));
      } catch (err) {
        this.#log(`inbound endpoint ${e.id} on the host: ${(err as Error).message}`);
      }
    }
    for (const id of [...this.#dnsSockets.keys()]) {
      if (want.has(id)) continue;
      const attached = this.#dnsSockets.get(id) === undefined;
      this.#dnsSockets.delete(id);
      if (attached) await dns.detach(id).catch(() => {});
    }
    const byVpc = new Map<string, Array<[string, Want]>>();
    for (const [id, w] of want) {
      if (this.#dnsSockets.has(id)) continue;
      byVpc.set(w.vpcId, [...(byVpc.get(w.vpcId) ?? []), [id, w]]);
    }
    const b = this.backend;
    // A few VPCs at a time (each may start its helper, a process): one after the other, a hundred took 7 s.
    await eachLimited([...byVpc], 4, async ([vpcId, list]) => {
      try {
        // The VPC's helper (started if there is none; closed later when idle like any other).
        const helper = await this.#helper(vpcId);
        for (const [id, w] of list) {
          const host = b.hostAddress(vpcId, w.ip);
          try {
            const handle = w.transport === 'udp' ? await helper.listenUdp(host, w.port) : await helper.listen(host, w.port);
            await dns.attach(id, w.scope, handle);
            this.#dnsSockets.set(id, undefined);
          } catch (err) {
            this.#dnsSockets.set(id, (err as Error).message);
            this.#log(`DNS socket ${id} at ${host}:${w.port}: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        this.#log(`DNS sockets in ${vpcId}: ${(err as Error).message}`);
      }
    });
  }

  /** The desired state last applied completely. */
  get desired(): DesiredState | undefined { return this.#desired; }

  /**
   * Converges to `desired` (serialised; resolves when this or a newer state has been applied). A
   * state with the version last applied is taken as unchanged (only dead processes or failed
   * listeners are retried): give a new version whenever the content changes.
   */
  apply(desired: DesiredState): Promise<void> {
    this.#queued = desired;
    if (!this.#running) {
      this.#running = (async () => {
        try {
          while (this.#queued && !this.#closed) {
            const next = this.#queued;
            this.#queued = undefined;
            try {
              await this.#applyNow(next);
              this.#failed = false;
            } catch (err) {
              this.#failed = true;
              this.#log(`applying version ${next.version} failed: ${(err as Error).stack ?? String(err)}`);
            }
          }
        } finally {
          this.#running = undefined;
        }
      })();
    }
    return this.#running;
  }

  /** The VPC's listen helper, started when there is none. */
  async #helper(vpcId: string): Promise<ListenHelper> {
    const have = this.#helpers.get(vpcId);
    this.#helperUsed.set(vpcId, Date.now());
    if (have?.child.connected) return have;
    const h = await ListenHelper.start(this.backend, this.backend.routerNamespace(vpcId));
    this.#helpers.set(vpcId, h);
    // A helper that exits (closed when idle, or dead) is forgotten: the next listener starts another.
    h.child.once('exit', () => { if (this.#helpers.get(vpcId) === h) this.#helpers.delete(vpcId); });
    return h;
  }

  /**
   * Listen helpers only make sockets; the sockets live on in the node workers. One left idle for
   * HELPER_IDLE_MS is closed (a helper is a Node process, ~40 MiB: with a hundred consumer VPCs
   * they were most of Underpass's memory). Not while an apply runs.
   */
  async #closeIdleHelpers(): Promise<void> {
    if (this.#running || this.#closed) return;
    const cutoff = Date.now() - HELPER_IDLE_MS;
    for (const [vpcId, h] of [...this.#helpers]) {
      if (this.#running || this.#closed) return; // an apply started meanwhile: it may be using them
      if ((this.#helperUsed.get(vpcId) ?? 0) > cutoff) continue;
      this.#helpers.delete(vpcId);
      this.#helperUsed.delete(vpcId);
      await h.close().catch(() => {});
    }
  }

  /**
   * Whether applying the last state again would change nothing: it was applied completely, no
   * process is dead, no listener failed to open. The reconcile loop skips a pass only then.
   */
  get converged(): boolean {
    return !this.#failed && !this.#broken() && this.#listenErrors.size === 0;
  }

  /** Whether anything is dead that a re-apply would replace. */
  #broken(): boolean {
    for (const w of this.#workers.values()) if (!allAlive(w)) return true;
    for (const h of this.#helpers.values()) if (!h.child.connected) return true;
    return false;
  }

  async #applyNow(d: DesiredState): Promise<void> {
    // The caller bumps the version exactly when the content changes (app.ts compares the compiled JSON once).
    if (this.#desired?.version === d.version && !this.#failed && !this.#broken() && this.#listenErrors.size === 0) return;
    const b = this.backend;
    const wantVpcs = new Map(d.networks.map((n) => [n.vpcId, n]));
    // UNDERPASS_DEBUG_RECONCILE=1: how long each step of this apply took, on stderr.
    let stepAt = performance.now();
    const steps: string[] = [];
    const step = (name: string) => { const t = performance.now(); steps.push(`${name} ${(t - stepAt).toFixed(1)}`); stepAt = t; };

    // 1. Removed VPCs: their listeners, workers, helper, workloads, namespace.
    for (const vpcId of [...this.#vpcs.keys()]) {
      if (wantVpcs.has(vpcId)) continue;
      for (const [id, l] of this.#listeners) if (l.vpcId === vpcId) await this.#detach(id, 'the VPC was deleted');
      for (const [nodeId, w] of this.#workers) if (w.vpcId === vpcId) { await Promise.all(w.workers.map((x) => x.close())); this.#workers.delete(nodeId); }
      await this.#helpers.get(vpcId)?.close();
      this.#helpers.delete(vpcId);
      for (const [eni, wl] of this.#workloads) if (wl.vpcId === vpcId) this.#workloads.delete(eni);
      await b.removeVpc(vpcId);
      this.#vpcs.delete(vpcId);
      this.#addresses.delete(vpcId);
    }
    step('removed-vpcs');
    // 2. VPCs and their subnets (each VPC's own `ip` calls in order; a few VPCs at a time).
    await eachLimited(d.networks.filter((n) => this.#vpcs.get(n.vpcId) !== vpcSpecKey(n)), 8, async (n) => {
      await b.ensureVpc({ vpcId: n.vpcId, cidr: n.cidr, subnets: n.subnets.map((s) => ({ subnetId: s.subnetId, cidr: s.cidr })) });
      this.#vpcs.set(n.vpcId, vpcSpecKey(n));
    });
    step('vpcs');
    // 3. Workloads (user-created ENIs) and ENI addresses on the routers.
    const wantAddr = new Map<string, Set<string>>();
    const wantWorkloads = new Map<string, DesiredState['interfaces'][number]>();
    for (const i of d.interfaces) {
      if (!wantVpcs.has(i.vpcId)) continue;
      if ((i.kind as string) === 'workload') { wantWorkloads.set(i.eniId, i); continue; }
      let s = wantAddr.get(i.vpcId);
      if (!s) wantAddr.set(i.vpcId, (s = new Set()));
      s.add(i.ip);
    }
    for (const [eni, wl] of this.#workloads) {
      const w = wantWorkloads.get(eni);
      if (w && w.ip === wl.vpcIp && w.subnetId === wl.subnetId) continue;
      await b.removeWorkload(wl.namespace);
      this.#workloads.delete(eni);
    }
    // Addresses that go are removed after step 5: a reset flow's RST must leave from an address that still exists.
    for (const [vpcId, want] of wantAddr) {
      let have = this.#addresses.get(vpcId);
      if (!have) this.#addresses.set(vpcId, (have = new Set()));
      const missing = [...want].filter((ip) => !have.has(ip));
      try {
        await b.addAddresses(vpcId, missing);
        for (const ip of missing) have.add(ip);
      } catch (err) {
        // One bad address must not keep the others off: add them one by one, logging the failures.
        this.#log(`adding ${missing.length} addresses in ${vpcId}: ${(err as Error).message}`);
        for (const ip of missing) {
          try { await b.addAddress(vpcId, ip); have.add(ip); } catch (e) { this.#log(`address ${ip} in ${vpcId}: ${(e as Error).message}`); }
        }
      }
    }
    for (const [eni, i] of wantWorkloads) {
      if (this.#workloads.has(eni)) continue;
      try {
        this.#workloads.set(eni, { ...(await b.createWorkload({ vpcId: i.vpcId, subnetId: i.subnetId, ip: i.ip, name: eni })), vpcIp: i.ip });
      } catch (err) {
        this.#log(`workload ${eni}: ${(err as Error).message}`);
      }
    }

    step('addresses');
    // 3b. The resolvers and what they answer (after the addresses: inbound endpoints bind theirs).
    await this.#applyDns(d);

    step('dns');
    // 4. One worker per NLB node; health-check assignment.
    const wantNodes = new Map<string, { lbArn: string; vpcId: string }>();
    for (const lb of d.loadBalancers) {
      if (lb.type !== 'network' || !wantVpcs.has(lb.vpcId)) continue;
      for (const n of lb.nodes) wantNodes.set(n.eniId, { lbArn: lb.arn, vpcId: lb.vpcId });
    }
    const checkedBy = new Map<string, string[]>();
    for (const tg of d.targetGroups) {
      const lb = d.loadBalancers.find((l) => tg.loadBalancers.some((x) => x.loadBalancerArn === l.arn) && l.type === 'network' && l.nodes.length);
      const node = lb?.nodes[0]?.eniId;
      if (!node) continue;
      const list = checkedBy.get(node) ?? [];
      list.push(tg.arn);
      checkedBy.set(node, list);
    }
    for (const [nodeId, w] of this.#workers) {
      const want = wantNodes.get(nodeId);
      if (allAlive(w) && want && want.lbArn === w.loadBalancerArn) continue;
      for (const [id, l] of this.#listeners) if (l.nodeEniId === nodeId) await this.#detach(id, 'the load balancer node was removed');
      await Promise.all(w.workers.map((x) => x.close()));
      this.#workers.delete(nodeId);
    }
    // A few nodes at a time: twenty workers starting at once on two cores each took over the 10 s start bound.
    await eachLimited([...wantNodes].filter(([nodeId]) => !this.#workers.has(nodeId)), 3, async ([nodeId, want]) => {
      const env = this.#opts.healthIntervalOverrideMs ? { UNDERPASS_HEALTH_INTERVAL_MS: String(this.#opts.healthIntervalOverrideMs) } : undefined;
      const n = this.#opts.workersPerNode ?? Math.min(2, availableParallelism());
      const workers = await Promise.all(Array.from({ length: n }, async (_, i) => {
        const worker = await NodeWorkerProcess.start(b, b.routerNamespace(want.vpcId), {
          env: { ...env, UNDERPASS_WORKER_INDEX: String(i), UNDERPASS_WORKER_COUNT: String(n) },
        });
        worker.onHealth = (obs) => this.#onHealth(obs);
        worker.onReport = (r) => this.#onReport(r, `${nodeId}/${i}`);
        worker.child.once('exit', () => { if (!this.#closed) this.#log(`node worker ${nodeId}/${i} exited`); });
        return worker;
      }));
      this.#workers.set(nodeId, { workers, loadBalancerArn: want.lbArn, vpcId: want.vpcId });
    });
    this.#pruneHealth(d);
    step('worker-starts');
    const loopbackMap = b.map();
    const loopbackKey = JSON.stringify(loopbackMap ?? null);
    // Each worker gets its node's slice, and only when that changed (a worker that was sent nothing
    // keeps routing with the slice it has, which is the same).
    const sends: Array<() => Promise<void>> = [];
    for (const [nodeId, w] of this.#workers) {
      const slice = nodeSlice(d, nodeId);
      const sliceKey = `${JSON.stringify({ ...slice, version: 0 })}|${loopbackKey}`;
      for (const [i, x] of w.workers.entries()) {
        const healthGroups = i === 0 ? (checkedBy.get(nodeId) ?? []) : [];
        const key = `${sliceKey}|${healthGroups.join(',')}`;
        if (x.configKey === key) continue;
        x.configKey = key;
        sends.push(async () => {
          try {
            await x.configure({ desired: slice, health: { ...this.#health }, nodeEniId: nodeId, healthGroups, ...(loopbackMap ? { loopback: loopbackMap } : {}) });
          } catch (err) {
            x.configKey = undefined;
            throw err;
          }
        });
      }
    }
    step('slices');
    await Promise.all(sends.map((f) => f()));

    step(`workers ${sends.length}`);
    // 5. Listeners: one per bound endpoint ENI port.
    const wantListeners = new Map<string, ListenerState>();
    for (const ep of d.endpoints) {
      for (const bnd of ep.bindings) {
        if (!isBound(bnd)) continue;
        for (const p of bnd.ports) {
          wantListeners.set(listenerIdOf(bnd.eniId, p.port), { vpcId: ep.vpcId, endpointId: ep.endpointId, eniId: bnd.eniId, ip: bnd.ip, port: p.port, nodeEniId: bnd.nodeEniId });
        }
      }
    }
    for (const [id, l] of this.#listeners) {
      const w = wantListeners.get(id);
      if (w && w.nodeEniId === l.nodeEniId && w.ip === l.ip && w.vpcId === l.vpcId && allAlive(this.#workers.get(l.nodeEniId) ?? { workers: [], loadBalancerArn: '', vpcId: '' })) continue;
      const reason = !w ? (d.endpoints.some((e) => e.endpointId === l.endpointId) ? 'the endpoint network interface was removed' : 'the endpoint is no longer available')
        : 'the listener moved';
      await this.#detach(id, reason);
    }
    this.#listenErrors.clear();
    // A helper stays while its VPC exists (step 1 closes it with the VPC) until it is idle long
    // enough: a VPC whose last endpoint just went may get its next one a moment later.
    for (const [vpcId, h] of this.#helpers) {
      if (h.child.connected) continue;
      await h.close();
      this.#helpers.delete(vpcId);
    }
    // Helpers start when a listener needs one (and close once idle: #closeIdleHelpers).
    const opening = [...wantListeners].filter(([id]) => !this.#listeners.has(id));
    await eachLimited([...new Set(opening.map(([, l]) => l.vpcId))], 4, async (vpcId) => {
      try { await this.#helper(vpcId); } catch (err) { this.#log(`listen helper in ${vpcId}: ${(err as Error).message}`); }
    });
    await Promise.all(opening.map(async ([id, l]) => {
      const w = this.#workers.get(l.nodeEniId);
      const h = this.#helpers.get(l.vpcId);
      if (!w || !h) { this.#listenErrors.set(id, `no ${w ? 'listen helper' : 'load balancer node worker'} for ${id}`); return; }
      this.#helperUsed.set(l.vpcId, Date.now());
      try {
        const server = await h.listen(b.hostAddress(l.vpcId, l.ip), l.port);
        // The same listening socket to every process of the node; this process's copy closes after the last send.
        for (const [i, x] of w.workers.entries()) await x.attach(id, server, 5000, { keepOpen: i < w.workers.length - 1 });
        this.#listeners.set(id, l);
      } catch (err) {
        this.#listenErrors.set(id, (err as Error).message);
        this.#log(`listener ${id}: ${(err as Error).message}`);
      }
    }));

    step('listeners');
    // 6. ENI addresses that went (after their listeners were detached and their flows reset).
    for (const [vpcId, have] of this.#addresses) {
      const want = wantAddr.get(vpcId) ?? new Set();
      for (const ip of have) if (!want.has(ip)) { await b.removeAddress(vpcId, ip); have.delete(ip); }
    }

    step('removals');
    if (DEBUG_APPLY) this.#log(`applied version ${d.version} (ms): ${steps.join(', ')}`);
    this.#desired = d;
    const labels = listenerLabels(d);
    this.#labels = new Map(labels.map((l) => [l.listenerId, l]));
    this.metrics.setListeners(labels);
    this.metrics.setTargetHealth(targetHealthRows(d, this.#health));
    this.#changed();
  }

  async #detach(id: string, reason: string): Promise<void> {
    const l = this.#listeners.get(id);
    this.#listeners.delete(id);
    if (!l) return;
    const w = this.#workers.get(l.nodeEniId);
    for (const x of w?.workers ?? []) {
      if (!x.alive) continue;
      await x.detach(id, { resetFlows: true, reason }).catch((err) => this.#log(`detach ${id}: ${(err as Error).message}`));
    }
    for (const per of this.#active.values()) per.delete(id);
  }

  #changed(): void {
    try { this.#opts.onChange?.(); } catch (e) { this.#log(`onChange: ${(e as Error).message}`); }
  }

  #onHealth(obs: TargetHealthObservation[]): void {
    for (const o of obs) {
      const k = healthKey(o.targetGroupArn, o.targetId, o.port);
      this.#observations.set(k, o);
      this.#health[k] = o.state;
    }
    const health: HealthMap = { ...this.#health };
    for (const w of this.#workers.values()) for (const x of w.workers) if (x.alive) x.sendHealth(health).catch(() => {});
    if (this.#desired) this.metrics.setTargetHealth(targetHealthRows(this.#desired, health));
    this.#changed();
  }

  /** Forgets observations of targets no longer registered. */
  #pruneHealth(d: DesiredState): void {
    const keep = new Set(d.targetGroups.flatMap((tg) => tg.targets.map((t) => healthKey(tg.arn, t.id, t.port))));
    for (const k of [...this.#observations.keys()]) {
      if (!keep.has(k)) { this.#observations.delete(k); delete this.#health[k]; }
    }
  }

  /** The listeners of one endpoint as the data plane sees them (status.ts shape). */
  endpointStatus(endpointId: string): EndpointStatus | undefined {
    const d = this.#desired;
    const ep = d?.endpoints.find((e) => e.endpointId === endpointId);
    if (!d || !ep) return undefined;
    return {
      endpointId, version: d.version,
      enis: ep.bindings.map((bnd) => {
        if (!isBound(bnd)) return { eniId: bnd.eniId, listening: false, reason: bnd.unbound };
        for (const p of bnd.ports) {
          const id = listenerIdOf(bnd.eniId, p.port);
          if (!this.#listeners.has(id)) return { eniId: bnd.eniId, listening: false, reason: this.#listenErrors.get(id) ?? `port ${p.port} is not open yet` };
        }
        return { eniId: bnd.eniId, listening: true };
      }),
    };
  }

  /** Whether `endpointId`'s listeners all listen (in the last applied state). */
  endpointReadiness(endpointId: string): Readiness {
    const d = this.#desired;
    const ep: DesiredEndpoint | undefined = d?.endpoints.find((e) => e.endpointId === endpointId);
    if (!d || !ep) return { ready: false, reason: `the data plane has not applied a state with ${endpointId} yet` };
    return endpointReadiness(ep, d.version, this.endpointStatus(endpointId));
  }

  /** True when the workers admit connections to the endpoint: it was applied as serving and every listener is up. */
  endpointServing(endpointId: string): boolean {
    const ep = this.#desired?.endpoints.find((e) => e.endpointId === endpointId);
    return !!ep && ep.serving && this.endpointReadiness(endpointId).ready;
  }

  observedHealth(targetGroupArn: string, targetId: string, port: number): TargetHealthObservation | undefined {
    return this.#observations.get(healthKey(targetGroupArn, targetId, port));
  }

  get health(): HealthMap { return { ...this.#health }; }

  /** The workload namespace of a user-created ENI, once it exists. */
  workload(eniId: string): (Workload & { vpcIp: string }) | undefined {
    return this.#workloads.get(eniId);
  }

  /** Stops every process and removes every namespace this data plane made. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#idleTimer);
    while (this.#running) await this.#running.catch(() => {});
    await Promise.all([...this.#workers.values()].flatMap((w) => w.workers.map((x) => x.close().catch(() => {}))));
    await Promise.all([...this.#helpers.values()].map((h) => h.close().catch(() => {})));
    await this.#dns?.close().catch(() => {});
    this.#workers.clear();
    this.#helpers.clear();
    this.#listeners.clear();
    this.#workloads.clear();
    await this.flowLog?.close();
    await this.backend.sweep();
  }
}
