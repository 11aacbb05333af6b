/**
 * The benchmark's own loads are honest (loopback, no namespaces): every byte sent through the
 * ping-pong, the short connections and the held flows comes back intact, and a deliberately
 * slowed path (a relay holding each chunk 1 ms) shows a lower ratio to the direct path than a
 * plain relay does. Bounded loads, tolerant comparisons, no absolute timing assertions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionRate, holdFlows, pingPong, startEchoServer } from '../../bench/lib/loads.js';
import { median, percentile } from '../../bench/lib/stats.js';
import { startRelay } from './relay.js';

describe('bench loads (loopback)', () => {
  it('ping-pong: every byte sent comes back intact, one RTT per round', async (t) => {
    const echo = await startEchoServer('127.0.0.1', 0);
    t.after(() => echo.close());
    const r = await pingPong({ host: '127.0.0.1', port: echo.port, rounds: 500, timeoutMs: 20_000 });
    assert.equal(r.rounds, 500);
    assert.equal(r.rttUs.length, 500);
    assert.equal(r.bytesReceived, r.bytesSent);
    assert.equal(r.bytesSent, (500 + 50) * 64, 'warm-up rounds included in the bytes');
    assert.ok(r.intact);
    assert.ok(r.rttUs.every((v) => v > 0));
  });

  it('short connections: each echoes its 64 bytes; bounded by count and by time', async (t) => {
    const echo = await startEchoServer('127.0.0.1', 0);
    t.after(() => echo.close());
    const byCount = await connectionRate({ host: '127.0.0.1', port: echo.port, durationMs: 20_000, concurrency: 8, maxConnections: 300 });
    assert.equal(byCount.completed, 300);
    assert.equal(byCount.failed, 0);
    assert.equal(byCount.bytesSent, 300 * 64);
    assert.equal(byCount.bytesReceived, byCount.bytesSent);
    assert.ok(byCount.perSecond > 0);
    const byTime = await connectionRate({ host: '127.0.0.1', port: echo.port, durationMs: 200, concurrency: 4, maxConnections: 1_000_000 });
    assert.ok(byTime.seconds < 5, `stopped by time (${byTime.seconds} s)`);
    assert.equal(byTime.bytesReceived, byTime.completed * 64);
  });

  it('short connections to a closed port all count as failed', async () => {
    const echo = await startEchoServer('127.0.0.1', 0);
    const port = echo.port;
    await echo.close();
    const r = await connectionRate({ host: '127.0.0.1', port, durationMs: 5000, concurrency: 4, maxConnections: 20 });
    assert.equal(r.completed, 0);
    assert.equal(r.failed, 20);
  });

  it('held flows: all open and echoing, then closed', async (t) => {
    const echo = await startEchoServer('127.0.0.1', 0);
    t.after(() => echo.close());
    const h = await holdFlows({ host: '127.0.0.1', port: echo.port, count: 200, concurrency: 50, timeoutMs: 10_000 });
    assert.equal(h.open, 200);
    assert.equal(h.failed, 0);
    h.close();
  });

  it('a slowed path (1 ms per chunk) shows a lower ratio to direct than a plain relay', async (t) => {
    const echo = await startEchoServer('127.0.0.1', 0);
    t.after(() => echo.close());
    const plain = await startRelay({ upstreamPort: echo.port, delayMs: 0 });
    t.after(() => plain.close());
    const slowed = await startRelay({ upstreamPort: echo.port, delayMs: 1 });
    t.after(() => slowed.close());
    const p50 = async (port: number) => percentile((await pingPong({ host: '127.0.0.1', port, rounds: 200, timeoutMs: 20_000 })).rttUs, 50);
    const cps = async (port: number) => (await connectionRate({ host: '127.0.0.1', port, durationMs: 400, concurrency: 1, maxConnections: 5000 })).perSecond;
    // Three alternating runs each; ratios are "speed relative to direct" (higher is better). One connection at a time,
    // so the 1 ms holds (≥ 3 per short connection) bound the slowed rate far below what a plain relay reaches.
    const lat = { direct: [] as number[], plain: [] as number[], slowed: [] as number[] };
    const rate = { direct: [] as number[], plain: [] as number[], slowed: [] as number[] };
    for (let i = 0; i < 3; i++) {
      lat.direct.push(await p50(echo.port)); lat.plain.push(await p50(plain.port)); lat.slowed.push(await p50(slowed.port));
      rate.direct.push(await cps(echo.port)); rate.plain.push(await cps(plain.port)); rate.slowed.push(await cps(slowed.port));
    }
    const latRatio = (k: 'plain' | 'slowed') => median(lat.direct) / median(lat[k]);
    const rateRatio = (k: 'plain' | 'slowed') => median(rate[k]) / median(rate.direct);
    assert.ok(latRatio('slowed') < latRatio('plain'), `round trip: slowed ${latRatio('slowed').toFixed(3)}× vs plain ${latRatio('plain').toFixed(3)}× of direct`);
    assert.ok(rateRatio('slowed') < rateRatio('plain'), `connections/s: slowed ${rateRatio('slowed').toFixed(3)}× vs plain ${rateRatio('plain').toFixed(3)}× of direct`);
    t.diagnostic(`p50 µs direct ${median(lat.direct).toFixed(0)}, plain relay ${median(lat.plain).toFixed(0)}, slowed ${median(lat.slowed).toFixed(0)}; `
      + `conn/s direct ${median(rate.direct).toFixed(0)}, plain ${median(rate.plain).toFixed(0)}, slowed ${median(rate.slowed).toFixed(0)}`);
  });
});

describe('bench echo server with PROXY v2', () => {
  it('consumes the header (even split across writes), echoes the rest, closes a connection without one', async (t) => {
    const { nlbProxyV2Header } = await import('../../src/wire/proxy-v2.js');
    const echo = await startEchoServer('127.0.0.1', 0, { proxyV2: true });
    t.after(() => echo.close());
    const header = nlbProxyV2Header({ source: { address: '10.1.1.100', port: 40000 }, destination: { address: '10.1.1.4', port: 7001 }, vpceId: 'vpce-0123456789abcdef0' });
    const net = await import('node:net');
    const talk = (chunks: Buffer[]) => new Promise<{ data: string; closed: boolean }>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: echo.port });
      let data = '';
      s.on('connect', async () => {
        for (const c of chunks) { s.write(c); await new Promise((r) => setTimeout(r, 20)); }
        s.end();
      });
      s.on('data', (d: Buffer) => { data += d.toString(); });
      s.on('close', () => resolve({ data, closed: true }));
      s.on('error', () => {});
      setTimeout(() => { s.destroy(); }, 5000).unref();
    });
    assert.equal((await talk([header.subarray(0, 10), Buffer.concat([header.subarray(10), Buffer.from('hello')])])).data, 'hello');
    assert.equal((await talk([Buffer.from('no header here, just bytes')])).data, '');
  });
});
