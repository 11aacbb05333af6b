/**
 * The bench's own TCP load generators and echo server, small enough to trust: a 64-byte
 * ping-pong (round-trip times), short connections at bounded concurrency (new connections/s),
 * and N held idle flows (memory per flow). Every load is bounded in count and in time and counts
 * the bytes it sent and got back, so a test can check bytes through equal bytes sent. They run
 * in-process (tests, on loopback) or as `bench/tools/load.ts` inside a namespace.
 */
import net from 'node:net';

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

const PROXY_V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/**
 * Consumes a PROXY v2 header (signature, then 16 + length bytes) from the start of `s`, then calls
 * `then` with what followed it; destroys the connection when the header is missing.
 */
function afterProxyV2(s: net.Socket, then: (rest: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    const n = Math.min(buf.length, 12);
    if (!buf.subarray(0, n).equals(PROXY_V2_SIGNATURE.subarray(0, n))) { s.destroy(); return; }
    if (buf.length < 16) return;
    const total = 16 + buf.readUInt16BE(14);
    if (buf.length < total) return;
    s.off('data', onData);
    s.pause();
    then(buf.subarray(total));
  };
  s.on('data', onData);
}

/**
 * An echo server (every byte back, half-close honoured) on host:port (0: any free port). With
 * `proxyV2`, each connection must start with a PROXY v2 header, which is consumed (not echoed);
 * a connection without one is closed.
 */
export function startEchoServer(host: string, port: number, opts: { proxyV2?: boolean } = {}): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    if (!opts.proxyV2) { s.pipe(s); return; }
    afterProxyV2(s, (rest) => {
      if (rest.length) s.write(rest);
      s.pipe(s);
      s.resume();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
      });
    });
  });
}

export interface PingPongResult {
  rounds: number;
  /** Round-trip times in µs, one per round. */
  rttUs: number[];
  bytesSent: number;
  bytesReceived: number;
  /** True when every byte received equals the byte sent at that offset. */
  intact: boolean;
}

/**
 * One connection; `rounds` times: write `size` bytes, wait for all of them back, record the time.
 * Rejects on error or after `timeoutMs` overall.
 */
export function pingPong(opts: { host: string; port: number; rounds: number; size?: number; timeoutMs: number; warmup?: number }): Promise<PingPongResult> {
  const size = opts.size ?? 64;
  const warmup = opts.warmup ?? Math.min(100, Math.floor(opts.rounds / 10));
  const total = opts.rounds + warmup;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: opts.host, port: opts.port, noDelay: true });
    const rtt: number[] = [];
    let round = 0;
    let got = 0;
    let sent = 0;
    let received = 0;
    let intact = true;
    let t0 = 0n;
    const payload = (r: number) => Buffer.alloc(size, 33 + (r % 90));
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`ping-pong: ${round}/${total} rounds after ${opts.timeoutMs} ms`)); }, opts.timeoutMs);
    const send = () => { t0 = process.hrtime.bigint(); const p = payload(round); sent += p.length; s.write(p); };
    s.on('connect', send);
    s.on('data', (d: Buffer) => {
      received += d.length;
      const want = 33 + (round % 90);
      for (const byte of d) if (byte !== want) intact = false;
      got += d.length;
      if (got < size) return;
      if (got > size) intact = false;
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (round >= warmup) rtt.push(us);
      round++;
      got = 0;
      if (round < total) send();
      else {
        clearTimeout(timer);
        s.end();
        resolve({ rounds: rtt.length, rttUs: rtt, bytesSent: sent, bytesReceived: received, intact });
      }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

export interface ConnectionRateResult {
  completed: number;
  failed: number;
  seconds: number;
  perSecond: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * Short connections, at most `concurrency` at once, for `durationMs` or `maxConnections`,
 * whichever comes first: each connects, writes `size` bytes, reads them back, closes. A
 * connection that fails, or does not finish within `perConnTimeoutMs`, counts as failed.
 */
export function connectionRate(opts: {
  host: string; port: number; durationMs: number; concurrency: number; maxConnections: number; size?: number; perConnTimeoutMs?: number;
}): Promise<ConnectionRateResult> {
  const size = opts.size ?? 64;
  const payload = Buffer.alloc(size, 0x61);
  const perConn = opts.perConnTimeoutMs ?? 5000;
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const stopAt = Date.now() + opts.durationMs;
    let started = 0;
    let inflight = 0;
    let completed = 0;
    let failed = 0;
    let sent = 0;
    let received = 0;
    let finished = false;
    const finish = () => {
      if (finished || inflight > 0) return;
      finished = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolve({ completed, failed, seconds, perSecond: completed / seconds, bytesSent: sent, bytesReceived: received });
    };
    const one = () => {
      started++;
      inflight++;
      let got = 0;
      let settled = false;
      const s = net.connect({ host: opts.host, port: opts.port, noDelay: true });
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(t);
        inflight--;
        if (ok) completed++; else failed++;
        s.destroy();
        next();
      };
      const t = setTimeout(() => settle(false), perConn);
      s.on('connect', () => { sent += size; s.end(payload); });
      s.on('data', (d: Buffer) => { got += d.length; received += d.length; });
      s.on('end', () => settle(got === size));
      s.on('error', () => settle(false));
      s.on('close', () => settle(got === size));
    };
    const next = () => {
      while (inflight < opts.concurrency && started < opts.maxConnections && Date.now() < stopAt) one();
      if (inflight === 0) finish();
    };
    next();
  });
}

export interface HeldFlows {
  open: number;
  failed: number;
  close(): void;
}

/**
 * Opens `count` connections (at most `concurrency` connecting at once), each echoing one byte
 * before it counts as open, and holds them idle until `close()`. Resolves once all are settled or
 * after `timeoutMs` (with what is open by then).
 */
export function holdFlows(opts: { host: string; port: number; count: number; concurrency?: number; timeoutMs: number }): Promise<HeldFlows> {
  const concurrency = opts.concurrency ?? 200;
  const sockets: net.Socket[] = [];
  return new Promise((resolve) => {
    let started = 0;
    let inflight = 0;
    let open = 0;
    let failed = 0;
    let done = false;
    const result = (): HeldFlows => ({ open, failed, close: () => { for (const s of sockets) s.destroy(); } });
    const timer = setTimeout(() => { done = true; resolve(result()); }, opts.timeoutMs);
    const next = () => {
      while (!done && inflight < concurrency && started < opts.count) {
        started++;
        inflight++;
        const s = net.connect({ host: opts.host, port: opts.port });
        sockets.push(s);
        let settled = false;
        const settle = (ok: boolean) => {
          if (settled) return;
          settled = true;
          inflight--;
          if (ok) open++; else failed++;
          if (open + failed === opts.count && !done) { done = true; clearTimeout(timer); resolve(result()); }
          next();
        };
        s.on('connect', () => s.write('x'));
        s.once('data', () => settle(true));
        s.on('error', () => settle(false));
        s.on('close', () => settle(false));
      }
    };
    next();
  });
}
