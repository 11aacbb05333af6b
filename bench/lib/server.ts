/**
 * Underpass as its own process for the benchmarks (`node bin/underpass.js up`), so the load
 * generator and the SDK clients do not share its event loop (moto_server, HAProxy and dnsmasq run
 * in their own processes too). Waits for server.json and the API; `stop()` sends SIGTERM (the
 * server closes its data plane) and SIGKILLs after a bound. With UNDERPASS_BENCH_CPU_PROF=<dir> the
 * server runs with --cpu-prof and leaves its profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssBytes, cpuSeconds, until } from './proc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  endpoint: string;
  adminToken: string;
  dataDir: string;
  /** Milliseconds from spawn until the API answered. */
  startMs: number;
  /** GET an admin route (`/_underpass/...`) or /metrics with the admin token. */
  admin(path: string): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
  output(): string;
}

export interface ServerOptions {
  dataDir: string;
  network: 'none' | 'netns' | 'loopback';
  netPrefix?: string;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function startServerProcess(o: ServerOptions): Promise<ServerProcess> {
  // UNDERPASS_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (how the gaps were profiled).
  const prof = process.env.UNDERPASS_BENCH_CPU_PROF;
  const args = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), join(ROOT, 'bin', 'underpass.js'), 'up', '--port', '0', '--data-dir', o.dataDir, '--network', o.network,
    '--dns-port', '0', '--public-dns', '127.0.0.1:9', ...(o.netPrefix ? ['--net-prefix', o.netPrefix] : []), ...(o.extraArgs ?? [])];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-8000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // UNDERPASS_BENCH_SERVER_LOG=1: the server's stderr goes to the bench's (e.g. with UNDERPASS_DEBUG_RECONCILE=1).
  if (process.env.UNDERPASS_BENCH_SERVER_LOG) child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  const serverFile = join(o.dataDir, 'server.json');
  const info = await until(async () => {
    if (child.exitCode !== null) throw new Error(`underpass up exited (${child.exitCode}): ${out.slice(-1500)}`);
    if (!existsSync(serverFile)) return undefined;
    const j = JSON.parse(readFileSync(serverFile, 'utf8')) as { port: number; pid: number; adminToken: string };
    return j.pid === child.pid ? j : undefined;
  }, o.timeoutMs ?? 120_000, 20, 'underpass up wrote server.json').catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  const endpoint = `http://127.0.0.1:${info.port}`;
  const admin = async (path: string) => {
    const r = await fetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${info.adminToken}` } });
    return { status: r.status, text: await r.text() };
  };
  await until(async () => (await admin('/_underpass/status')).status === 200, 30_000, 20, 'the API answers');
  const startMs = performance.now() - t0;
  return {
    child, pid: child.pid!, port: info.port, endpoint, adminToken: info.adminToken, dataDir: o.dataDir, startMs, admin,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The pid and all its descendants (from /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Resident memory and CPU seconds of a process tree, with the per-process split by command. */
export interface TreeUsage {
  rssBytes: number;
  cpuSeconds: number;
  processes: number;
  byCommand: Record<string, { count: number; rssBytes: number }>;
  /** CPU seconds so far per process id. */
  cpuByPid: Map<number, number>;
}

export function treeUsage(root: number): TreeUsage {
  let rss = 0;
  let cpu = 0;
  let n = 0;
  const byCommand: Record<string, { count: number; rssBytes: number }> = {};
  const cpuByPid = new Map<number, number>();
  for (const pid of processTree(root)) {
    try {
      const r = rssBytes(pid);
      const c = cpuSeconds(pid);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const label = cmd.find((a) => /\.(ts|js)$/.test(a) && !a.endsWith('underpass.js'))?.split('/').pop() ?? (cmd.includes('up') ? 'underpass up' : cmd[0]?.split('/').pop() ?? '?');
      rss += r;
      cpu += c;
      cpuByPid.set(pid, c);
      n++;
      const b = (byCommand[label] ??= { count: 0, rssBytes: 0 });
      b.count++;
      b.rssBytes += r;
    } catch { /* exited meanwhile */ }
  }
  return { rssBytes: rss, cpuSeconds: cpu, processes: n, byCommand, cpuByPid };
}

/**
 * CPU seconds the tree spent between two samples: per process alive at the second, what it used
 * since the first (all of it when it started in between). A process that exited in between is not
 * counted (the tree's total would go down by its whole CPU time, even below zero); `exited` says how many.
 */
export function treeCpuBetween(u0: TreeUsage, u1: TreeUsage): { cpuSeconds: number; exited: number; started: number } {
  let cpu = 0;
  let started = 0;
  for (const [pid, c] of u1.cpuByPid) {
    const before = u0.cpuByPid.get(pid);
    if (before === undefined) started++;
    cpu += c - (before ?? 0);
  }
  let exited = 0;
  for (const pid of u0.cpuByPid.keys()) if (!u1.cpuByPid.has(pid)) exited++;
  return { cpuSeconds: cpu, exited, started };
}
