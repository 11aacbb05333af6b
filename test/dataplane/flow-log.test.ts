/**
 * The flow log: golden lines per record (table), the header, parse round trips and rejections,
 * and FlowLogWriter in a temp dir (buffering, one write per flush, flush on close, rotation to one
 * `.1`, the bounded buffer with its SKIPDATA record, errors reported and never thrown). The flush
 * timer is a fake scheduler: no sleeps.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { FlowRecord, ListenerLabels } from '../../src/dataplane/flow-record.js';
import {
  decodeToken, encodeToken, FLOW_LOG_FIELDS, FLOW_LOG_HEADER, FlowLogWriter, formatFlowLogLine, parseFlowLogLine,
  type FlowLogEntry, type FlowLogWriterOptions,
} from '../../src/dataplane/flow-log.js';
import type { Scheduler } from '../../src/dataplane/idle-wheel.js';

const LABELS: ListenerLabels = {
  listenerId: 'eni-0a:443', endpointId: 'vpce-0aaa', endpointAccount: '444455556666', vpcId: 'vpc-0c1', subnetId: 'subnet-0a',
  eniId: 'eni-0a', eniIp: '10.1.0.10', zoneId: 'use1-az1', port: 443, serviceId: 'vpce-svc-0s1', serviceAccount: '111122223333',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/web/0123456789abcdef',
  targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web-tg/fedcba9876543210',
  nodeZoneId: 'use1-az1', nodeIp: '10.9.0.5',
};

function rec(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    listenerId: 'eni-0a:443', srcIp: '10.0.0.7', srcPort: 50432, dstIp: '10.1.0.10', dstPort: 443, targetIp: '10.9.2.20', targetPort: 8443,
    startMs: 1_700_000_000_250, endMs: 1_700_000_042_999, bytesIn: 100, bytesOut: 4000, action: 'ACCEPT', reason: 'closed', connected: true,
    ...over,
  };
}

describe('flow log format', () => {
  it('has the documented header: AWS fields in AWS order, then ours', () => {
    assert.equal(FLOW_LOG_HEADER,
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status '
      + 'vpc-id subnet-id az-id flow-direction reject-reason underpass-target-addr underpass-target-port underpass-reason');
    assert.deepEqual(parseFlowLogLine(FLOW_LOG_HEADER), { kind: 'header' });
  });

  const rows: { name: string; record: FlowRecord; labels?: ListenerLabels; line: string }[] = [
    {
      name: 'accepted flow: bytes both ways added, packets unknown, times floored to seconds',
      record: rec(), labels: LABELS,
      line: '8 444455556666 eni-0a 10.0.0.7 10.1.0.10 50432 443 6 - 4100 1700000000 1700000042 ACCEPT OK vpc-0c1 subnet-0a use1-az1 ingress - 10.9.2.20 8443 closed',
    },
    {
      name: 'refused by a security group, before a target was picked',
      record: rec({
        srcIp: '10.0.0.8', srcPort: 50433, targetIp: undefined, targetPort: undefined, startMs: 1_700_000_001_000, endMs: 1_700_000_001_000,
        bytesIn: 0, bytesOut: 0, action: 'REJECT', stage: 'security-group', reason: 'no rule of sg-0abc admits 10.0.0.8:50433', connected: false,
      }),
      labels: LABELS,
      line: '8 444455556666 eni-0a 10.0.0.8 10.1.0.10 50433 443 6 - 0 1700000001 1700000001 REJECT OK vpc-0c1 subnet-0a use1-az1 ingress security-group - - no_rule_of_sg-0abc_admits_10.0.0.8:50433',
    },
    {
      name: 'refused by the target',
      record: rec({ action: 'REJECT', stage: 'target-refused', targetIp: '10.9.2.21', bytesIn: 0, bytesOut: 0, reason: 'connect ECONNREFUSED', connected: false }),
      labels: LABELS,
      line: '8 444455556666 eni-0a 10.0.0.7 10.1.0.10 50432 443 6 - 0 1700000000 1700000042 REJECT OK vpc-0c1 subnet-0a use1-az1 ingress target-refused 10.9.2.21 8443 connect_ECONNREFUSED',
    },
    {
      name: 'unknown listener: consumer fields are -, the ENI comes from the listener id',
      record: rec({ listenerId: 'eni-0zz:80', dstIp: '10.1.9.9', dstPort: 80, targetIp: undefined, targetPort: undefined, action: 'REJECT', stage: 'unbound', bytesIn: 0, bytesOut: 0, reason: 'no NLB serves use1-az3' }),
      line: '8 - eni-0zz 10.0.0.7 10.1.9.9 50432 80 6 - 0 1700000000 1700000042 REJECT OK - - - ingress unbound - - no_NLB_serves_use1-az3',
    },
    {
      name: 'reason text with _, %, non-ASCII and a line feed stays one token',
      record: rec({ reason: 'idle 100% _x_ é\n' }), labels: LABELS,
      line: '8 444455556666 eni-0a 10.0.0.7 10.1.0.10 50432 443 6 - 4100 1700000000 1700000042 ACCEPT OK vpc-0c1 subnet-0a use1-az1 ingress - 10.9.2.20 8443 idle_100%25_%5Fx%5F_%C3%A9%0A',
    },
    {
      name: 'an ACCEPT never carries a reject reason; empty reason text is -',
      record: rec({ stage: 'internal', reason: '' }), labels: LABELS,
      line: '8 444455556666 eni-0a 10.0.0.7 10.1.0.10 50432 443 6 - 4100 1700000000 1700000042 ACCEPT OK vpc-0c1 subnet-0a use1-az1 ingress - 10.9.2.20 8443 -',
    },
  ];
  for (const r of rows) {
    it(`formats: ${r.name}`, () => {
      const line = formatFlowLogLine(r.record, r.labels);
      assert.equal(line, r.line);
      assert.equal(line.split(' ').length, FLOW_LOG_FIELDS.length);
      const parsed = parseFlowLogLine(line);
      assert.equal(parsed.kind, 'record');
      const e = (parsed as { entry: FlowLogEntry }).entry;
      assert.equal(e.version, 8);
      assert.equal(e.srcAddr, r.record.srcIp);
      assert.equal(e.dstPort, r.record.dstPort);
      assert.equal(e.packets, null);
      assert.equal(e.bytes, r.record.bytesIn + r.record.bytesOut);
      assert.equal(e.start, Math.floor(r.record.startMs / 1000));
      assert.equal(e.action, r.record.action);
      assert.equal(e.rejectReason, r.record.action === 'REJECT' ? r.record.stage : null);
      assert.equal(e.targetAddr, r.record.targetIp ?? null);
      assert.equal(e.targetPort, r.record.targetPort ?? null);
      assert.equal(e.reason, r.record.reason === '' ? null : r.record.reason);
    });
  }

  it('parses every field of a record', () => {
    assert.deepEqual(parseFlowLogLine(rows[1]!.line), {
      kind: 'record',
      entry: {
        version: 8, accountId: '444455556666', interfaceId: 'eni-0a', srcAddr: '10.0.0.8', dstAddr: '10.1.0.10', srcPort: 50433, dstPort: 443,
        protocol: 6, packets: null, bytes: 0, start: 1700000001, end: 1700000001, action: 'REJECT', logStatus: 'OK', vpcId: 'vpc-0c1',
        subnetId: 'subnet-0a', azId: 'use1-az1', flowDirection: 'ingress', rejectReason: 'security-group', targetAddr: null, targetPort: null,
        reason: 'no rule of sg-0abc admits 10.0.0.8:50433',
      },
    });
  });

  const good = rows[0]!.line;
  const swap = (i: number, v: string): string => good.split(' ').map((f, j) => (j === i ? v : f)).join(' ');
  const invalid: [string, string, RegExp][] = [
    ['too few fields', good.split(' ').slice(0, -1).join(' '), /21 fields, expected 22/],
    ['a double space', good.replace(' ', '  '), /23 fields/],
    ['a trailing space', `${good} `, /23 fields/],
    ['empty line', '', /1 fields/],
    ['non-numeric port', swap(5, 'http'), /srcport/],
    ['negative bytes', swap(9, '-5'), /bytes/],
    ['missing start', swap(10, '-'), /start/],
    ['unknown action', swap(12, 'DROP'), /action/],
    ['unknown log status', swap(13, 'FINE'), /log-status/],
    ['unknown direction', swap(17, 'sideways'), /flow-direction/],
    ['unknown reject reason', swap(18, 'BPA'), /reject-reason/],
    ['broken %-escape', swap(21, 'a%zz'), /underpass-reason/],
    ['leading zero', swap(6, '0443'), /dstport/],
  ];
  for (const [name, line, why] of invalid) {
    it(`rejects ${name}`, () => {
      const p = parseFlowLogLine(line);
      assert.equal(p.kind, 'invalid');
      assert.match((p as { reason: string }).reason, why);
    });
  }

  const tokens = ['closed', 'client reset', '-', '_', '%', 'a b_c%d', 'tab\there', 'ünïcødé 🚀', 'x\r\ny'];
  for (const t of tokens) {
    it(`token round trip: ${JSON.stringify(t)}`, () => {
      const enc = encodeToken(t);
      assert.match(enc, /^[\x21-\x7e]+$/, 'printable ASCII, no spaces');
      assert.notEqual(enc, '-');
      assert.equal(decodeToken(enc), t);
    });
  }
});

// ── the writer ─────────────────────────────────────────────────────────────────────────────────

class FakeScheduler implements Scheduler {
  intervals: { fn: () => void; ms: number }[] = [];
  setInterval(fn: () => void, ms: number): unknown { const h = { fn, ms }; this.intervals.push(h); return h; }
  clearInterval(h: unknown): void { this.intervals = this.intervals.filter((x) => x !== h); }
  tick(): void { for (const i of this.intervals) i.fn(); }
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'underpass-flowlog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setup(t: TestContext, opts: Partial<FlowLogWriterOptions> = {}) {
  const dir = tempDir(t);
  const path = join(dir, 'flow-logs', 'flows.log');
  const scheduler = new FakeScheduler();
  const errors: Error[] = [];
  const w = new FlowLogWriter({ path, scheduler, onError: (e) => errors.push(e), ...opts });
  t.after(() => w.close());
  return { dir, path, scheduler, errors, w };
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);
/** Record n: a distinct source port per record. */
const nth = (i: number): FlowRecord => rec({ srcPort: 10_000 + i });

describe('FlowLogWriter', () => {
  it('buffers until the one-second tick, then writes the header and the lines', async (t) => {
    const { path, scheduler, w, errors } = setup(t);
    assert.equal(scheduler.intervals.length, 1);
    assert.equal(scheduler.intervals[0]!.ms, 1000);
    for (let i = 0; i < 3; i++) w.append(nth(i), LABELS);
    assert.equal(w.stats.buffered, 3);
    await new Promise((r) => setImmediate(r));
    assert.equal(existsSync(path), false, 'nothing written before the tick');
    scheduler.tick();
    await w.flush();
    assert.deepEqual(lines(path), [FLOW_LOG_HEADER, ...[0, 1, 2].map((i) => formatFlowLogLine(nth(i), LABELS))]);
    assert.deepEqual(w.stats, { written: 3, dropped: 0, failed: 0, rotations: 0, buffered: 0 });
    assert.deepEqual(errors, []);
  });

  it('writes a flush with one write call, not one per line', async (t) => {
    const { path, w } = setup(t, { maxBufferedLines: 5000 });
    const probe = await open(join(tempDir(t), 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
    await probe.close();
    const original = proto.write;
    let writes = 0;
    proto.write = function (this: unknown, ...a: unknown[]) { writes++; return original.apply(this, a); };
    try {
      for (let i = 0; i < 2000; i++) w.append(nth(i), LABELS);
      await w.flush();
    } finally {
      proto.write = original;
    }
    assert.equal(lines(path).length, 2001);
    assert.equal(writes, 2, 'the header, then all 2000 lines at once');
  });

  it('keeps order across overlapping flushes', async (t) => {
    const { path, w } = setup(t);
    for (let i = 0; i < 5; i++) w.append(nth(i));
    const first = w.flush();
    for (let i = 5; i < 10; i++) w.append(nth(i));
    const second = w.flush();
    await Promise.all([first, second]);
    assert.deepEqual(lines(path).slice(1), Array.from({ length: 10 }, (_, i) => formatFlowLogLine(nth(i))));
  });

  it('flushes on close, stops its timer, and drops (counts) appends after close', async (t) => {
    const { path, scheduler, w } = setup(t);
    w.append(nth(1), LABELS);
    w.append(nth(2), LABELS);
    const closing = w.close();
    assert.equal(w.close(), closing, 'close is idempotent');
    await closing;
    assert.equal(scheduler.intervals.length, 0);
    assert.equal(lines(path).length, 3);
    w.append(nth(3), LABELS);
    await w.flush();
    assert.equal(lines(path).length, 3);
    assert.equal(w.stats.dropped, 1);
  });

  it('bounds its buffer: drops past the bound, counts them, and writes a SKIPDATA record saying how many', async (t) => {
    let clock = 1_700_000_100_000;
    const { path, w } = setup(t, { maxBufferedLines: 10, now: () => (clock += 1000) });
    for (let i = 0; i < 25; i++) w.append(nth(i), LABELS);
    assert.equal(w.stats.buffered, 10);
    assert.equal(w.stats.dropped, 15);
    await w.flush();
    const got = lines(path);
    assert.equal(got.length, 1 + 10 + 1);
    assert.deepEqual(got.slice(1, 11), Array.from({ length: 10 }, (_, i) => formatFlowLogLine(nth(i), LABELS)));
    const note = parseFlowLogLine(got[11]!);
    assert.equal(note.kind, 'record');
    const e = (note as { entry: FlowLogEntry }).entry;
    assert.equal(e.logStatus, 'SKIPDATA');
    assert.equal(e.reason, '15 flow records dropped: write buffer full');
    assert.deepEqual([e.start, e.end], [1_700_000_101, 1_700_000_115]);
    assert.equal(e.action, null);
    // The next drops get their own record; nothing is reported twice.
    w.append(nth(99));
    await w.flush();
    assert.equal(lines(path).length, 13);
    assert.deepEqual(w.stats, { written: 12, dropped: 15, failed: 0, rotations: 0, buffered: 0 });
  });

  it('rotates to one .1 before a write would take the file past maxFileBytes', async (t) => {
    const { dir, path, w } = setup(t, { maxFileBytes: 1000 });
    const want = Array.from({ length: 40 }, (_, i) => formatFlowLogLine(nth(i), LABELS));
    for (let i = 0; i < 20; i++) w.append(nth(i), LABELS);
    await w.flush();
    for (let i = 20; i < 40; i++) w.append(nth(i), LABELS);
    await w.flush();
    assert.ok(w.stats.rotations >= 2, `rotations: ${w.stats.rotations}`);
    assert.deepEqual(readdirSync(join(dir, 'flow-logs')).sort(), ['flows.log', 'flows.log.1']);
    const old = lines(`${path}.1`);
    const cur = lines(path);
    for (const f of [path, `${path}.1`]) assert.ok(statSync(f).size <= 1000, `${f} is ${statSync(f).size} bytes`);
    assert.equal(old[0], FLOW_LOG_HEADER);
    assert.equal(cur[0], FLOW_LOG_HEADER);
    const kept = [...old.slice(1), ...cur.slice(1)];
    assert.ok(kept.length > 0);
    assert.deepEqual(kept, want.slice(want.length - kept.length), 'the newest lines, in order');
  });

  it('appends to a flow log it wrote before, and moves a file of another format to .1', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'flows.log');
    writeFileSync(path, `${FLOW_LOG_HEADER}\nold line\n`);
    const a = new FlowLogWriter({ path, scheduler: new FakeScheduler() });
    a.append(nth(1));
    await a.close();
    assert.deepEqual(lines(path), [FLOW_LOG_HEADER, 'old line', formatFlowLogLine(nth(1))]);

    writeFileSync(path, 'version srcaddr\n2 10.0.0.1\n');
    const b = new FlowLogWriter({ path, scheduler: new FakeScheduler() });
    b.append(nth(2));
    await b.close();
    assert.deepEqual(lines(`${path}.1`), ['version srcaddr', '2 10.0.0.1']);
    assert.deepEqual(lines(path), [FLOW_LOG_HEADER, formatFlowLogLine(nth(2))]);
    assert.equal(b.stats.rotations, 1);
  });

  it('reports errors through onError and never throws into callers, even when onError throws', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'not-a-dir'), '');
    const errors: Error[] = [];
    const w = new FlowLogWriter({ path: join(dir, 'not-a-dir', 'flows.log'), scheduler: new FakeScheduler(), onError: (e) => errors.push(e) });
    w.append(nth(1));
    w.append(nth(2));
    await w.flush();
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as NodeJS.ErrnoException).code), /ENOTDIR|EEXIST/);
    assert.equal(w.stats.failed, 2);
    const angry = new FlowLogWriter({ path: join(dir, 'not-a-dir', 'x.log'), scheduler: new FakeScheduler(), onError: () => { throw new Error('boom'); } });
    angry.append(nth(3));
    await angry.flush();
    await angry.close();
    await w.close();
    assert.equal(angry.stats.failed, 1);
  });

  it('recovers after a failed write once the path is usable again', async (t) => {
    const dir = tempDir(t);
    const blocker = join(dir, 'logs');
    writeFileSync(blocker, '');
    const errors: Error[] = [];
    const w = new FlowLogWriter({ path: join(blocker, 'flows.log'), scheduler: new FakeScheduler(), onError: (e) => errors.push(e) });
    w.append(nth(1));
    await w.flush();
    rmSync(blocker);
    w.append(nth(2));
    await w.close();
    assert.equal(errors.length, 1);
    assert.deepEqual(lines(join(blocker, 'flows.log')), [FLOW_LOG_HEADER, formatFlowLogLine(nth(2))]);
  });
});
