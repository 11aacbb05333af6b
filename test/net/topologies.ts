/**
 * Small netns topologies for the network backend tests, and helpers that run a tiny TCP server or
 * client inside a namespace (node -e via execIn). Builders register their own cleanup on `t`
 * right after each creation, so a failing test still removes everything it made.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { NetnsBackend, type VpcInfo, type Workload } from '../../src/net/netns.js';

const pidTag = process.pid % 1000;
/** Prefixes unique to this test process (a letter, ≤5 letters/digits, a dash). */
export const TEST_PREFIX = `upt${pidTag}-`;
export const OTHER_PREFIX = `uq${pidTag}-`;
export const SWEEP_PREFIX = `us${pidTag}-`;

/** Why these tests cannot run here, or undefined when they can. */
export function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'the netns backend needs Linux';
  if (process.getuid?.() !== 0) return 'the netns backend tests need root (ip netns)';
  return undefined;
}

export interface VpcWithWorkload {
  vpc: VpcInfo;
  workload: Workload;
}

/**
 * Two VPCs with the same CIDR 10.0.0.0/16 and a subnet 10.0.1.0/24 each; B also has 10.0.2.0/24.
 * Each router holds the ENI address 10.0.1.10; B's router also holds 10.0.1.20. One workload in
 * each VPC's 10.0.1.0/24 (both get 10.0.1.4: the same address in two networks).
 */
export async function twoVpcs(t: TestContext, backend: NetnsBackend): Promise<{ a: VpcWithWorkload; b: VpcWithWorkload }> {
  const vpcA = await backend.ensureVpc({ vpcId: 'vpc-aaaa0001', cidr: '10.0.0.0/16', subnets: [{ subnetId: 'subnet-a1', cidr: '10.0.1.0/24' }] });
  t.after(() => backend.removeVpc('vpc-aaaa0001'));
  const vpcB = await backend.ensureVpc({
    vpcId: 'vpc-bbbb0002', cidr: '10.0.0.0/16',
    subnets: [{ subnetId: 'subnet-b1', cidr: '10.0.1.0/24' }, { subnetId: 'subnet-b2', cidr: '10.0.2.0/24' }],
  });
  t.after(() => backend.removeVpc('vpc-bbbb0002'));
  await backend.addAddress('vpc-aaaa0001', '10.0.1.10');
  await backend.addAddress('vpc-bbbb0002', '10.0.1.10');
  await backend.addAddress('vpc-bbbb0002', '10.0.1.20');
  const wa = await backend.createWorkload({ vpcId: 'vpc-aaaa0001', subnetId: 'subnet-a1', name: 'wl-a' });
  t.after(() => backend.removeWorkload(wa.namespace));
  const wb = await backend.createWorkload({ vpcId: 'vpc-bbbb0002', subnetId: 'subnet-b1', name: 'wl-b' });
  t.after(() => backend.removeWorkload(wb.namespace));
  return { a: { vpc: vpcA, workload: wa }, b: { vpc: vpcB, workload: wb } };
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
  return { out: () => out, err: () => err };
}

const SERVER = `
const net = require('node:net');
const [host, port, label] = process.argv.slice(1);
const srv = net.createServer((s) => { s.on('error', () => {}); s.end(label + ' ' + s.localAddress + ' from ' + s.remoteAddress + '\\n'); });
srv.listen({ host, port: Number(port) }, () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), 30000).unref?.();
`;

/**
 * A TCP server inside `ns` on host:port answering `<label> <local address> from <peer>` to every
 * connection. Exits by itself after 30 s at the latest; killed by the cleanup registered on `t`.
 */
export async function startServer(t: TestContext, backend: NetnsBackend, ns: string, host: string, port: number, label: string): Promise<void> {
  const child = backend.execIn(ns, [process.execPath, '-e', SERVER, host, String(port), label], { timeoutMs: 40_000 });
  t.after(() => { child.kill('SIGKILL'); });
  const io = collect(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server in ${ns} not ready after 5 s: ${io.err()}`)), 5000);
    const check = () => {
      if (io.out().includes('ready')) { clearTimeout(timer); resolve(); }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server in ${ns} exited (${code}): ${io.err()}`)); });
  });
}

const CLIENT = `
const net = require('node:net');
const [host, port, ms, localAddress] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), ...(localAddress ? { localAddress } : {}) });
let data = '';
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
s.setTimeout(Number(ms), () => { s.destroy(); done({ ok: false, error: 'timeout' }); });
s.on('data', (d) => { data += d; });
s.on('end', () => done({ ok: true, data: data.trim() }));
s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
`;

export type ConnectResult = { ok: true; data: string } | { ok: false; error: string };

/**
 * Connects from inside `ns` to host:port (from `localAddress` when given); resolves with the answer
 * or the error (bounded by `timeoutMs`).
 */
export async function connectFrom(backend: NetnsBackend, ns: string, host: string, port: number, timeoutMs = 1500, localAddress?: string): Promise<ConnectResult> {
  const argv = [process.execPath, '-e', CLIENT, host, String(port), String(timeoutMs), ...(localAddress ? [localAddress] : [])];
  const child = backend.execIn(ns, argv, { timeoutMs: timeoutMs + 5000 });
  const io = collect(child);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  if (code !== 0) throw new Error(`client in ${ns} failed (exit ${code}): ${io.err()}`);
  return JSON.parse(io.out()) as ConnectResult;
}

/** Output of a short command inside `ns` (bounded by 5 s), with `env` as its environment when given. */
export async function runIn(backend: NetnsBackend, ns: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const child = backend.execIn(ns, argv, { timeoutMs: 5000, env });
  const io = collect(child);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  if (code !== 0) throw new Error(`${argv.join(' ')} in ${ns} failed (exit ${code}): ${io.err()}`);
  return io.out();
}
