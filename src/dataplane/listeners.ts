/**
 * Cross-namespace listening sockets (netns backend), parent side. A socket belongs to the
 * namespace it was created in, and a listening socket can be handed to another process over
 * Node's IPC channel. So: a `ListenHelper` (listen-helper.mjs, started per CONSUMER VPC
 * namespace with `ip netns exec`) creates the endpoint ENI's listening socket there and hands it
 * to this process, which forwards it to the `NodeWorkerProcess` (node-worker.ts) running INSIDE
 * the PROVIDER VPC's namespace; the worker accepts the consumer's connections and connects to the
 * targets natively. Every process that passes a handle on closes its own copy right after the
 * send completes (else it keeps accepting and leaves those connections hanging).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { bundledProgram } from './bundle.js';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ProcessHost } from '../net/backend.js';
import type { LoopbackMap } from '../net/loopback.js';
import type { HealthMap } from '../policy/flow-route.js';
import type { DesiredState } from '../reconcile/desired-state.js';
import type { TargetHealthObservation } from '../reconcile/status.js';
import type { FlowRecord, ListenerCounters } from './flow-record.js';

/** Parent → listen helper. */
export type HelperRequest =
  | { type: 'listen'; id: number; host: string; port: number; backlog?: number }
  | { type: 'listen-udp'; id: number; host: string; port: number }
  | { type: 'exit' };

/** Listen helper → parent (`listening` carries the server handle). */
export type HelperReply =
  | { type: 'ready'; pid: number }
  | { type: 'listening'; id: number; address: string; port: number }
  | { type: 'error'; id: number; code: string; message: string };

/** Parent → node worker (`attach` carries the server handle). */
export type WorkerRequest =
  | {
    type: 'config';
    desired: DesiredState;
    health: HealthMap;
    /** The NLB node this worker is. */
    nodeEniId: string;
    /** The target groups this worker health-checks (each group is checked by one worker). */
    healthGroups: string[];
    /** Loopback network: the VPCs' blocks of 127.0.0.0/8 (absent with namespaces). */
    loopback?: LoopbackMap;
  }
  | { type: 'health'; health: HealthMap }
  | { type: 'attach'; id: string }
  | { type: 'detach'; id: string; resetFlows?: boolean; reason?: string }
  | { type: 'exit' };

/** Node worker → parent. */
export type WorkerReply =
  | { type: 'ready'; pid: number }
  | { type: 'configured'; version: number }
  | { type: 'attached'; id: string }
  | { type: 'detached'; id: string; reset: number }
  | { type: 'error'; id: string; message: string }
  | { type: 'health'; observations: TargetHealthObservation[] }
  | { type: 'report'; counters: ListenerCounters[]; flows: FlowRecord[]; droppedFlows: number };

export type WorkerReport = Extract<WorkerReply, { type: 'report' }>;

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IPC_STDIO: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];

/**
 * Open files a node worker may hold: two sockets per flow. Where this process may raise limits
 * (root with CAP_SYS_RESOURCE), workers start under `prlimit` with this many; elsewhere they keep
 * the inherited limit, and a node's flows are spread over several workers (plane.ts).
 */
export const WORKER_NOFILE = 262_144;
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
let raiseOk: boolean | undefined;

/** Whether this process may raise a child's open-files limit (root with CAP_SYS_RESOURCE); checked once. */
function canRaiseNofile(n: number): boolean {
  if (raiseOk === undefined) {
    raiseOk = !!PRLIMIT && process.getuid?.() === 0 && spawnSync(PRLIMIT, [`--nofile=${n}:${n}`, 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  }
  return raiseOk;
}

/**
 * Argv that runs one of this folder's programs: a `.mjs` one as it is; a `.ts` one bundled into
 * plain JavaScript once per process (bundle.ts: less memory and start-up per worker), or through
 * tsx when it cannot be bundled. Node workers also start with a 1 MiB young generation: the burst
 * of accepts otherwise grows it to its maximum and leaves it there (measured: 10.2 → 6.8 KiB per
 * idle flow).
 */
async function programArgv(file: string, nofile?: number): Promise<string[]> {
  // UNDERPASS_WORKER_CPU_PROF=<dir>: node workers write a V8 CPU profile there when they exit (bench/README.md).
  const prof = file === 'node-worker.ts' && process.env.UNDERPASS_WORKER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.UNDERPASS_WORKER_CPU_PROF}`] : [];
  const heap = file === 'node-worker.ts' ? ['--max-semi-space-size=1'] : [];
  let node: string[];
  if (file.endsWith('.mjs')) {
    node = [process.execPath, `${HERE}${file}`];
  } else {
    const bundle = await bundledProgram(`${HERE}${file}`, (m) => console.error(`underpass data plane: ${m}`));
    node = bundle ? [process.execPath, ...prof, ...heap, bundle] : [process.execPath, ...prof, ...heap, '--import', 'tsx', `${HERE}${file}`];
  }
  if (nofile && PRLIMIT && canRaiseNofile(nofile)) return [PRLIMIT, `--nofile=${nofile}:${nofile}`, '--', ...node];
  return node;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Waits for the child's first `ready` message (bounded); rejects if it exits first. */
function awaitReady(child: ChildProcess, what: string, timeoutMs: number): Promise<number> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4000) stderr += d; });
  child.stdout?.resume();
  return withTimeout(new Promise<number>((resolve, reject) => {
    const onMsg = (m: unknown) => {
      const r = m as { type?: string; pid?: number };
      if (r?.type === 'ready') { child.off('message', onMsg); resolve(r.pid ?? -1); }
    };
    child.on('message', onMsg);
    child.once('exit', (code, sig) => reject(new Error(`${what} exited (${code ?? sig}) before it was ready: ${stderr.trim()}`)));
    child.once('error', reject);
  }), timeoutMs, what);
}

/** Kills a child we started (SIGTERM, then SIGKILL after `graceMs`) and waits for its exit (bounded). */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  const t1 = setTimeout(() => child.kill('SIGTERM'), graceMs);
  const t2 = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
  await withTimeout(exited, graceMs * 3 + 1000, `stopping pid ${child.pid}`).finally(() => { clearTimeout(t1); clearTimeout(t2); });
}

/**
 * Sends a server handle to `child` and closes this process's copy once the send has completed.
 * A connection this copy still accepted in between is reset (not left hanging).
 */
export function handOver(child: ChildProcess, msg: WorkerRequest | object, server: Server | UdpSocket, opts: { keepOpen?: boolean } = {}): Promise<void> {
  if (!('send' in server) && server.listenerCount('connection') === 0) server.on('connection', (s) => { s.on('error', () => {}); s.resetAndDestroy(); });
  const close = () => { if (!opts.keepOpen) server.close(); };
  return new Promise<void>((resolve, reject) => {
    const ok = child.send(msg, server, {}, (err) => {
      close();
      if (err) reject(err); else resolve();
    });
    if (!ok && !child.connected) { close(); reject(new Error('IPC channel closed')); }
  });
}

/** Starts `program` inside `namespace` with an IPC channel and waits for its ready message (killed on failure). */
export async function spawnReady(backend: ProcessHost, namespace: string, program: string, label: string, timeoutMs = 10_000, env?: NodeJS.ProcessEnv, nofile?: number): Promise<{ child: ChildProcess; startMs: number }> {
  const argv = await programArgv(program, nofile);
  const t0 = performance.now();
  const child = backend.execIn(namespace, argv, { stdio: IPC_STDIO, cwd: REPO_ROOT, ...(env ? { env: { ...process.env, ...env } } : {}) });
  try {
    await awaitReady(child, label, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, startMs: performance.now() - t0 };
}

/** A listen helper running inside one namespace; serves any number of `listen` requests. */
export class ListenHelper {
  /** Spawn → `ready` in ms (tsx start included). */
  startMs = 0;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(s: Server | UdpSocket): void; reject(e: Error): void }>();

  private constructor(readonly namespace: string, readonly child: ChildProcess) {
    child.on('message', (m: unknown, handle: unknown) => {
      const r = m as HelperReply;
      if (r.type !== 'listening' && r.type !== 'error') return;
      const p = this.#pending.get(r.id);
      if (!p) { (handle as { close(): void } | undefined)?.close(); return; }
      this.#pending.delete(r.id);
      if (r.type === 'error') p.reject(Object.assign(new Error(`listen in ${namespace}: ${r.message}`), { code: r.code }));
      else if (!handle) p.reject(new Error(`listen in ${namespace}: helper sent no handle`));
      else p.resolve(handle as Server | UdpSocket);
    });
    child.on('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error(`listen helper in ${namespace} exited`));
      this.#pending.clear();
    });
  }

  static async start(backend: ProcessHost, namespace: string, opts: { timeoutMs?: number } = {}): Promise<ListenHelper> {
    const { child, startMs } = await spawnReady(backend, namespace, 'listen-helper.mjs', `listen helper in ${namespace}`, opts.timeoutMs);
    const helper = new ListenHelper(namespace, child);
    helper.startMs = startMs;
    return helper;
  }

  get pid(): number | undefined { return this.child.pid; }

  /**
   * A server listening on ip:port inside the helper's namespace, usable in this process (add a
   * 'connection' listener) or to be forwarded with `handOver` (which closes this copy).
   */
  listen(host: string, port: number, opts: { timeoutMs?: number; backlog?: number } = {}): Promise<Server> {
    const req: HelperRequest = { type: 'listen', id: this.#nextId++, host, port, ...(opts.backlog ? { backlog: opts.backlog } : {}) };
    return this.#ask(req, opts.timeoutMs) as Promise<Server>;
  }

  /** A UDP socket bound to ip:port inside the helper's namespace. */
  listenUdp(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<UdpSocket> {
    return this.#ask({ type: 'listen-udp', id: this.#nextId++, host, port }, opts.timeoutMs) as Promise<UdpSocket>;
  }

  #ask(req: Extract<HelperRequest, { id: number }>, timeoutMs?: number): Promise<Server | UdpSocket> {
    const { id, host, port } = req;
    const p = new Promise<Server | UdpSocket>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (!this.child.connected) return Promise.reject(new Error(`listen helper in ${this.namespace} is not connected`));
    this.child.send(req);
    return withTimeout(p, timeoutMs ?? 5000, `listen ${host}:${port} in ${this.namespace}`).catch((err) => {
      this.#pending.delete(id);
      throw err;
    });
  }

  /** Asks the helper to exit; kills it if it does not (bounded). */
  close(): Promise<void> {
    return stopChild(this.child, 1000);
  }
}

/** One-shot: starts a helper in `namespace`, opens ip:port there, stops the helper. */
export async function openListenerIn(backend: ProcessHost, namespace: string, ip: string, port: number): Promise<Server> {
  const helper = await ListenHelper.start(backend, namespace);
  try {
    return await helper.listen(ip, port);
  } finally {
    await helper.close();
  }
}

/** An NLB-node worker process running inside a (provider VPC) namespace. */
export class NodeWorkerProcess {
  startMs = 0;
  /** Counters and finished flows, once a second; must not throw. */
  onReport?: (r: WorkerReport) => void;
  /** Health-check verdict changes; must not throw. */
  onHealth?: (o: TargetHealthObservation[]) => void;
  /** The last desired-state version the worker applied. */
  configuredVersion = -1;
  /** What the data plane last configured this worker with (it skips sending the same again). */
  configKey: string | undefined;
  readonly #waiters = new Map<string, { resolve(r: WorkerReply): void; reject(e: Error): void }>();

  private constructor(readonly namespace: string, readonly child: ChildProcess) {
    child.on('message', (m: unknown) => {
      const r = m as WorkerReply;
      switch (r.type) {
        case 'report': this.onReport?.(r); return;
        case 'health': this.onHealth?.(r.observations); return;
        case 'configured': this.configuredVersion = r.version; this.#waiters.get(' config')?.resolve(r); this.#waiters.delete(' config'); return;
        case 'ready': return;
      }
      const w = this.#waiters.get(r.id);
      if (w) { this.#waiters.delete(r.id); w.resolve(r); }
    });
    child.on('exit', () => {
      for (const w of this.#waiters.values()) w.reject(new Error(`node worker in ${namespace} exited`));
      this.#waiters.clear();
    });
  }

  static async start(backend: ProcessHost, namespace: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<NodeWorkerProcess> {
    const { child, startMs } = await spawnReady(backend, namespace, 'node-worker.ts', `node worker in ${namespace}`, opts.timeoutMs, opts.env, WORKER_NOFILE);
    const w = new NodeWorkerProcess(namespace, child);
    w.startMs = startMs;
    return w;
  }

  get pid(): number | undefined { return this.child.pid; }
  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null && this.child.connected; }

  #request(id: string, send: () => Promise<void>, timeoutMs: number): Promise<WorkerReply> {
    if (this.#waiters.has(id)) return Promise.reject(new Error(`listener ${id}: a request is already pending`));
    const p = new Promise<WorkerReply>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
    return withTimeout(send().then(() => p), timeoutMs, `node worker, listener ${id}`).catch((err) => {
      this.#waiters.delete(id);
      throw err;
    });
  }

  #send(msg: WorkerRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) { reject(new Error(`node worker in ${this.namespace} is not connected`)); return; }
      this.child.send(msg, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Sends the desired state and health; resolves once the worker has applied it. */
  async configure(msg: Omit<Extract<WorkerRequest, { type: 'config' }>, 'type'>, timeoutMs = 5000): Promise<void> {
    await this.#request(' config', () => this.#send({ type: 'config', ...msg }), timeoutMs);
  }

  /** New observed health (no reply). */
  sendHealth(health: HealthMap): Promise<void> {
    return this.#send({ type: 'health', health });
  }

  /** Hands `server` to the worker (closing this process's copy); its connections are routed as listener `id`. */
  async attach(id: string, server: Server, timeoutMs = 5000, opts: { keepOpen?: boolean } = {}): Promise<void> {
    const r = await this.#request(id, () => handOver(this.child, { type: 'attach', id }, server, opts), timeoutMs);
    if (r.type === 'error') throw new Error(`node worker: attach ${id}: ${r.message}`);
  }

  /** Stops the listener in the worker (it no longer listens anywhere); optionally resets its live flows. */
  async detach(id: string, opts: { resetFlows?: boolean; reason?: string; timeoutMs?: number } = {}): Promise<number> {
    const r = await this.#request(id, () => this.#send({
      type: 'detach', id, resetFlows: opts.resetFlows ?? false, ...(opts.reason ? { reason: opts.reason } : {}),
    }), opts.timeoutMs ?? 5000);
    if (r.type === 'error') throw new Error(`node worker: detach ${id}: ${r.message}`);
    return r.type === 'detached' ? r.reset : 0;
  }

  close(): Promise<void> {
    return stopChild(this.child, 1000);
  }
}
