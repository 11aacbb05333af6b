/**
 * The NLB-node worker program: runs INSIDE a provider VPC's namespace (started by
 * `NodeWorkerProcess`, listeners.ts, with an IPC channel), receives listening sockets created in
 * consumer namespaces (`{ type: 'attach', id, route }` with the server handle) and relays every
 * accepted connection to the route's target with the Relay: it connects natively in its own
 * namespace, from the NLB node's address when `localAddress` is given, PROXY v2 header first when
 * asked. `{ type: 'detach', id }` closes the listener (optionally resetting its flows);
 * `{ type: 'exit' }` or a parent disconnect ends the process. Each flow's end is reported as
 * `{ type: 'flow', … }` with the accept → target-connected time.
 */
import { connect as netConnect, type Server, type Socket, type TcpNetConnectOpts } from 'node:net';
import { performance } from 'node:perf_hooks';
import { nlbProxyV2Header } from '../wire/proxy-v2.js';
import { IdleWheel } from './idle-wheel.js';
import type { ListenerRoute, WorkerReply, WorkerRequest } from './listeners.js';
import { Relay, type RouteDecision } from './relay.js';

interface Meta {
  listenerId: string;
  route: ListenerRoute;
  client: Socket;
  acceptedAt: number;
  connectedAt?: number;
}

function send(msg: WorkerReply): void {
  if (process.connected) process.send?.(msg);
}

const listeners = new Map<string, { server: Server; route: ListenerRoute }>();
let connecting: Meta | undefined;

function route(meta: Meta): RouteDecision {
  const r = meta.route;
  const d: RouteDecision = { target: r.target };
  if (r.localAddress) d.localAddress = r.localAddress;
  if (r.idleTimeoutMs) d.idleTimeoutMs = r.idleTimeoutMs;
  if (r.proxyProtocol) {
    const c = meta.client;
    d.header = nlbProxyV2Header({
      source: { address: c.remoteAddress ?? '0.0.0.0', port: c.remotePort ?? 0 },
      destination: { address: c.localAddress ?? '0.0.0.0', port: c.localPort ?? 0 },
      ...(r.vpceId ? { vpceId: r.vpceId } : {}),
    });
  }
  connecting = meta;
  return d;
}

/** net.connect that notes when the target connection is up (for the accept → connect time). */
function timedConnect(opts: TcpNetConnectOpts): Socket {
  const meta = connecting;
  connecting = undefined;
  const s = netConnect(opts);
  if (meta) s.once('connect', () => { meta.connectedAt = performance.now(); });
  return s;
}

const relay = new Relay<Meta>({
  route,
  wheel: new IdleWheel(),
  connectTimeoutMs: 10_000,
  connect: timedConnect,
  onFlowEnd(end) {
    const m = end.meta;
    send({
      type: 'flow', id: m.listenerId, reason: end.reason, connected: end.connected, bytesIn: end.bytesIn, bytesOut: end.bytesOut,
      durationMs: end.durationMs, ...(m.connectedAt !== undefined ? { acceptToConnectMs: m.connectedAt - m.acceptedAt } : {}),
    });
  },
});

function attach(id: string, server: Server | undefined, r: ListenerRoute): void {
  if (!server) { send({ type: 'error', id, message: 'no server handle received' }); return; }
  if (listeners.has(id)) { server.close(); send({ type: 'error', id, message: 'listener id already attached' }); return; }
  listeners.set(id, { server, route: r });
  server.on('connection', (client: Socket) => {
    relay.handle(client, { listenerId: id, route: r, client, acceptedAt: performance.now() });
  });
  server.on('error', (err) => console.error(`node-worker: listener ${id}:`, err));
  send({ type: 'attached', id });
}

function detach(id: string, resetFlows: boolean): void {
  const l = listeners.get(id);
  if (!l) { send({ type: 'error', id, message: 'no such listener' }); return; }
  listeners.delete(id);
  const reset = resetFlows ? relay.terminate((f) => f.meta.listenerId === id, 'listener removed') : 0;
  l.server.close(() => send({ type: 'detached', id, reset }));
}

function main(): void {
  if (!process.send) {
    process.stderr.write('node-worker: must be started with an IPC channel\n');
    process.exit(2);
  }
  process.on('message', (raw: unknown, handle: unknown) => {
    const m = raw as WorkerRequest;
    if (m?.type === 'attach') attach(m.id, handle as Server | undefined, m.route);
    else if (m?.type === 'detach') detach(m.id, m.resetFlows ?? false);
    else if (m?.type === 'exit') process.disconnect();
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
}

main();
