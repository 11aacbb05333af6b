/** The idle timer wheel driven by a fake clock and a fake scheduler: no sleeps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdleWheel, type IdleFlow, type Scheduler } from '../../src/dataplane/idle-wheel.js';

class FakeClock { t = 1_000_000; now(): number { return this.t; } }
class FakeScheduler implements Scheduler {
  intervals: { fn: () => void; ms: number }[] = [];
  cleared = 0;
  setInterval(fn: () => void, ms: number): unknown { const h = { fn, ms }; this.intervals.push(h); return h; }
  clearInterval(h: unknown): void { this.intervals = this.intervals.filter((x) => x !== h); this.cleared++; }
}
class F implements IdleFlow {
  lastActive = 0; idleSlot = -1; expired: string[] = [];
  constructor(public name: string, public idleTimeoutMs: number) {}
  expire(reason: string): void { this.expired.push(reason); }
}

function setup(tickMs = 1000) {
  const clock = new FakeClock();
  const scheduler = new FakeScheduler();
  const wheel = new IdleWheel({ tickMs, clock, scheduler });
  /** Advance in tick-sized steps, running the scheduled interval like the real timer would. */
  const advance = (ms: number) => {
    const end = clock.t + ms;
    while (clock.t < end) { clock.t = Math.min(end, clock.t + tickMs); for (const i of scheduler.intervals) i.fn(); }
  };
  return { clock, scheduler, wheel, advance };
}

describe('IdleWheel', () => {
  it('schedules one interval at tickMs and clears it on close', () => {
    const { scheduler, wheel } = setup(500);
    assert.equal(scheduler.intervals.length, 1);
    assert.equal(scheduler.intervals[0]!.ms, 500);
    wheel.close();
    assert.equal(scheduler.intervals.length, 0);
    wheel.close();
    assert.equal(scheduler.cleared, 1);
  });

  it('expires a flow idle for its timeout, within one tick, exactly once', () => {
    const { wheel, advance } = setup();
    const f = new F('a', 5000);
    wheel.track(f);
    advance(4000);
    assert.deepEqual(f.expired, []);
    advance(1000);
    assert.deepEqual(f.expired, ['idle timeout']);
    assert.equal(wheel.size, 0);
    advance(20_000);
    assert.deepEqual(f.expired, ['idle timeout']);
  });

  it('touch postpones expiry without re-slotting; the tick re-slots lazily', () => {
    const { wheel, advance } = setup();
    const f = new F('a', 5000);
    wheel.track(f);
    for (let i = 0; i < 10; i++) { advance(3000); wheel.touch(f); }
    assert.deepEqual(f.expired, [], 'touched every 3 s with a 5 s timeout');
    advance(4000);
    assert.deepEqual(f.expired, []);
    advance(1000);
    assert.deepEqual(f.expired, ['idle timeout']);
  });

  it('per-flow timeouts: each flow expires at its own time', () => {
    const { wheel, advance } = setup();
    const flows = [new F('a', 2000), new F('b', 60_000), new F('c', 350_000)];
    for (const f of flows) wheel.track(f);
    const when = new Map<string, number>();
    for (let s = 1; s <= 400; s++) {
      advance(1000);
      for (const f of flows) if (f.expired.length && !when.has(f.name)) when.set(f.name, s);
    }
    assert.deepEqual(Object.fromEntries(when), { a: 2, b: 60, c: 350 });
  });

  it('track with a new timeout replaces the old one (connect timeout → idle timeout)', () => {
    const { wheel, advance } = setup();
    const f = new F('a', 3000);
    wheel.track(f);
    advance(2000);
    wheel.track(f, 10_000);
    assert.equal(wheel.size, 1);
    advance(9000);
    assert.deepEqual(f.expired, []);
    advance(1000);
    assert.deepEqual(f.expired, ['idle timeout']);
    // A shorter timeout takes effect too (the flow moves to an earlier slot).
    const g = new F('g', 100_000);
    wheel.track(g);
    advance(1000);
    wheel.track(g, 2000);
    advance(2000);
    assert.deepEqual(g.expired, ['idle timeout']);
  });

  it('untrack stops expiry and frees the slot', () => {
    const { wheel, advance } = setup();
    const f = new F('a', 2000);
    wheel.track(f);
    wheel.untrack(f);
    wheel.untrack(f);
    assert.equal(wheel.size, 0);
    assert.equal(f.idleSlot, -1);
    advance(10_000);
    assert.deepEqual(f.expired, []);
  });

  it('a clock jump far beyond the slots expires everything due in one tick', () => {
    const { clock, wheel } = setup();
    const flows = Array.from({ length: 50 }, (_, i) => new F(`f${i}`, 1000 * (i + 1)));
    for (const f of flows) wheel.track(f);
    clock.t += 25_500;
    assert.equal(wheel.tick(), 25);
    clock.t += 10 * 86_400_000;
    assert.equal(wheel.tick(), 25);
    assert.equal(wheel.size, 0);
    assert.ok(flows.every((f) => f.expired.length === 1));
  });

  it('expire may untrack or re-track other flows safely', () => {
    const { wheel, advance } = setup();
    const b = new F('b', 1000);
    const a = new (class extends F { override expire(r: string) { super.expire(r); wheel.untrack(b); wheel.track(this, 5000); } })('a', 1000);
    wheel.track(a);
    wheel.track(b);
    advance(1000);
    assert.deepEqual(a.expired, ['idle timeout']);
    assert.equal(wheel.size, 1, 'a re-tracked itself; b was due too and was expired in the same tick');
    assert.deepEqual(b.expired, ['idle timeout']);
    advance(5000);
    assert.deepEqual(a.expired, ['idle timeout', 'idle timeout']);
  });

  it('10,000 flows with 100 different timeouts expire exactly on their second', () => {
    const { clock, wheel } = setup();
    const flows = Array.from({ length: 10_000 }, (_, i) => new F(String(i), 1000 + (i % 100) * 1000));
    for (const f of flows) wheel.track(f);
    let expired = 0;
    for (let s = 1; s <= 100; s++) {
      clock.t += 1000;
      const n = wheel.tick();
      assert.equal(n, 100, `second ${s}`);
      expired += n;
    }
    assert.equal(expired, 10_000);
    assert.equal(wheel.size, 0);
  });

  it('rejects a non-positive tick', () => {
    assert.throws(() => new IdleWheel({ tickMs: 0, scheduler: new FakeScheduler() }), RangeError);
  });
});
