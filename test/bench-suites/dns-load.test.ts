/**
 * The resolver benchmark's load generator (bench/suites/dns.ts `udpLoad`) measured against tiny
 * in-process UDP DNS responders: it counts exactly the queries answered, matches answers by id
 * (foreign and duplicate datagrams are not counted), and a responder that drops every 10th query
 * shows up as timeouts and a lower rate. Thresholds are ratios and counts, never absolute timings.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it, type TestContext } from 'node:test';
import dnsPacket from 'dns-packet';
import { percentile } from '../../bench/lib/stats.js';
import { udpLoad } from '../../bench/suites/dns.js';

interface Responder { port: number; received: () => number }

/** Answers every query with one A record, except what `drop(n)` (n = 1-based query count) drops; `mangle` may alter the reply. */
async function responder(t: TestContext, drop: (n: number) => boolean, extra?: (reply: Buffer, send: (b: Buffer) => void) => void): Promise<Responder> {
  const sock = createSocket('udp4');
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    n++;
    if (drop(n)) return;
    const q = dnsPacket.decode(msg);
    const reply = dnsPacket.encode({
      type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED, questions: q.questions,
      answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 60, data: '10.1.1.5' }],
    });
    const send = (b: Buffer) => sock.send(b, rinfo.port, rinfo.address);
    send(reply);
    extra?.(reply, send);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  t.after(() => sock.close());
  return { port: sock.address().port, received: () => n };
}

describe('bench: UDP DNS load generator', () => {
  it('counts exactly the queries answered, with no timeouts, when every query is answered', async (t) => {
    const r = await responder(t, () => false);
    const res = await udpLoad({ host: '127.0.0.1', port: r.port, names: ['a.example', 'b.example'], concurrency: 16, total: 3000, timeoutMs: 2000 });
    assert.equal(res.sent, 3000);
    assert.equal(res.answered, 3000);
    assert.equal(r.received(), 3000);
    assert.equal(res.timeouts, 0);
    assert.equal(res.unmatched, 0);
    assert.equal(res.badAnswers, 0);
    assert.ok(res.qps > 0 && res.p99Us >= res.p50Us);
  });

  it('matches answers by id: duplicates and answers with a foreign id are not counted', async (t) => {
    const r = await responder(t, () => false, (reply, send) => {
      send(reply); // duplicate of the answer just sent
      const foreign = Buffer.from(reply);
      foreign.writeUInt16BE((reply.readUInt16BE(0) + 32768) & 0xffff, 0);
      send(foreign);
    });
    const res = await udpLoad({ host: '127.0.0.1', port: r.port, names: ['a.example'], concurrency: 4, total: 500, timeoutMs: 2000 });
    assert.equal(res.answered, 500);
    assert.equal(res.timeouts, 0);
    assert.ok(res.unmatched >= 500, `duplicates and foreign ids are unmatched (${res.unmatched})`);
  });

  it('a responder dropping every 10th query shows timeouts and a lower rate', async (t) => {
    const total = 1000;
    const opts = { host: '127.0.0.1', names: ['a.example'], concurrency: 8, total, timeoutMs: 100 };
    const good = await responder(t, () => false);
    const lossy = await responder(t, (n) => n % 10 === 0);
    const ok = await udpLoad({ ...opts, port: good.port });
    const bad = await udpLoad({ ...opts, port: lossy.port });
    assert.equal(ok.timeouts, 0);
    assert.equal(bad.sent, total);
    assert.equal(bad.timeouts, total / 10);
    assert.equal(bad.answered, total - total / 10);
    assert.equal(bad.answered + bad.timeouts, bad.sent, 'every query is either answered or timed out');
    assert.ok(bad.qps < ok.qps, `lossy ${bad.qps.toFixed(0)} q/s < ${ok.qps.toFixed(0)} q/s`);
  });

  it('the latency percentiles it reports are nearest-rank', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.equal(percentile([1, 2, 3, 4], 99), 4);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
