/**
 * The NLB-node worker program: one per load-balancer node, running INSIDE the provider VPC's
 * namespace (started by `NodeWorkerProcess`, listeners.ts, with an IPC channel), as AWS's NLB
 * node has its ENI in the provider VPC. It receives the endpoint ENIs' listening sockets, created
 * in the consumer namespaces (`attach` with the server handle), and decides every accepted
 * connection with `decideFlow` (src/policy/flow-route.ts) over the desired state it was sent
 * (`config`) and the observed target health (`health`): refused with a reason and a RST, or
 * relayed to the chosen target from the node's address, PROXY v2 header first when the target
 * group asks. It health-checks the target groups the parent assigns to it, from the node's
 * address, and reports the verdicts. Once a second it reports counters per listener and the
 * finished flows (`report`), so the per-connection path does no IPC and no logging.
 *
 * When a config or health change makes a live flow's target unhealthy (with
 * `target_health_state.unhealthy.connection_termination`) or removes it after its deregistration
 * delay (with `deregistration_delay.connection_termination`), the flow is reset, as AWS does.
 */
import type { Server, Socket } from 'node:net';
import type { DesiredState, DesiredTargetGroup } from '../reconcile/desired-state.js';
import type { TargetHealthObservation } from '../reconcile/status.js';
import { compileNodeRoutes, decideFlow, type FlowDecision, type HealthMap, type NodeRoutes } from '../policy/flow-route.js';
import { nlbProxyV2Header } from '../wire/proxy-v2.js';
import type { FlowRecord, ListenerCounters, RefusalStage } from './flow-record.js';
import { HealthChecker } from './health/checker.js';
import { IdleWheel } from './idle-wheel.js';
import { toHostAddress, toVpcAddress, type LoopbackVpc } from '../net/loopback.js';
import type { WorkerReply, WorkerRequest } from './listeners.js';
import { Relay, type Flow, type RouteDecision } from './relay.js';

interface Meta {
  /** The source port bound towards the target (released when the flow ends). */
  localPort?: number;
  listenerId: string;
  client: Socket;
  startMs: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  decision?: FlowDecision;
  /** Bytes already counted in a report. */
  seenIn: number;
  seenOut: number;
}

const REPORT_MS = 1000;
const MAX_FLOW_RECORDS = 20_000;

function send(msg: WorkerReply): void {
  if (process.connected) process.send?.(msg);
}

let desired: DesiredState | undefined;
let health: HealthMap = {};
let nodeEniId = '';
let healthGroups: string[] = [];
let routes: NodeRoutes | undefined;
const listeners = new Map<string, Server>();
const counters = new Map<string, ListenerCounters>();
let records: FlowRecord[] = [];
let droppedRecords = 0;

function countersOf(id: string): ListenerCounters {
  let c = counters.get(id);
  if (!c) {
    c = { listenerId: id, newFlows: 0, refused: {}, endedFlows: 0, activeFlows: 0, bytesIn: 0, bytesOut: 0, clientResets: 0, targetResets: 0, elbResets: 0 };
    counters.set(id, c);
  }
  return c;
}

/**
 * Source ports towards targets, chosen here (see RouteDecision.localPort): this worker's share of
 * PORT_LO..PORT_HI (port % count === index, so the node's processes never pick the same one),
 * round robin, skipping ports its live flows hold. TIME_WAIT tuples are reused by the kernel
 * (tcp_tw_reuse in the VPC namespace); the range stays below the ephemeral one so a health
 * check's fresh TIME_WAIT tuple (not reusable for a second) never collides (EADDRNOTAVAIL).
 */
const PORT_LO = 1024;
/** Below the kernel's ephemeral range (32768–60999), which health checks and other connects from the node's address use. */
const PORT_HI = 32_767;
const WORKER_INDEX = Number(process.env.UNDERPASS_WORKER_INDEX ?? 0);
const WORKER_COUNT = Math.max(1, Number(process.env.UNDERPASS_WORKER_COUNT ?? 1));
const portsInUse = new Set<number>();
let nextPortSlot = Math.floor(Math.random() * ((PORT_HI - PORT_LO) / WORKER_COUNT));

function takePort(): number | undefined {
  const slots = Math.floor((PORT_HI - PORT_LO + 1 - WORKER_INDEX) / WORKER_COUNT);
  for (let i = 0; i < slots; i++) {
    const slot = nextPortSlot++ % slots;
    const port = PORT_LO + WORKER_INDEX + slot * WORKER_COUNT;
    if (!portsInUse.has(port)) { portsInUse.add(port); return port; }
  }
  return undefined; // every port of this share is held by a live flow: let the kernel choose
}

/** Loopback network: each VPC's block of 127.0.0.0/8 (loopback.ts); undefined with real namespaces. */
let loopback: Map<string, LoopbackVpc> | undefined;

/** A VPC address as this worker connects to or binds it. */
function hostOf(vpcId: string | undefined, ip: string): string {
  const v = loopback && vpcId ? loopback.get(vpcId) : undefined;
  return v ? (toHostAddress(v, ip) ?? ip) : ip;
}

function route(meta: Meta): RouteDecision {
  const l = routes?.listeners.get(meta.listenerId);
  if (l) {
    // The addresses the flow log and the PROXY header speak: the VPC's (the same as the socket's, except on loopback).
    const v = loopback?.get(l.vpcId);
    if (v) meta.srcIp = toVpcAddress(v, meta.srcIp) ?? meta.srcIp;
    meta.dstIp = l.eniIp;
    meta.dstPort = l.port;
  } else {
    // Only for an unknown listener: the socket's own address (a getsockname the admitted path does not pay).
    meta.dstIp = meta.client.localAddress ?? '0.0.0.0';
    meta.dstPort = meta.client.localPort ?? 0;
  }
  if (!routes) return { refuse: 'the load balancer node has no configuration yet' };
  const d = decideFlow(routes, meta.listenerId, { srcIp: meta.srcIp, srcPort: meta.srcPort });
  meta.decision = d;
  if (!d.admit) return { refuse: d.reason };
  countersOf(meta.listenerId).newFlows++;
  const nodeVpc = routes.node?.vpcId;
  const out: RouteDecision = {
    target: { host: hostOf(nodeVpc, d.target.id), port: d.target.port }, localAddress: hostOf(nodeVpc, d.localAddress), idleTimeoutMs: d.idleTimeoutMs,
  };
  const port = takePort();
  if (port !== undefined) { out.localPort = port; meta.localPort = port; }
  if (d.proxyProtocolV2) {
    out.header = nlbProxyV2Header({
      source: { address: meta.srcIp, port: meta.srcPort },
      destination: { address: meta.dstIp, port: meta.dstPort },
      vpceId: d.endpointId,
    });
  }
  return out;
}

/** Why a flow counts as refused: the decision's stage, a routing failure, or a target that never answered. */
function stageOf(connected: boolean, d: FlowDecision | undefined): RefusalStage | undefined {
  if (d && !d.admit) return d.stage;
  if (!d) return 'internal';
  if (!connected) return 'target-refused';
  return undefined;
}

const relay = new Relay<Meta>({
  route,
  wheel: new IdleWheel(),
  connectTimeoutMs: 10_000,
  onFlowEnd(end) {
    const m = end.meta;
    if (m.localPort !== undefined) portsInUse.delete(m.localPort);
    const c = countersOf(m.listenerId);
    const stage = stageOf(end.connected, m.decision);
    if (m.decision?.admit) {
      c.endedFlows++;
      c.bytesIn += end.bytesIn - m.seenIn;
      c.bytesOut += end.bytesOut - m.seenOut;
      if (end.reason === 'client reset') c.clientResets++;
      else if (end.reason === 'target reset') c.targetResets++;
      else if (end.reason !== 'closed' && !end.reason.startsWith('client') && !end.reason.startsWith('target')) c.elbResets++;
    }
    if (stage) {
      c.refused[stage] = (c.refused[stage] ?? 0) + 1;
      if (stage === 'target-refused') c.elbResets++; // the client is reset for the target's refusal
    }
    if (records.length >= MAX_FLOW_RECORDS) { droppedRecords++; return; }
    const t = m.decision?.admit ? m.decision.target : undefined;
    records.push({
      listenerId: m.listenerId, srcIp: m.srcIp, srcPort: m.srcPort, dstIp: m.dstIp, dstPort: m.dstPort,
      ...(t ? { targetIp: t.id, targetPort: t.port } : {}),
      startMs: m.startMs, endMs: Date.now(), bytesIn: end.bytesIn, bytesOut: end.bytesOut,
      action: stage ? 'REJECT' : 'ACCEPT', ...(stage ? { stage } : {}), reason: end.reason, connected: end.connected,
    });
  },
});

function report(): void {
  const out: ListenerCounters[] = [];
  const active = new Map<string, number>();
  for (const f of relay.flows) {
    const m = f.meta;
    active.set(m.listenerId, (active.get(m.listenerId) ?? 0) + 1);
    const inNow = f.bytesIn;
    const outNow = f.bytesOut;
    if (inNow !== m.seenIn || outNow !== m.seenOut) {
      const c = countersOf(m.listenerId);
      c.bytesIn += inNow - m.seenIn;
      c.bytesOut += outNow - m.seenOut;
      m.seenIn = inNow;
      m.seenOut = outNow;
    }
  }
  for (const id of new Set([...counters.keys(), ...active.keys()])) {
    const c = countersOf(id);
    c.activeFlows = active.get(id) ?? 0;
    out.push(c);
  }
  counters.clear();
  const changed = out.filter((c) => c.newFlows || c.endedFlows || c.bytesIn || c.bytesOut || c.activeFlows || Object.keys(c.refused).length || c.clientResets || c.targetResets || c.elbResets || listeners.has(c.listenerId));
  if (changed.length === 0 && records.length === 0 && droppedRecords === 0) return;
  send({ type: 'report', counters: changed, flows: records, droppedFlows: droppedRecords });
  records = [];
  droppedRecords = 0;
}

/** Resets live flows whose target became unhealthy or was removed, where the target group says so. */
function enforceTargets(): void {
  if (!routes) return;
  const r = routes;
  relay.terminate((f: Flow<Meta>) => {
    const d = f.meta.decision;
    if (!d?.admit) return false;
    const l = r.listeners.get(f.meta.listenerId);
    const tg = l?.targetGroup;
    if (!l || !tg) return false; // listener removal is handled by detach
    const t = tg.targets.find((x) => x.id === d.target.id && x.port === d.target.port);
    if (!t) return tg.connectionTermination;
    return t.health === 'unhealthy' && tg.unhealthyConnectionTermination;
  }, 'target unhealthy or deregistered');
}

function recompile(): void {
  if (!desired) return;
  routes = compileNodeRoutes(desired, health, nodeEniId);
  enforceTargets();
}

const checker = new HealthChecker({
  onObservation: (o: TargetHealthObservation) => send({ type: 'health', observations: [o] }),
  resolveAddress: (tg, t) => ({ host: hostOf(tg.vpcId, t.id), ...(routes?.node ? { localAddress: hostOf(routes.node.vpcId, routes.node.ip) } : {}) }),
  onError: (err, key) => console.error(`node-worker: health check ${key}:`, err),
  ...(process.env.UNDERPASS_HEALTH_INTERVAL_MS ? { intervalOverrideMs: Number(process.env.UNDERPASS_HEALTH_INTERVAL_MS) } : {}),
});

function reconcileChecks(): void {
  if (!desired) return;
  const mine = new Set(healthGroups);
  const groups: DesiredTargetGroup[] = desired.targetGroups.filter((g) => mine.has(g.arn));
  checker.reconcile(groups);
}

function attach(id: string, server: Server | undefined): void {
  if (!server) { send({ type: 'error', id, message: 'no server handle received' }); return; }
  if (listeners.has(id)) { server.close(); send({ type: 'error', id, message: 'listener id already attached' }); return; }
  listeners.set(id, server);
  server.on('connection', (client: Socket) => {
    // dstIp/dstPort are filled in by route (from the listener: no getsockname per connection).
    relay.handle(client, {
      listenerId: id, client, startMs: Date.now(), srcIp: client.remoteAddress ?? '0.0.0.0', srcPort: client.remotePort ?? 0,
      dstIp: '0.0.0.0', dstPort: 0, seenIn: 0, seenOut: 0,
    });
  });
  server.on('error', (err) => console.error(`node-worker: listener ${id}:`, err));
  send({ type: 'attached', id });
}

function detach(id: string, resetFlows: boolean, reason: string): void {
  const server = listeners.get(id);
  if (!server) { send({ type: 'error', id, message: 'no such listener' }); return; }
  listeners.delete(id);
  const reset = resetFlows ? relay.terminate((f) => f.meta.listenerId === id, reason) : 0;
  server.close(() => send({ type: 'detached', id, reset }));
}

function main(): void {
  if (!process.send) {
    process.stderr.write('node-worker: must be started with an IPC channel\n');
    process.exit(2);
  }
  process.on('message', (raw: unknown, handle: unknown) => {
    const m = raw as WorkerRequest;
    switch (m?.type) {
      case 'config':
        desired = m.desired;
        health = m.health;
        nodeEniId = m.nodeEniId;
        healthGroups = m.healthGroups;
        loopback = m.loopback ? new Map(m.loopback.map((v) => [v.vpcId, v])) : undefined;
        recompile();
        reconcileChecks();
        send({ type: 'configured', version: m.desired.version });
        break;
      case 'health':
        health = m.health;
        recompile();
        break;
      case 'attach': attach(m.id, handle as Server | undefined); break;
      case 'detach': detach(m.id, m.resetFlows ?? false, m.reason ?? 'listener removed'); break;
      case 'exit': process.disconnect(); break;
    }
  });
  process.on('disconnect', () => {
    checker.stop();
    process.exit(0);
  });
  setInterval(report, REPORT_MS).unref();
  send({ type: 'ready', pid: process.pid });
}

main();
