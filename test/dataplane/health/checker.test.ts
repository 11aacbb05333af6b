/**
 * The check loops on a fake clock and scheduler (no sleeps): thresholds over time, observation
 * order, reconcile adding/removing/restarting loops, one check at a time, jitter bounds, stop()
 * leaving nothing behind; plus one short real-time run against a loopback server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { computeTargetHealth } from '../../../src/control/services/elb/health.js';
import { HealthChecker, targetKey, type Clock, type Probe, type Scheduler } from '../../../src/dataplane/health/checker.js';
import type { ProbeResult, ProbeSpec } from '../../../src/dataplane/health/probe.js';
import type { DesiredHealthCheck, DesiredTarget, DesiredTargetGroup } from '../../../src/reconcile/desired-state.js';
import type { TargetHealthObservation } from '../../../src/reconcile/status.js';

/** A fake clock + scheduler: `advance` runs due tasks in time order and lets their promises settle. */
class FakeTime implements Clock, Scheduler {
  #now = Date.parse('2026-01-01T00:00:00Z');
  #seq = 0;
  readonly #tasks = new Map<number, { at: number; fn: () => void }>();
  /** Every delay ever scheduled, in order. */
  readonly delays: number[] = [];
  now(): number { return this.#now; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.delays.push(ms);
    this.#tasks.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void { this.#tasks.delete(h as number); }
  pending(): number { return this.#tasks.size; }
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#tasks) if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) { this.#now = end; await settle(); return; }
      this.#tasks.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    throw new Error('FakeTime.advance: too many tasks');
  }
}

/** Lets pending promise callbacks (a probe's resolution and what follows it) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

const OK: ProbeResult = { ok: true, detail: 'ok' };
const TIMEOUT: ProbeResult = { ok: false, reasonCode: 'Target.Timeout', description: 'Request timed out', detail: 'timeout' };
const CODE500: ProbeResult = { ok: false, reasonCode: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [500]', detail: 'HTTP 500' };

/** A scripted probe: per host, results are taken from `plan` (the last one repeats). Records calls. */
function scripted(plan: Record<string, ProbeResult[]>): { probe: Probe; calls: ProbeSpec[] } {
  const calls: ProbeSpec[] = [];
  const used = new Map<string, number>();
  const probe: Probe = async (spec) => {
    calls.push(spec);
    const list = plan[spec.host] ?? [OK];
    const i = used.get(spec.host) ?? 0;
    used.set(spec.host, i + 1);
    return list[Math.min(i, list.length - 1)]!;
  };
  return { probe, calls };
}

const HC: DesiredHealthCheck = {
  enabled: true, protocol: 'TCP', port: 'traffic-port', intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2,
};

function target(id: string, port = 80, extra: Partial<DesiredTarget> = {}): DesiredTarget {
  return { id, port, zoneId: 'all', healthCheckPort: port, ...extra };
}

function group(arn: string, targets: DesiredTarget[], hc: Partial<DesiredHealthCheck> = {}, extra: Partial<DesiredTargetGroup> = {}): DesiredTargetGroup {
  return {
    arn, account: '111122223333', vpcId: 'vpc-1', protocol: 'TCP', port: 80, targetType: 'ip',
    crossZoneSetting: 'use_load_balancer_configuration', loadBalancers: [{ loadBalancerArn: 'arn:lb/net/a', crossZone: false }],
    proxyProtocolV2: false, preserveClientIp: false, deregistrationDelaySeconds: 300, connectionTermination: false,
    unhealthyConnectionTermination: true, unhealthyDrainingIntervalSeconds: 0, stickiness: 'none',
    healthCheck: { ...HC, ...hc }, targets, ...extra,
  };
}

const TG = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/a/1';

function setup(plan: Record<string, ProbeResult[]>, opts: { jitter?: number; random?: () => number } = {}) {
  const time = new FakeTime();
  const { probe, calls } = scripted(plan);
  const seen: TargetHealthObservation[] = [];
  const checker = new HealthChecker({ onObservation: (o) => seen.push(o), clock: time, scheduler: time, probe, jitter: opts.jitter ?? 0, random: opts.random ?? (() => 0.5) });
  return { time, calls, seen, checker };
}

const brief = (o: TargetHealthObservation) => `${o.targetId}:${o.state}${o.reason ? `:${o.reason}` : ''}`;

describe('HealthChecker on a fake clock', () => {
  it('initial → healthy after healthyThreshold successes, at the right times', async () => {
    const { time, calls, seen, checker } = setup({ '10.0.0.1': [OK] });
    checker.reconcile([group(TG, [target('10.0.0.1')])]);
    await time.advance(0);
    assert.equal(calls.length, 1, 'the first check runs at once without jitter');
    await time.advance(19_999);
    assert.equal(calls.length, 2);
    assert.deepEqual(seen, [], 'two successes of three: still initial');
    assert.deepEqual(checker.current(), []);
    await time.advance(1);
    assert.equal(calls.length, 3);
    assert.deepEqual(seen, [{ targetGroupArn: TG, targetId: '10.0.0.1', port: 80, state: 'healthy', at: '2026-01-01T00:00:20.000Z' }]);
    assert.deepEqual(checker.current(), seen);
    await time.advance(100_000);
    assert.equal(seen.length, 1, 'no observation without a change');
    checker.stop();
  });

  it('healthy → unhealthy after unhealthyThreshold failures, with the last reason; observations in order', async () => {
    const { time, seen, checker } = setup({ '10.0.0.1': [OK, OK, OK, TIMEOUT, OK, TIMEOUT, TIMEOUT, CODE500, OK, OK, OK] });
    checker.reconcile([group(TG, [target('10.0.0.1')])]);
    await time.advance(110_000);
    assert.deepEqual(seen.map(brief), [
      '10.0.0.1:healthy', '10.0.0.1:unhealthy:Target.Timeout', '10.0.0.1:unhealthy:Target.ResponseCodeMismatch', '10.0.0.1:healthy',
    ]);
    assert.deepEqual(seen.map((o) => o.at.slice(11, 19)), ['00:00:20', '00:01:00', '00:01:10', '00:01:40']);
    assert.equal(seen[2]?.description, 'Health checks failed with these codes: [500]');
    checker.stop();
  });

  it('observations feed computeTargetHealth as its observed input', async () => {
    const { time, seen, checker } = setup({ '10.0.0.1': [OK, OK, OK, TIMEOUT] });
    checker.reconcile([group(TG, [target('10.0.0.1')])]);
    await time.advance(40_000);
    const health = seen.map((observed) => computeTargetHealth({
      target: { id: '10.0.0.1', port: 80, availabilityZone: 'all', registeredAt: '2025-12-31T00:00:00Z' },
      loadBalancer: { state: 'active', zones: [] }, inUseSince: '2025-12-31T00:00:00Z', now: new Date(time.now()), registrationMs: 0, observed,
    }));
    assert.deepEqual(health, [{ State: 'healthy' }, { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' }]);
    checker.stop();
  });

  it('several targets: each on its own loop, observations in time order', async () => {
    const { time, seen, checker } = setup({ '10.0.0.1': [OK], '10.0.0.2': [TIMEOUT] });
    checker.reconcile([group(TG, [target('10.0.0.1'), target('10.0.0.2')], { healthyThreshold: 2, unhealthyThreshold: 3 })]);
    await time.advance(60_000);
    assert.deepEqual(seen.map(brief), ['10.0.0.1:healthy', '10.0.0.2:unhealthy:Target.Timeout']);
    assert.deepEqual(checker.current().map(brief).sort(), ['10.0.0.1:healthy', '10.0.0.2:unhealthy:Target.Timeout']);
    checker.stop();
  });

  it('builds the probe from the group: health-check port, protocol, path, matcher, PROXY v2, timeout capped at the interval', async () => {
    const { time, calls, checker } = setup({});
    checker.reconcile([group(TG, [target('10.0.0.1', 80, { healthCheckPort: 8080 })],
      { protocol: 'HTTP', path: '/hc', matcher: '200,202', intervalSeconds: 5, timeoutSeconds: 6 }, { proxyProtocolV2: true })]);
    await time.advance(0);
    assert.deepEqual(calls[0], { protocol: 'HTTP', host: '10.0.0.1', port: 8080, timeoutMs: 5000, proxyProtocolV2: true, path: '/hc', matcher: '200,202' });
    checker.reconcile([group(TG, [target('10.0.0.2')], { protocol: 'HTTPS' })]);
    await time.advance(0);
    assert.deepEqual(calls[1], { protocol: 'HTTPS', host: '10.0.0.2', port: 80, timeoutMs: 5000, proxyProtocolV2: false, path: '/', matcher: '200-399' });
    checker.stop();
  });

  it('reconcile starts, keeps, restarts (on a changed check) and stops loops', async () => {
    const { time, calls, seen, checker } = setup({});
    const a = target('10.0.0.1');
    const b = target('10.0.0.2');
    assert.deepEqual(checker.reconcile([group(TG, [a, b])]), { started: [targetKey(TG, '10.0.0.1', 80), targetKey(TG, '10.0.0.2', 80)], stopped: [], restarted: [] });
    assert.equal(time.pending(), 2);
    await time.advance(20_000);
    assert.equal(seen.length, 2);
    assert.deepEqual(checker.reconcile([group(TG, [a, b])]), { started: [], stopped: [], restarted: [] }, 'the same state changes nothing');
    assert.equal(time.pending(), 2);

    const r = checker.reconcile([group(TG, [a, target('10.0.0.3')], { healthyThreshold: 4 })]);
    assert.deepEqual(r, { started: [targetKey(TG, '10.0.0.3', 80)], stopped: [targetKey(TG, '10.0.0.2', 80)], restarted: [targetKey(TG, '10.0.0.1', 80)] });
    assert.deepEqual(checker.keys().sort(), [targetKey(TG, '10.0.0.1', 80), targetKey(TG, '10.0.0.3', 80)]);
    assert.equal(time.pending(), 2, 'the stopped loop left no timer, the restarted one has exactly one');
    assert.deepEqual(checker.current(), [], 'a restarted loop is initial again');
    const before = calls.length;
    seen.length = 0;
    await time.advance(30_000);
    assert.equal(calls.filter((c) => c.host === '10.0.0.2').length, 3, 'the removed target is no longer probed (checked at 0, 10 and 20 s only)');
    assert.equal(calls.length - before, 8);
    assert.deepEqual(seen.map(brief), ['10.0.0.1:healthy', '10.0.0.3:healthy'], 'both needed the new threshold of 4');

    assert.deepEqual(checker.reconcile([]), { started: [], stopped: [targetKey(TG, '10.0.0.1', 80), targetKey(TG, '10.0.0.3', 80)], restarted: [] });
    assert.equal(time.pending(), 0);
  });

  it('the same address on two ports, or in two groups, are separate loops', () => {
    const { checker } = setup({});
    const r = checker.reconcile([group(TG, [target('10.0.0.1', 80), target('10.0.0.1', 81)]), group(`${TG}b`, [target('10.0.0.1', 80)])]);
    assert.equal(r.started.length, 3);
    checker.stop();
  });

  it('checks only targets AWS checks', () => {
    const { time, checker } = setup({});
    const r = checker.reconcile([
      group('tg-disabled', [target('10.0.0.1')], { enabled: false }),
      group('tg-unused', [target('10.0.0.2')], {}, { loadBalancers: [] }),
      group('tg-udp-hc', [target('10.0.0.3')], { protocol: 'UDP' }),
      group('tg-instance', [target('i-0123456789abcdef0')], {}, { targetType: 'instance' }),
      group('tg-live', [target('10.0.0.5'), target('10.0.0.6', 80, { drainingUntil: '2026-01-01T00:05:00Z' })]),
    ]);
    assert.deepEqual(r.started, [targetKey('tg-live', '10.0.0.5', 80)]);
    assert.equal(time.pending(), 1);
    checker.stop();
  });

  it('resolveAddress maps other targets (e.g. instances) to an address and source', async () => {
    const time = new FakeTime();
    const { probe, calls } = scripted({});
    const checker = new HealthChecker({
      onObservation: () => {}, clock: time, scheduler: time, probe, jitter: 0,
      resolveAddress: (_tg, t) => (t.id.startsWith('i-') ? { host: '10.9.9.9', localAddress: '10.0.0.100' } : undefined),
    });
    checker.reconcile([group(TG, [target('i-0123456789abcdef0'), target('10.0.0.1')])]);
    await time.advance(0);
    assert.deepEqual(calls.map((c) => [c.host, c.localAddress]), [['10.9.9.9', '10.0.0.100']]);
    checker.stop();
  });

  it('never runs two checks of one target at once; the next starts an interval after the previous started', async () => {
    const time = new FakeTime();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const resolvers: Array<(r: ProbeResult) => void> = [];
    const probe: Probe = () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<ProbeResult>((resolve) => resolvers.push((r) => { running--; resolve(r); }));
    };
    const checker = new HealthChecker({ onObservation: () => {}, clock: time, scheduler: time, probe, jitter: 0 });
    checker.reconcile([group(TG, [target('10.0.0.1')])]);
    await time.advance(100_000);
    assert.equal(calls, 1, 'a check that hangs blocks the next one');
    assert.equal(time.pending(), 0);
    resolvers.shift()!(OK);
    await settle();
    assert.equal(time.delays.at(-1), 0, 'overdue: the next check runs at once');
    await time.advance(0);
    assert.equal(calls, 2);
    await time.advance(3_000);
    resolvers.shift()!(OK);
    await settle();
    assert.equal(time.delays.at(-1), 7_000, 'the wait counts from the start of the check');
    assert.equal(maxRunning, 1);
    checker.stop();
  });

  it('waits stay within interval × (1 ± jitter); the first check within interval × jitter', async () => {
    for (const [rnd, lo, hi] of [[0, 9_000, 9_000], [0.999_999, 10_999, 11_000], [0.5, 10_000, 10_000]] as const) {
      const { time, checker } = setup({}, { jitter: 0.1, random: () => rnd });
      checker.reconcile([group(TG, [target('10.0.0.1')])]);
      const first = time.delays[0]!;
      assert.ok(first >= 0 && first <= 1_000, `first delay ${first}`);
      await time.advance(60_000);
      const waits = time.delays.slice(1);
      assert.ok(waits.length >= 5);
      for (const w of waits) assert.ok(w >= lo && w <= hi, `wait ${w} outside [${lo}, ${hi}] for random ${rnd}`);
      checker.stop();
    }
  });

  it('stop() clears every timer and aborts checks in flight; their late results report nothing', async () => {
    const time = new FakeTime();
    const signals: AbortSignal[] = [];
    const resolvers: Array<(r: ProbeResult) => void> = [];
    const seen: TargetHealthObservation[] = [];
    const probe: Probe = (_spec, { signal }) => {
      signals.push(signal);
      return new Promise<ProbeResult>((resolve) => resolvers.push(resolve));
    };
    const checker = new HealthChecker({ onObservation: (o) => seen.push(o), clock: time, scheduler: time, probe, jitter: 0 });
    checker.reconcile([group(TG, [target('10.0.0.1'), target('10.0.0.2')], { healthyThreshold: 2 })]);
    await time.advance(0);
    assert.equal(signals.length, 2);
    checker.reconcile([group(TG, [target('10.0.0.1'), target('10.0.0.3')], { healthyThreshold: 2 })]);
    assert.equal(signals[1]?.aborted, true, 'removing a target aborts its check');
    assert.equal(signals[0]?.aborted, false);
    checker.stop();
    assert.equal(time.pending(), 0);
    assert.ok(signals.every((s) => s.aborted));
    for (const r of resolvers) r(OK);
    await settle();
    assert.equal(time.pending(), 0, 'a late result schedules nothing');
    assert.deepEqual(seen, []);
    assert.deepEqual(checker.keys(), []);
  });

  it('a throwing callback is reported through onError and the loop goes on', async () => {
    const time = new FakeTime();
    const { probe } = scripted({ '10.0.0.1': [OK, OK, TIMEOUT] });
    const errors: string[] = [];
    let n = 0;
    const checker = new HealthChecker({
      onObservation: () => { n++; throw new Error('boom'); }, onError: (e, key) => errors.push(`${key}: ${(e as Error).message}`),
      clock: time, scheduler: time, probe, jitter: 0,
    });
    checker.reconcile([group(TG, [target('10.0.0.1')], { healthyThreshold: 2 })]);
    await time.advance(60_000);
    assert.equal(n, 2, 'healthy, then unhealthy');
    assert.deepEqual(errors, [`${targetKey(TG, '10.0.0.1', 80)}: boom`, `${targetKey(TG, '10.0.0.1', 80)}: boom`]);
    checker.stop();
  });

  it('a probe that throws or rejects counts as a failed check', async () => {
    const time = new FakeTime();
    const seen: TargetHealthObservation[] = [];
    let i = 0;
    const probe: Probe = () => {
      if (i++ % 2 === 0) throw new Error('sync');
      return Promise.reject(new Error('async'));
    };
    const checker = new HealthChecker({ onObservation: (o) => seen.push(o), clock: time, scheduler: time, probe, jitter: 0 });
    checker.reconcile([group(TG, [target('10.0.0.1')])]);
    await time.advance(10_000);
    assert.deepEqual(seen.map(brief), ['10.0.0.1:unhealthy:Target.FailedHealthChecks']);
    checker.stop();
  });
});

describe('HealthChecker in real time (interval override)', () => {
  it('a loopback TCP target becomes healthy, then unhealthy once its server is gone', { timeout: 5_000 }, async (t) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    t.after(() => { for (const s of sockets) s.destroy(); server.close(); });

    const seen: TargetHealthObservation[] = [];
    let wake: (() => void) | undefined;
    const checker = new HealthChecker({ onObservation: (o) => { seen.push(o); wake?.(); }, intervalOverrideMs: 50 });
    t.after(() => checker.stop());
    const waitFor = (n: number, ms: number) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} observations after ${ms} ms`)), ms);
      wake = () => { if (seen.length >= n) { clearTimeout(timer); resolve(); } };
      wake();
    });
    const started = Date.now();
    checker.reconcile([group(TG, [target('127.0.0.1', port)], { healthyThreshold: 2, unhealthyThreshold: 2, intervalSeconds: 30, timeoutSeconds: 10 })]);
    await waitFor(1, 1_000);
    assert.equal(seen[0]?.state, 'healthy');
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await waitFor(2, 1_000);
    assert.deepEqual(seen.map((o) => `${o.state}${o.reason ? `:${o.reason}` : ''}`), ['healthy', 'unhealthy:Target.FailedHealthChecks']);
    checker.stop();
    assert.ok(Date.now() - started < 2_500);
  });
});
