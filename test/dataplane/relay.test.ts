/**
 * The relay core over loopback (127.0.0.1 only): small node:net targets per test, a relay front
 * server, a fake-clock idle wheel driven by hand. Every wait is bounded; every socket and server is
 * closed in t.after.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net, { type Server, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { IdleWheel, type Scheduler } from '../../src/dataplane/idle-wheel.js';
import { Relay, type ConnectFn, type FlowEnd, type RouteDecision } from '../../src/dataplane/relay.js';
import { decodeProxyV2, nlbProxyV2Header } from '../../src/wire/proxy-v2.js';

const HOST = '127.0.0.1';
const VPCE = 'vpce-0a1b2c3d4e5f60718';

interface Meta { remoteAddress: string; remotePort: number; localAddress: string; localPort: number; tag?: string }

/** Reject when `p` has not settled within `ms`. */
function within<T>(ms: number, p: Promise<T>, what = 'operation'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Poll `cond` every 5 ms for at most `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Listen on 127.0.0.1:0; the server and every socket it accepted are destroyed in t.after. */
async function serve(t: TestContext, onConn: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => { /* asserted through the test's own handlers */ });
    onConn(s);
  });
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  await within(2000, new Promise<void>((r) => server.listen(0, HOST, r)), 'listen');
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

const echo = (s: Socket) => { s.pipe(s); };

class FakeScheduler implements Scheduler {
  setInterval(): unknown { return 1; }
  clearInterval(): void { /* nothing scheduled */ }
}

/** A relay on a front server; the wheel runs on a clock the test advances (`advance`). */
async function relayFor(t: TestContext, route: (m: Meta) => RouteDecision, extra: { connect?: ConnectFn; connectTimeoutMs?: number } = {}) {
  let skew = 0;
  const wheel = new IdleWheel({ tickMs: 1000, clock: { now: () => performance.now() + skew }, scheduler: new FakeScheduler() });
  t.after(() => wheel.close());
  const ends: FlowEnd<Meta>[] = [];
  const relay = new Relay<Meta>({ route, wheel, connectTimeoutMs: extra.connectTimeoutMs ?? 10_000, onFlowEnd: (e) => ends.push(e), connect: extra.connect });
  const front = await serve(t, (s) => relay.handle(s, {
    remoteAddress: s.remoteAddress!, remotePort: s.remotePort!, localAddress: s.localAddress!, localPort: s.localPort!,
  }));
  t.after(() => relay.terminate(() => true, 'test over'));
  const advance = (ms: number) => { skew += ms; return wheel.tick(); };
  return { relay, wheel, ends, port: front.port, advance };
}

/** A connected client socket, destroyed in t.after. */
async function client(t: TestContext, port: number): Promise<Socket> {
  const s = net.connect({ host: HOST, port, allowHalfOpen: true });
  t.after(() => s.destroy());
  await within(2000, new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); }), 'client connect');
  return s;
}

/** Everything a socket reads until its end, and how it closed (error code or 'end'). */
function collect(s: Socket): Promise<{ data: Buffer; how: string }> {
  const chunks: Buffer[] = [];
  let how = 'close';
  s.on('data', (c: Buffer) => chunks.push(c));
  s.on('end', () => { how = 'end'; });
  s.on('error', (e: NodeJS.ErrnoException) => { how = e.code ?? e.message; });
  return new Promise((r) => s.on('close', () => r({ data: Buffer.concat(chunks), how })));
}

const to = (port: number, more: Partial<Extract<RouteDecision, { target: object }>> = {}) => (): RouteDecision => ({ target: { host: HOST, port }, ...more });

describe('Relay', () => {
  it('carries bytes both ways unchanged and reports the flow once both sides closed', async (t) => {
    const target = await serve(t, echo);
    const seen: string[] = [];
    const connect: ConnectFn = (o) => { seen.push(`${o.localAddress}`); return net.connect(o); };
    const { relay, ends, port } = await relayFor(t, to(target.port, { localAddress: HOST }), { connect });
    const c = await client(t, port);
    const got = collect(c);
    c.write('hello, ');
    c.end('target');
    const { data, how } = await within(3000, got, 'echo');
    assert.equal(data.toString(), 'hello, target');
    assert.equal(how, 'end');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(relay.flows.size, 0);
    assert.deepEqual(seen, [HOST], 'the outgoing connection is bound to the route\'s localAddress');
    const e = ends[0]!;
    assert.equal(e.reason, 'closed');
    assert.equal(e.connected, true);
    assert.equal(e.bytesIn, 13);
    assert.equal(e.bytesOut, 13);
    assert.deepEqual(e.target, { host: HOST, port: target.port });
    assert.ok(e.durationMs >= 0 && e.durationMs < 3000);
  });

  it('8 MiB each way through a stalled, then slow-reading client: back-pressure keeps the relay\'s buffers small', async (t) => {
    const target = await serve(t, echo);
    const { relay, ends, port } = await relayFor(t, to(target.port));
    const c = await client(t, port);
    const payload = randomBytes(8 * 1024 * 1024);
    const hash = createHash('sha256');
    let received = 0;
    let peakRelay = 0;
    const sample = () => {
      for (const f of relay.flows) {
        const held = f.client.writableLength + f.client.readableLength + f.upstream.writableLength + f.upstream.readableLength;
        peakRelay = Math.max(peakRelay, held);
      }
    };
    const sampler = setInterval(sample, 2);
    t.after(() => clearInterval(sampler));
    c.pause();
    c.end(payload);
    // Stalled reader: the kernel buffers fill, then the relay must stop reading (an unpaused
    // relay holds megabytes here).
    await new Promise((r) => setTimeout(r, 300));
    sample();
    const stalledPeak = peakRelay;
    const done = new Promise<void>((resolve, reject) => {
      c.on('error', reject);
      c.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        c.pause(); // a slow reader: at most one chunk per 2 ms
        setTimeout(() => c.resume(), 2);
      });
      c.on('end', resolve);
    });
    c.resume();
    await within(15_000, done, '8 MiB echo');
    clearInterval(sampler);
    assert.equal(received, payload.length);
    assert.equal(hash.digest('hex'), createHash('sha256').update(payload).digest('hex'));
    assert.ok(stalledPeak > 0, 'the relay was sampled while holding data');
    assert.ok(peakRelay < 1024 * 1024, `the relay held at most ${peakRelay} bytes in its socket buffers`);
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.bytesIn, payload.length);
    assert.equal(ends[0]!.bytesOut, payload.length);
  });

  it('writes the PROXY v2 header first, with the client address and the endpoint id', async (t) => {
    const chunks: Buffer[] = [];
    let gotEnd!: () => void;
    const ended = new Promise<void>((r) => { gotEnd = r; });
    const target = await serve(t, (s) => { s.on('data', (c: Buffer) => chunks.push(c)); s.on('end', () => { gotEnd(); s.end(); }); });
    const { port } = await relayFor(t, (m) => ({
      target: { host: HOST, port: target.port },
      header: nlbProxyV2Header({ source: { address: m.remoteAddress, port: m.remotePort }, destination: { address: m.localAddress, port: m.localPort }, vpceId: VPCE }),
    }));
    const c = await client(t, port);
    c.on('error', () => {});
    c.end('GET / HTTP/1.0\r\n\r\n');
    await within(3000, ended, 'target sees the end');
    const all = Buffer.concat(chunks);
    const r = decodeProxyV2(all);
    assert.ok(r.header, 'a complete PROXY v2 header');
    assert.equal(r.header.command, 'PROXY');
    assert.deepEqual(r.header.source, { address: c.localAddress, port: c.localPort });
    assert.deepEqual(r.header.destination, { address: HOST, port });
    assert.equal(r.header.vpceId, VPCE);
    assert.equal(all.subarray(r.length).toString(), 'GET / HTTP/1.0\r\n\r\n');
  });

  it('sends the PROXY v2 header on connect when the client says nothing (server-first protocols), then the client bytes', async (t) => {
    const chunks: Buffer[] = [];
    let headerSeen!: () => void;
    const seen = new Promise<void>((r) => { headerSeen = r; });
    const target = await serve(t, (s) => {
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        if (decodeProxyV2(Buffer.concat(chunks)).header) headerSeen();
      });
      s.on('end', () => s.end());
    });
    const { port } = await relayFor(t, (m) => ({
      target: { host: HOST, port: target.port },
      header: nlbProxyV2Header({ source: { address: m.remoteAddress, port: m.remotePort }, destination: { address: m.localAddress, port: m.localPort }, vpceId: VPCE }),
    }));
    const c = await client(t, port);
    c.on('error', () => {});
    await within(3000, seen, 'the header alone reaches the target');
    const expected = nlbProxyV2Header({ source: { address: c.localAddress!, port: c.localPort! }, destination: { address: HOST, port }, vpceId: VPCE });
    assert.deepEqual(Buffer.concat(chunks), expected, 'exactly the header, nothing else yet');
    c.end('later');
    await until(() => Buffer.concat(chunks).length === expected.length + 5, 3000, 'client bytes after the header');
    assert.equal(Buffer.concat(chunks).subarray(expected.length).toString(), 'later');
  });

  it('a refusal resets the client and reports the reason; a throwing route refuses too', async (t) => {
    const routes = [() => ({ refuse: 'security group sg-0123 does not allow 127.0.0.1 to port 80' }), () => { throw new Error('no listener table'); }];
    let i = 0;
    const { relay, ends, port } = await relayFor(t, () => routes[i++]!());
    for (const expected of ['security group sg-0123 does not allow 127.0.0.1 to port 80', 'route error: no listener table']) {
      // The RST may beat the connect callback: do not wait for 'connect'.
      const c = net.connect({ host: HOST, port });
      t.after(() => c.destroy());
      const got = collect(c);
      c.write('anything');
      const { data, how } = await within(3000, got, 'client closes');
      assert.equal(how, 'ECONNRESET');
      assert.equal(data.length, 0);
      await until(() => ends.some((e) => e.reason === expected), 2000, 'refusal reported');
    }
    assert.deepEqual(ends.map((e) => [e.connected, e.bytesIn, e.bytesOut, e.target]), [[false, 0, 0, undefined], [false, 0, 0, undefined]]);
    assert.equal(relay.flows.size, 0);
  });

  it('a route naming an impossible target (port 70000) resets the client instead of throwing', async (t) => {
    const { relay, ends, port } = await relayFor(t, to(70_000));
    const c = net.connect({ host: HOST, port });
    t.after(() => c.destroy());
    const { how } = await within(3000, collect(c), 'client reset');
    assert.equal(how, 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.match(ends[0]!.reason, /^target connect error: .*70000/);
    assert.equal(relay.flows.size, 0);
  });

  it('a closed target port resets the client with reason "target refused"', async (t) => {
    const gone = await serve(t, echo);
    await within(2000, new Promise((r) => gone.server.close(r)), 'close');
    const { relay, ends, port } = await relayFor(t, to(gone.port));
    const c = await client(t, port);
    const got = collect(c);
    c.write('hello');
    const { how } = await within(3000, got, 'client reset');
    assert.equal(how, 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'target refused');
    assert.equal(ends[0]!.connected, false);
    assert.equal(relay.flows.size, 0);
  });

  it('a target that never answers the connect: reset after connectTimeoutMs, reason "connect timeout"', async (t) => {
    const hung: Socket[] = [];
    // A socket whose connect never completes (no real SYN leaves: traffic stays on loopback).
    const connect: ConnectFn = () => { const s = new net.Socket(); Object.assign(s, { connecting: true }); hung.push(s); return s; };
    const { relay, ends, port, advance } = await relayFor(t, to(9), { connect, connectTimeoutMs: 5000 });
    const c = await client(t, port);
    const got = collect(c);
    c.write(Buffer.alloc(4 * 1024 * 1024, 1)); // sent while the target connection is pending
    await until(() => relay.flows.size === 1, 2000, 'flow registered');
    await new Promise((r) => setTimeout(r, 200));
    const f = [...relay.flows][0]!;
    const held = f.upstream.writableLength + f.client.readableLength;
    assert.ok(held > 0 && held < 1024 * 1024, `bytes held for the pending target: ${held} (bounded: the client is paused)`);
    assert.equal(advance(3000), 0, 'not yet');
    assert.equal(advance(3000), 1, 'expired by the wheel');
    const { how } = await within(3000, got, 'client reset');
    assert.equal(how, 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'connect timeout');
    assert.ok(hung[0]!.destroyed);
    assert.equal(relay.flows.size, 0);
  });

  it('half-close: the client ends, the target keeps sending, then ends', async (t) => {
    let targetSawEnd = false;
    const target = await serve(t, (s) => {
      s.resume();
      s.on('end', () => {
        targetSawEnd = true;
        s.write('after your FIN; ');
        setTimeout(() => s.end('and done'), 30);
      });
    });
    const { ends, port } = await relayFor(t, to(target.port));
    const c = await client(t, port);
    const got = collect(c);
    c.end('request');
    const { data, how } = await within(3000, got, 'response');
    assert.ok(targetSawEnd);
    assert.equal(data.toString(), 'after your FIN; and done');
    assert.equal(how, 'end');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'closed');
  });

  it('half-close: the target ends first, the client keeps sending, then ends', async (t) => {
    const fromClient: Buffer[] = [];
    let targetDone!: () => void;
    const targetEnded = new Promise<void>((r) => { targetDone = r; });
    const target = await serve(t, (s) => {
      s.end('bye first');
      s.on('data', (c: Buffer) => fromClient.push(c));
      s.on('end', targetDone);
    });
    const { ends, port } = await relayFor(t, to(target.port));
    const c = await client(t, port);
    const got = collect(c);
    await within(3000, new Promise((r) => c.once('end', r)), 'client sees the target\'s FIN');
    c.write('still ');
    c.end('talking');
    await within(3000, targetEnded, 'target sees the client\'s FIN');
    assert.equal(Buffer.concat(fromClient).toString(), 'still talking');
    const { data } = await within(3000, got, 'client closes');
    assert.equal(data.toString(), 'bye first');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'closed');
  });

  it('a target reset mid-stream resets the client', async (t) => {
    const accepted: Socket[] = [];
    const target = await serve(t, (s) => { accepted.push(s); s.write('partial'); });
    const { ends, port } = await relayFor(t, to(target.port));
    const c = await client(t, port);
    const got = collect(c);
    await within(3000, new Promise((r) => c.once('data', r)), 'first bytes');
    accepted[0]!.resetAndDestroy();
    const { data, how } = await within(3000, got, 'client reset');
    assert.equal(data.toString(), 'partial');
    assert.equal(how, 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'target reset');
  });

  it('a client reset resets the target', async (t) => {
    let targetClosed!: (how: string) => void;
    const how = new Promise<string>((r) => { targetClosed = r; });
    const target = await serve(t, (s) => {
      let h = 'close';
      s.on('error', (e: NodeJS.ErrnoException) => { h = e.code ?? e.message; });
      s.on('end', () => { h = 'end'; });
      s.on('close', () => targetClosed(h));
      s.resume();
      s.write('hi');
    });
    const { ends, port } = await relayFor(t, to(target.port));
    const c = await client(t, port);
    c.on('error', () => {});
    await within(3000, new Promise((r) => c.once('data', r)), 'first bytes');
    c.resetAndDestroy();
    assert.equal(await within(3000, how, 'target reset'), 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'client reset');
  });

  it('idle timeout from the route resets both sides, activity postpones it', async (t) => {
    let targetHow!: (h: string) => void;
    const targetClosed = new Promise<string>((r) => { targetHow = r; });
    const target = await serve(t, (s) => {
      let h = 'close';
      s.on('error', (e: NodeJS.ErrnoException) => { h = e.code ?? e.message; });
      s.on('close', () => targetHow(h));
      s.pipe(s);
    });
    const { relay, ends, port, advance } = await relayFor(t, to(target.port, { idleTimeoutMs: 60_000 }));
    const c = await client(t, port);
    const got = collect(c);
    await until(() => [...relay.flows].some((f) => f.connected), 2000, 'connected');
    assert.equal(advance(50_000), 0);
    c.write('ping');
    await within(3000, new Promise((r) => c.once('data', r)), 'echo');
    assert.equal(advance(50_000), 0, 'the echo 50 s in restarted the idle clock');
    assert.equal(advance(11_000), 1, 'idle 61 s ≥ 60 s');
    const { how } = await within(3000, got, 'client reset');
    assert.equal(how, 'ECONNRESET');
    assert.equal(await within(3000, targetClosed, 'target reset'), 'ECONNRESET');
    await until(() => ends.length === 1, 2000, 'flow end');
    assert.equal(ends[0]!.reason, 'idle timeout');
  });

  it('terminate resets the matching established flows and leaves the others', async (t) => {
    const target = await serve(t, echo);
    const { relay, ends, port } = await relayFor(t, to(target.port));
    const clients: Socket[] = [];
    for (let i = 0; i < 3; i++) clients.push(await client(t, port));
    await until(() => relay.flows.size === 3 && [...relay.flows].every((f) => f.connected), 2000, 'three flows');
    const flows = [...relay.flows];
    const keep = flows.find((f) => f.meta.remotePort === clients[2]!.localPort)!;
    const results = clients.slice(0, 2).map(collect);
    const started = Date.now();
    assert.equal(relay.terminate((f) => f !== keep, 'endpoint vpce-1 rejected'), 2);
    for (const r of results) assert.equal((await within(1000, r, 'terminated client')).how, 'ECONNRESET');
    assert.ok(Date.now() - started < 1000);
    await until(() => ends.length === 2, 2000, 'two flow ends');
    assert.deepEqual(ends.map((e) => e.reason), ['endpoint vpce-1 rejected', 'endpoint vpce-1 rejected']);
    const k = clients[2]!;
    const echoed = collect(k);
    k.end('still here');
    assert.equal((await within(3000, echoed, 'survivor')).data.toString(), 'still here');
    await until(() => relay.flows.size === 0, 2000, 'all gone');
  });

  it('200 concurrent short flows all complete and leave no live flow behind', async (t) => {
    const target = await serve(t, echo);
    const { relay, wheel, ends, port } = await relayFor(t, to(target.port));
    const N = 200;
    const runs = Array.from({ length: N }, (_, i) => (async () => {
      const c = net.connect({ host: HOST, port, allowHalfOpen: true });
      t.after(() => c.destroy());
      const got = collect(c);
      c.end(`flow ${i}`);
      const { data } = await got;
      return data.toString() === `flow ${i}`;
    })());
    const ok = await within(10_000, Promise.all(runs), '200 flows');
    assert.equal(ok.filter(Boolean).length, N);
    await until(() => ends.length === N, 3000, 'every flow reported');
    assert.equal(relay.flows.size, 0);
    assert.equal(wheel.size, 0);
    await until(() => target.sockets.size === 0, 2000, 'every target connection closed');
    assert.ok(ends.every((e) => e.reason === 'closed' && e.bytesIn === e.bytesOut && e.bytesIn > 0));
  });
});
