/**
 * Data-plane suite: a consumer workload → interface endpoint → NLB node → provider target across
 * network namespaces, measured next to (a) the direct path between the same two namespaces and
 * (b) HAProxy (TCP mode) placed on the same hop, in the same run, repetitions interleaved.
 *
 * The three paths, from the same client namespace (10.1.1.100) to the same target namespace
 * (10.0.1.200, servers bound to every address):
 *  - underpass: client → consumer bridge → ENI address on the consumer router (the node workers'
 *    listening socket) → worker → provider router → provider bridge → target (2 veths + 1 proxy).
 *  - haproxy: HAProxy runs in the consumer router namespace, listens on the subnet gateway
 *    (10.1.1.1, port + 10000) and reaches the target over a veth the bench adds between the
 *    consumer router namespace and the target namespace (192.168.78.0/30): 2 veths + 1 proxy.
 *  - direct: a veth the bench adds between the client and the target namespace
 *    (192.168.77.0/30): 1 veth, no proxy: the physical limit of these two namespaces.
 * Loads: iperf3 (1 and 8 streams), wrk (HTTP keep-alive), a 64-byte ping-pong, short connections
 * at bounded concurrency (also with PROXY v2 on, against an echo server that requires and strips
 * the header), N idle flows (RSS of freshly started proxy processes before and after, per flow).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetnsBackend } from '../../src/net/netns.js';
import { Cleanup } from '../lib/cleanup.js';
import { collectUntilExit, cpuSeconds, rssBytes, run, sleep, until, waitForOutput } from '../lib/proc.js';
import { privateLinkPair, sysctlIn, vethLink, type PrivateLinkPair } from '../lib/topology.js';
import type { Sample, SuiteOptions, SuiteResult } from '../lib/types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOAD = join(ROOT, 'bench', 'tools', 'load.ts');
const PREFIX = 'ub-';
const IPERF = 5201;
const ECHO = 7001;
const HTTP = 8080;
/** The echo server behind a target group with PROXY v2 on (HAProxy: send-proxy-v2). */
const ECHO_PP2 = 7002;
const HAPROXY_OFFSET = 10_000;
type Subject = 'direct' | 'haproxy' | 'underpass';
const SUBJECTS: Subject[] = ['direct', 'haproxy', 'underpass'];

interface Knobs { wrkConnections: number; iperfSeconds: number; pingRounds: number; rateMs: number; rateConcurrency: number; idleFlows: number[] }
const QUICK: Knobs = { wrkConnections: 16, iperfSeconds: 3, pingRounds: 2000, rateMs: 2000, rateConcurrency: 16, idleFlows: [2000] };
const FULL: Knobs = { wrkConnections: 16, iperfSeconds: 8, pingRounds: 10_000, rateMs: 5000, rateConcurrency: 16, idleFlows: [5000, 10_000] };

interface Lab {
  pair: PrivateLinkPair;
  backend: NetnsBackend;
  addr: Record<Subject, string>;
  portOffset: Record<Subject, number>;
  haproxyPid: number;
  haproxyCfg: string;
  workerPids: number[];
  cleanup: Cleanup;
}

export async function dataplane(opts: SuiteOptions): Promise<SuiteResult> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    return { suite: 'dataplane', samples: [], notes: ['skipped: the data-plane suite needs Linux and root (network namespaces)'] };
  }
  const knobs = opts.quick ? QUICK : FULL;
  const cleanup = new Cleanup();
  const abort = () => { void cleanup.run(); };
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    const lab = await buildLab(cleanup, opts);
    return await measure(lab, knobs, opts);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    const errors = await cleanup.run();
    for (const e of errors) opts.log(`cleanup: ${e}`);
  }
}

export default dataplane;

// ---------------------------------------------------------------------------------------------
// topology

function startIn(backend: NetnsBackend, ns: string, argv: string[], cleanup: Cleanup, what: string): ChildProcess {
  const child = backend.execIn(ns, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  cleanup.add(what, () => { child.kill('SIGKILL'); });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  return child;
}

async function listening(ns: string, port: number): Promise<boolean> {
  const r = await run(['ip', 'netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], { timeoutMs: 5000 });
  return r.stdout.trim() !== '';
}

async function buildLab(cleanup: Cleanup, opts: SuiteOptions): Promise<Lab> {
  const pair = await privateLinkPair(cleanup, {
    prefix: PREFIX, ports: [IPERF, ECHO, HTTP, ECHO_PP2], proxyV2Ports: [ECHO_PP2], log: opts.log,
    startTargets: async (backend, target) => {
      // iperf3 -s has been seen to exit mid-run (connection refused afterwards): keep one running, and say when it exits.
      const iperf = startIn(backend, target.namespace, ['sh', '-c', `while :; do iperf3 -s -p ${IPERF} --forceflush >/dev/null; echo "iperf3 server exited ($?), restarted" >&2; sleep 0.2; done`],
        cleanup, 'iperf3 server');
      iperf.stderr?.on('data', (d: string) => opts.log(d.trim()));
      const echo = startIn(backend, target.namespace, [process.execPath, '--import', 'tsx', LOAD, 'echo', '0.0.0.0', String(ECHO)], cleanup, 'echo server');
      const http = startIn(backend, target.namespace, [process.execPath, '--import', 'tsx', LOAD, 'http', '0.0.0.0', String(HTTP)], cleanup, 'http server');
      const echoPp2 = startIn(backend, target.namespace, [process.execPath, '--import', 'tsx', LOAD, 'echo', '0.0.0.0', String(ECHO_PP2), 'proxy-v2'], cleanup, 'echo server (PROXY v2)');
      await waitForOutput(echo, /ready/, 15_000);
      await waitForOutput(echoPp2, /ready/, 15_000);
      await waitForOutput(http, /ready/, 15_000);
      await until(async () => listening(target.namespace, IPERF), 5000, 50, 'iperf3 server listening');
    },
  });
  const { backend, client, target } = pair;
  const rns = pair.consumerRouterNs;
  // The direct path: client ↔ target; HAProxy's path: consumer router ↔ target.
  await vethLink(cleanup, { nsA: client.namespace, nsB: target.namespace, nameA: `${PREFIX}dc`, nameB: `${PREFIX}dt`, addrA: '192.168.77.1', addrB: '192.168.77.2' });
  await vethLink(cleanup, { nsA: rns, nsB: target.namespace, nameA: `${PREFIX}hc`, nameB: `${PREFIX}ht`, addrA: '192.168.78.1', addrB: '192.168.78.2' });
  // Short connections leave TIME_WAIT behind at whoever connects: reuse and a wide range for every client side.
  for (const ns of [client.namespace, rns]) await sysctlIn(ns, ['net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=1024 65000']);

  const cfg = join(pair.up.dataDir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', `  maxconn ${haproxyMaxconn()}`, '  nbthread 2', '',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 300s', '  timeout server 300s', '',
    ...[IPERF, ECHO, HTTP, ECHO_PP2].flatMap((p) => [
      `listen p${p}`, `  bind ${pair.consumerGateway}:${p + HAPROXY_OFFSET} backlog 4096`, `  server t 192.168.78.2:${p}${p === ECHO_PP2 ? ' send-proxy-v2' : ''}`, '',
    ]),
  ].join('\n'));
  const haproxyPid = await startHaproxy(backend, rns, cfg, cleanup);
  // The node's worker processes hold the ENI listeners in the consumer router namespace.
  const workerPids = await listenerPids(rns, ECHO);
  if (workerPids.length === 0) throw new Error('no process holds the endpoint listener');
  opts.log(`underpass node workers: pids ${workerPids.join(', ')}; haproxy: pid ${haproxyPid}`);
  return {
    pair, backend, workerPids, haproxyPid, haproxyCfg: cfg, cleanup,
    addr: { direct: '192.168.77.2', haproxy: pair.consumerGateway, underpass: pair.eniIp },
    portOffset: { direct: 0, haproxy: HAPROXY_OFFSET, underpass: 0 },
  };
}

async function startHaproxy(backend: NetnsBackend, rns: string, cfg: string, cleanup: Cleanup): Promise<number> {
  const haproxy = startIn(backend, rns, ['haproxy', '-db', '-f', cfg], cleanup, 'haproxy');
  let said = '';
  haproxy.stderr?.on('data', (d: string) => { said += d; });
  await until(async () => (await listening(rns, ECHO + HAPROXY_OFFSET)) && (await listening(rns, HTTP + HAPROXY_OFFSET)), 10_000, 50, 'haproxy listening')
    .catch((e: Error) => { throw new Error(`${e.message}; haproxy said: ${said.trim().slice(-600)}`); });
  return haproxy.pid!;
}

/** Pids of the processes holding a listening socket on `port` in `ns`. */
/**
 * The node workers holding the listening socket of `port` in `ns`. Only node-worker processes:
 * while a listener is handed over, the data plane (this process, in-process) and a listen helper
 * hold it for a moment too, and a kill of those would end the bench.
 */
async function listenerPids(ns: string, port: number): Promise<number[]> {
  const ss = await run(['ip', 'netns', 'exec', ns, 'ss', '-Hltnp', `sport = :${port}`], { timeoutMs: 5000 });
  const pids = [...new Set([...ss.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))].sort();
  return pids.filter((pid) => {
    if (pid === process.pid) return false;
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node-worker'); } catch { return false; }
  });
}

/**
 * Fresh proxy processes before a memory measurement, so that neither side reuses memory pooled by
 * the previous loads (HAProxy's pools, V8's heap): HAProxy is restarted; the node workers are
 * killed and the data plane replaces them at its next apply (as it would after a crash).
 */
async function freshProxy(lab: Lab, s: Subject): Promise<void> {
  const rns = lab.pair.consumerRouterNs;
  if (s === 'haproxy') {
    process.kill(lab.haproxyPid, 'SIGKILL');
    await until(async () => !(await listening(rns, ECHO + HAPROXY_OFFSET)), 5000, 20, 'old haproxy gone');
    lab.haproxyPid = await startHaproxy(lab.backend, rns, lab.haproxyCfg, lab.cleanup);
  } else if (s === 'underpass') {
    const old = new Set(lab.workerPids);
    for (const p of old) process.kill(p, 'SIGKILL');
    lab.workerPids = await until(async () => {
      const pids = await listenerPids(rns, ECHO);
      return pids.length === old.size && pids.every((p) => !old.has(p)) ? pids : undefined;
    }, 20_000, 50, 'node workers replaced');
    await until(async () => (await pingpong(lab, s, 10).then(() => true, () => false)), 20_000, 200, 'endpoint carrying again');
  }
}

/** The hard limit on open files here (HAProxy cannot go past it: two sockets per flow). */
function hardFdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === 'unlimited' ? 1_048_576 : Number(hard);
}

function haproxyMaxconn(): number {
  return Math.min(60_000, Math.floor((hardFdLimit() - 200) / 2));
}

// ---------------------------------------------------------------------------------------------
// loads, run in the client namespace

async function inClient(lab: Lab, argv: string[], timeoutMs: number): Promise<string> {
  const child = lab.backend.execIn(lab.pair.client.namespace, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collectUntilExit(child, timeoutMs);
  if (r.code !== 0) throw new Error(`${argv.slice(0, 4).join(' ')} … exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().slice(-400)} ${r.stdout.trim().slice(-400)}`);
  return r.stdout;
}

interface IperfResult { gbits: number; bytes: number }

async function iperf(lab: Lab, s: Subject, streams: number, seconds: number): Promise<IperfResult> {
  await until(async () => listening(lab.pair.target.namespace, IPERF), 10_000, 100, 'iperf3 server listening');
  const argv = ['iperf3', '-c', lab.addr[s], '-p', String(IPERF + lab.portOffset[s]), '-t', String(seconds), '-P', String(streams), '-J', '--connect-timeout', '3000'];
  for (let attempt = 0; ; attempt++) {
    try {
      const j = JSON.parse(await inClient(lab, argv, (seconds + 15) * 1000)) as { error?: string; end?: { sum_received?: { bits_per_second: number; bytes: number } } };
      if (j.error || !j.end?.sum_received) throw new Error(`iperf3 ${s}: ${j.error ?? 'no result'}`);
      return { gbits: j.end.sum_received.bits_per_second / 1e9, bytes: j.end.sum_received.bytes };
    } catch (e) {
      if (attempt >= 2) throw e;
      await sleep(1000); // the server may still be finishing the previous test
    }
  }
}

async function pingpong(lab: Lab, s: Subject, rounds: number, port = ECHO): Promise<{ p50: number; p99: number }> {
  const out = await inClient(lab, [process.execPath, '--import', 'tsx', LOAD, 'pingpong', lab.addr[s], String(port + lab.portOffset[s]), String(rounds), '30000'], 45_000);
  const r = JSON.parse(out) as { p50: number; p99: number; bytesSent: number; bytesReceived: number; intact: boolean };
  if (!r.intact || r.bytesSent !== r.bytesReceived) throw new Error(`ping-pong through ${s}: sent ${r.bytesSent} B, got ${r.bytesReceived} B back (intact ${r.intact})`);
  return r;
}

/** wrk, keep-alive HTTP/1.1 GETs of a 3-byte body over `connections` connections for `seconds`: requests/s and p99 in µs. */
async function wrk(lab: Lab, s: Subject, connections: number, seconds: number): Promise<{ rps: number; p99: number }> {
  const url = `http://${lab.addr[s]}:${HTTP + lab.portOffset[s]}/`;
  const out = await inClient(lab, ['wrk', '-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '5s', url], (seconds + 20) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
  if (!Number.isFinite(rps) || !m || errors) throw new Error(`wrk through ${s}: ${out.trim().slice(-600)}`);
  const p99 = Number(m[1]) * (m[2] === 'us' ? 1 : m[2] === 'ms' ? 1000 : 1e6);
  return { rps, p99 };
}

async function rate(lab: Lab, s: Subject, ms: number, concurrency: number, port = ECHO): Promise<number> {
  const out = await inClient(lab, [process.execPath, '--import', 'tsx', LOAD, 'rate', lab.addr[s], String(port + lab.portOffset[s]), String(ms), String(concurrency), '200000'], ms + 30_000);
  const r = JSON.parse(out) as { completed: number; failed: number; perSecond: number; bytesSent: number; bytesReceived: number };
  if (r.failed > 0 || r.bytesReceived !== r.completed * 64) throw new Error(`short connections through ${s}: ${JSON.stringify(r)}`);
  return r.perSecond;
}

/** Opens `count` idle flows through `s`; returns the growth in RSS of `pids` per flow, in KiB. */
async function idleFlowMemory(lab: Lab, s: Subject, count: number, pids: number[]): Promise<number> {
  const rss = () => pids.reduce((n, p) => n + rssBytes(p), 0);
  await sleep(300);
  const before = rss();
  const child = lab.backend.execIn(lab.pair.client.namespace,
    [process.execPath, '--import', 'tsx', LOAD, 'hold', lab.addr[s], String(ECHO + lab.portOffset[s]), String(count), '60000'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = collectUntilExit(child, 120_000);
  try {
    const line = await waitForOutput(child, /open \d+ \d+/, 70_000);
    const [, open, failed] = /open (\d+) (\d+)/.exec(line)!;
    if (Number(open) !== count) throw new Error(`idle flows through ${s}: ${open} open, ${failed} failed of ${count}`);
    await sleep(500);
    const after = rss();
    return (after - before) / count / 1024;
  } finally {
    child.stdin?.write('close\n');
    await done;
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------

async function measure(lab: Lab, k: Knobs, opts: SuiteOptions): Promise<SuiteResult> {
  const empty = () => ({ direct: [] as number[], haproxy: [] as number[], underpass: [] as number[] });
  const tp1 = empty(); const tp8 = empty(); const rps = empty(); const rp99 = empty(); const p50 = empty(); const p99 = empty(); const cps = empty();
  const cpu = { haproxy: [] as number[], underpass: [] as number[] };
  const ppP50 = { haproxy: [] as number[], underpass: [] as number[] };
  const ppCps = { haproxy: [] as number[], underpass: [] as number[] };
  const mem = new Map(k.idleFlows.map((n) => [n, { haproxy: [] as number[], underpass: [] as number[] }]));
  const proxyPids = (s: Subject) => (s === 'haproxy' ? [lab.haproxyPid] : s === 'underpass' ? lab.workerPids : []);
  const cpuOf = (pids: number[]) => pids.reduce((n, p) => n + cpuSeconds(p), 0);

  const failures: string[] = [];
  try {
    for (let rep = 0; rep < opts.repetitions; rep++) {
      // Rotate the order each repetition so no subject always runs first (warm caches, noisy neighbours).
      const order = SUBJECTS.map((_, i) => SUBJECTS[(i + rep) % SUBJECTS.length]!);
      for (const s of order) {
        opts.signal?.throwIfAborted();
        tp1[s].push((await iperf(lab, s, 1, k.iperfSeconds)).gbits);
        const c0 = cpuOf(proxyPids(s));
        const r8 = await iperf(lab, s, 8, k.iperfSeconds);
        tp8[s].push(r8.gbits);
        if (s !== 'direct') cpu[s].push((cpuOf(proxyPids(s)) - c0) / (r8.bytes / 1e9));
        const pp = await pingpong(lab, s, k.pingRounds);
        p50[s].push(pp.p50);
        p99[s].push(pp.p99);
        cps[s].push(await rate(lab, s, k.rateMs, k.rateConcurrency));
        const w = await wrk(lab, s, k.wrkConnections, k.iperfSeconds);
        rps[s].push(w.rps);
        rp99[s].push(w.p99);
        if (s !== 'direct') {
          // PROXY v2 on: the target strips the header and closes connections without one, so bytes back prove it was sent.
          ppP50[s].push((await pingpong(lab, s, k.pingRounds, ECHO_PP2)).p50);
          ppCps[s].push(await rate(lab, s, k.rateMs, k.rateConcurrency, ECHO_PP2));
          for (const [n, m] of mem) {
            if (s === 'haproxy' && n > haproxyMaxconn()) continue; // see the sample's `skipped`
            await freshProxy(lab, s);
            m[s].push(await idleFlowMemory(lab, s, n, proxyPids(s)));
          }
        }
        opts.log(`rep ${rep + 1}/${opts.repetitions} ${s}: ${tp1[s].at(-1)!.toFixed(2)} / ${tp8[s].at(-1)!.toFixed(2)} Gbit/s, p50 ${p50[s].at(-1)!.toFixed(0)} µs, `
          + `p99 ${p99[s].at(-1)!.toFixed(0)} µs, ${cps[s].at(-1)!.toFixed(0)} conn/s, ${rps[s].at(-1)!.toFixed(0)} req/s`);
      }
    }
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    // Keep what was measured (the table shows fewer repetitions); the run still fails.
    failures.push(`failed: ${(e as Error).message} (the rows hold the repetitions completed before)`);
  }
  const samples: Sample[] = [
    { metric: 'throughput, 1 stream', unit: 'Gbit/s', better: 'higher', values: tp1, anchor: 'haproxy', target: { ratio: 1.0, text: '≥ 1.0× HAProxy' } },
    { metric: 'throughput, 8 streams', unit: 'Gbit/s', better: 'higher', values: tp8, anchor: 'haproxy', target: { ratio: 1.0, text: '≥ 1.0× HAProxy' } },
    { metric: '64 B round trip p50', unit: 'µs', better: 'lower', values: p50, anchor: 'haproxy', target: { ratio: 1.5, text: '≤ 1.5× HAProxy' } },
    { metric: '64 B round trip p99', unit: 'µs', better: 'lower', values: p99, anchor: 'haproxy' },
    { metric: `HTTP keep-alive requests/s (wrk, ${k.wrkConnections} connections)`, unit: 'req/s', better: 'higher', values: rps, anchor: 'haproxy' },
    { metric: 'HTTP keep-alive p99 (wrk)', unit: 'µs', better: 'lower', values: rp99, anchor: 'haproxy' },
    { metric: `new connections/s (${k.rateConcurrency} at once, 64 B echoed)`, unit: 'conn/s', better: 'higher', values: cps, anchor: 'haproxy', target: { ratio: 0.8, text: '≥ 0.8× HAProxy' } },
    { metric: '64 B round trip p50, PROXY v2 on', unit: 'µs', better: 'lower', values: ppP50, anchor: 'haproxy', target: { ratio: 1.5, text: '≤ 1.5× HAProxy' } },
    { metric: `new connections/s, PROXY v2 on`, unit: 'conn/s', better: 'higher', values: ppCps, anchor: 'haproxy', target: { ratio: 0.8, text: '≥ 0.8× HAProxy' } },
    { metric: 'proxy CPU per GB (8 streams)', unit: 'CPU-s/GB', better: 'lower', values: cpu, anchor: 'haproxy' },
    ...[...mem].map(([n, m]): Sample => ({
      metric: `memory per idle flow (${n.toLocaleString('en')} flows)`, unit: 'KiB/flow', better: 'lower', values: m, anchor: 'haproxy',
      target: { absolute: 4, text: '≤ 4 KiB/flow' },
      ...(n > haproxyMaxconn() ? { skipped: `haproxy: ${n.toLocaleString('en')} flows need ${(2 * n).toLocaleString('en')} sockets, over this machine's hard limit of ${hardFdLimit().toLocaleString('en')} open files` } : {}),
    })),
  ];
  return {
    suite: 'dataplane',
    samples,
    notes: [
      ...failures,
      `Paths from the same client namespace to the same target namespace: underpass = endpoint ENI → NLB node worker (2 per node) → target; `
      + `haproxy = HAProxy ${await haproxyVersion()} (TCP mode, nbthread 2) in the consumer VPC's router namespace, reaching the target over a veth; direct = one veth between the two namespaces (no proxy).`,
      `PROXY v2 off except the two rows saying on (target group attribute proxy_protocol_v2.enabled; HAProxy send-proxy-v2). iperf3 -t ${k.iperfSeconds}; wrk -t 1 -c ${k.wrkConnections} -d ${k.iperfSeconds}s against a Node keep-alive HTTP server (the server's core is likely the bound); ping-pong ${k.pingRounds} rounds of 64 B on one connection; short connections for ${k.rateMs} ms, ${k.rateConcurrency} at once; `
      + `idle flows: RSS growth of freshly started proxy processes (Underpass: its node workers, killed and replaced by the data plane; HAProxy: restarted) `
      + 'from before the flows to all flows open and idle, divided by the flows; direct has no proxy process.',
      'CPU per GB: user+system CPU of the proxy processes during the 8-stream run divided by the bytes received (kernel softirq time not attributed).',
    ],
  };
}

async function haproxyVersion(): Promise<string> {
  const r = await run(['haproxy', '-v'], { timeoutMs: 5000 });
  return /version (\S+)/.exec(r.stdout)?.[1] ?? '?';
}
