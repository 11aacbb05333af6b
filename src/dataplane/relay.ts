/**
 * The relay core: one accepted client socket → one target connection, one userspace hop.
 * Per connection: route (or refuse with a reason and a RST), connect (optionally from the NLB
 * node's address, bounded by the connect timeout), PROXY v2 header first, then bytes both ways
 * with back-pressure and half-close; a reset on either side resets the other; the idle wheel ends
 * idle flows; `terminate` resets established flows on demand. Per flow there is one `Flow`
 * object; the socket listeners are shared functions that find it through a WeakMap.
 */
import { connect as netConnect, type Socket, type TcpNetConnectOpts } from 'node:net';
import { DEFAULT_IDLE_TIMEOUT_MS, type IdleFlow, type IdleWheel } from './idle-wheel.js';

export interface TargetAddress { host: string; port: number }

/** What `route` decides for a new connection. */
export type RouteDecision =
  | {
    target: TargetAddress;
    /** Bind the outgoing connection to this address (the NLB node's): targets see it as source. */
    localAddress?: string;
    /**
     * With `localAddress`: bind this port too. Choosing it here is O(1); a kernel-chosen port for a
     * bound address (bind to port 0 before connect) gets slower as the ports of that address fill.
     */
    localPort?: number;
    /** Bytes written to the target before any client byte (a PROXY v2 header). */
    header?: Buffer;
    /** Default 350 s (NLB). */
    idleTimeoutMs?: number;
    refuse?: undefined;
  }
  | { refuse: string; target?: undefined };

/** Reported once per handled connection, refused ones included. */
export interface FlowEnd<M> {
  meta: M;
  /** 'closed' for a normal end (both sides closed), else why it ended or was refused. */
  reason: string;
  /** Whether the target connection was ever established. */
  connected: boolean;
  /** Bytes read from the client (towards the target; the PROXY header not included). */
  bytesIn: number;
  /** Bytes read from the target (towards the client). */
  bytesOut: number;
  durationMs: number;
  target?: TargetAddress;
}

export type ConnectFn = (opts: TcpNetConnectOpts) => Socket;

export interface RelayOptions<M> {
  /** Synchronous: called once per connection. A throw refuses it with reason 'route error: …'. */
  route(meta: M): RouteDecision;
  wheel: IdleWheel;
  /** Must not throw. */
  onFlowEnd?(end: FlowEnd<M>): void;
  /** Bound on establishing the target connection (checked by the wheel, so up to one tick late). */
  connectTimeoutMs: number; // e.g. 10_000
  /** Tests inject a connect that never completes; default `net.connect`. */
  connect?: ConnectFn;
}

const CONNECTED = 1;
const CLIENT_CLOSED = 2;
const TARGET_CLOSED = 4;
const DONE = 8;
/** The target socket is corked until it connects (a PROXY v2 header goes out with the first client bytes). */
const CORKED = 16;

/** Socket → its flow, for the shared listeners (no closure per flow or event). */
const flowOf = new WeakMap<Socket, Flow<unknown>>();

/** One relayed connection. Fields are read-only outside this module. */
export class Flow<M> implements IdleFlow {
  idleTimeoutMs: number;
  lastActive = 0;
  idleSlot = -1;
  state = 0;
  reason: string | undefined;
  readonly startedAt: number;
  readonly upstream: Socket;

  constructor(
    readonly relay: Relay<M>,
    readonly meta: M,
    readonly client: Socket,
    readonly target: TargetAddress,
    upstream: Socket,
    readonly pendingIdleTimeoutMs: number,
  ) {
    this.upstream = upstream;
    this.startedAt = relay.wheel.now();
    this.idleTimeoutMs = relay.connectTimeoutMs;
  }

  get connected(): boolean { return (this.state & CONNECTED) !== 0; }
  get bytesIn(): number { return this.client.bytesRead ?? 0; }
  get bytesOut(): number { return this.upstream.bytesRead ?? 0; }

  /** Called by the wheel: idle timeout once connected, connect timeout before. */
  expire(reason: string): void {
    this.abort(this.state & CONNECTED ? reason : 'connect timeout');
  }

  /** Reset both sides (RST where connected); the first reason given wins. */
  abort(reason: string): void {
    if (this.reason === undefined) this.reason = reason;
    reset(this.client);
    reset(this.upstream);
  }

  finish(): void {
    if (this.state & DONE) return;
    this.state |= DONE;
    this.relay.forget(this);
  }
}

/** RST a connected socket; a socket still connecting is just closed (resetAndDestroy would wait for the connect). */
function reset(s: Socket): void {
  if (s.destroyed) return;
  if (s.pending) s.destroy();
  else s.resetAndDestroy();
}

function errorReason(side: 'client' | 'target', err: NodeJS.ErrnoException, connected: boolean): string {
  const code = err.code;
  if (side === 'target' && !connected) {
    if (code === 'ECONNREFUSED') return 'target refused';
    if (code === 'ETIMEDOUT') return 'connect timeout';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'target unreachable';
    return `target connect error: ${code ?? err.message}`;
  }
  if (code === 'ECONNRESET') return `${side} reset`;
  if (code === 'EPIPE') return `${side} closed`;
  return `${side} error: ${code ?? err.message}`;
}

function peerOf(f: Flow<unknown>, s: Socket): Socket {
  return s === f.client ? f.upstream : f.client;
}

function onData(this: Socket, chunk: Buffer): void {
  const f = flowOf.get(this);
  if (!f) return;
  if (f.state & CONNECTED) f.relay.wheel.touch(f);
  if (!peerOf(f, this).write(chunk)) this.pause();
}

function onDrain(this: Socket): void {
  const f = flowOf.get(this);
  if (f) peerOf(f, this).resume();
}

/** FIN from one side: forward it once the other side's pending writes are flushed. */
function onEnd(this: Socket): void {
  const f = flowOf.get(this);
  if (f) peerOf(f, this).end();
}

function onConnect(this: Socket): void {
  const f = flowOf.get(this);
  if (!f) return;
  f.state |= CONNECTED;
  if (f.state & CORKED) {
    f.state &= ~CORKED;
    this.uncork(); // one write (writev) for the header and the client bytes queued while connecting
  }
  f.relay.wheel.track(f, f.pendingIdleTimeoutMs);
}

function onError(this: Socket, err: NodeJS.ErrnoException): void {
  const f = flowOf.get(this);
  if (!f) return;
  f.abort(errorReason(this === f.client ? 'client' : 'target', err, (f.state & CONNECTED) !== 0));
}

function onClose(this: Socket): void {
  const f = flowOf.get(this);
  if (!f) return;
  const isClient = this === f.client;
  f.state |= isClient ? CLIENT_CLOSED : TARGET_CLOSED;
  if ((f.state & (CLIENT_CLOSED | TARGET_CLOSED)) === (CLIENT_CLOSED | TARGET_CLOSED)) {
    f.finish();
    return;
  }
  // Closed without both directions ending cleanly (e.g. destroyed): the other side cannot go on.
  if (!(this.readableEnded && this.writableFinished)) f.abort(isClient ? 'client closed' : 'target closed');
}

function listen(s: Socket): void {
  s.on('error', onError);
  s.on('close', onClose);
  s.on('end', onEnd);
  s.on('drain', onDrain);
}

function ignoreError(): void { /* a refused client's late errors have no one to tell */ }

export class Relay<M = unknown> {
  readonly wheel: IdleWheel;
  readonly connectTimeoutMs: number;
  readonly #route: RelayOptions<M>['route'];
  readonly #onFlowEnd: RelayOptions<M>['onFlowEnd'];
  readonly #connect: ConnectFn;
  readonly #flows = new Set<Flow<M>>();

  constructor(opts: RelayOptions<M>) {
    this.wheel = opts.wheel;
    this.connectTimeoutMs = opts.connectTimeoutMs;
    this.#route = opts.route;
    this.#onFlowEnd = opts.onFlowEnd;
    this.#connect = opts.connect ?? netConnect;
  }

  /** Live flows (connecting or established). */
  get flows(): ReadonlySet<Flow<M>> { return this.#flows; }

  /**
   * Take over an accepted client socket. The server should be created with `allowHalfOpen: true`
   * (it is set here too) so a client's FIN does not end the target's direction.
   */
  handle(client: Socket, meta: M): void {
    let decision: RouteDecision;
    try {
      decision = this.#route(meta);
    } catch (err) {
      decision = { refuse: `route error: ${(err as Error).message}` };
    }
    if (decision.refuse === undefined && client.destroyed) decision = { refuse: 'client closed' };
    if (decision.refuse !== undefined) {
      client.on('error', ignoreError);
      reset(client);
      this.#report({ meta, reason: decision.refuse, connected: false, bytesIn: 0, bytesOut: 0, durationMs: 0 });
      return;
    }
    const { target } = decision;
    let upstream: Socket;
    const opts: TcpNetConnectOpts = { host: target.host, port: target.port, localAddress: decision.localAddress, noDelay: true, allowHalfOpen: true };
    if (decision.localPort) opts.localPort = decision.localPort;
    try {
      upstream = this.#connect(opts);
    } catch (err) {
      // Invalid port or local address: net.connect throws synchronously.
      client.on('error', ignoreError);
      reset(client);
      this.#report({ meta, reason: `target connect error: ${(err as Error).message}`, connected: false, bytesIn: 0, bytesOut: 0, durationMs: 0, target });
      return;
    }
    client.allowHalfOpen = true;
    client.setNoDelay(true);
    const flow = new Flow<M>(this, meta, client, target, upstream, decision.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    this.#flows.add(flow);
    flowOf.set(client, flow as Flow<unknown>);
    flowOf.set(upstream, flow as Flow<unknown>);
    this.wheel.track(flow);
    // Header first: writes before the connect completes are queued in order. Corked, the header
    // and the client bytes that arrive meanwhile leave in one write once connected (uncorked in
    // onConnect, or by end() on an early FIN): the same bytes, one segment fewer.
    if (decision.header) {
      upstream.cork();
      flow.state |= CORKED;
      upstream.write(decision.header);
    }
    upstream.on('connect', onConnect);
    listen(client);
    listen(upstream);
    // Client bytes queue in the target socket while it connects: beyond its high-water mark
    // write() returns false and the client is paused until 'drain' (bounded buffering).
    client.on('data', onData);
    upstream.on('data', onData);
  }

  /** Reset every live flow matching `filter` with `reason`; returns how many. */
  terminate(filter: (flow: Flow<M>) => boolean, reason: string): number {
    let n = 0;
    for (const flow of this.#flows) {
      if (flow.reason === undefined && filter(flow)) { flow.abort(reason); n++; }
    }
    return n;
  }

  /** Reports a flow's end; a throwing callback must not take the data plane down with it. */
  #report(end: FlowEnd<M>): void {
    try {
      this.#onFlowEnd?.(end);
    } catch (e) {
      console.error('underpass: onFlowEnd callback failed', e);
    }
  }

  /** @internal Called once by a flow when both its sockets have closed. */
  forget(flow: Flow<M>): void {
    this.#flows.delete(flow);
    this.wheel.untrack(flow);
    this.#report({
      meta: flow.meta,
      reason: flow.reason ?? 'closed',
      connected: flow.connected,
      bytesIn: flow.bytesIn,
      bytesOut: flow.bytesOut,
      durationMs: this.wheel.now() - flow.startedAt,
      target: flow.target,
    });
  }
}
