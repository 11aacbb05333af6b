/**
 * The NLB's choice of target: tables of target sets × options with the pool the picks must cover
 * exactly, scripted health changes over a fixed set of flows, and bounded distribution checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeTargetHealth, targetZone } from '../../src/control/services/elb/health.js';
import type { RegisteredTarget } from '../../src/control/resources.js';
import {
  effectiveCrossZone, flowHash, pickTarget, targetKey, routingMinimumOf, stickinessOf, type FlowKey, type PickOptions, type TargetHealthState, type TargetView,
} from '../../src/policy/target-pick.js';

const A = 'us-east-1a';
const B = 'us-east-1b';
const t = (id: string, zone: string | undefined, health: TargetHealthState = 'healthy', port = 80): TargetView => ({ id, port, zone, health });
/** Three targets across two zones: a1, a2 in us-east-1a, b1 in us-east-1b. */
const three = (h: Partial<Record<'a1' | 'a2' | 'b1', TargetHealthState>> = {}): TargetView[] =>
  [t('10.0.1.10', A, h.a1), t('10.0.1.11', A, h.a2), t('10.0.2.10', B, h.b1)];
const NAMES: Record<string, string> = { '10.0.1.10': 'a1', '10.0.1.11': 'a2', '10.0.2.10': 'b1', '192.168.9.9': 'x' };
const name = (v: TargetView) => NAMES[v.id] ?? v.id;

const opts = (o: Partial<PickOptions> = {}): PickOptions => ({ nodeZone: A, crossZone: false, stickiness: 'none', seed: 7, ...o });
/** Deterministic synthetic flows: consumers in 172.16.0.0/16 to one endpoint ENI. */
function flows(count: number, from = 0): FlowKey[] {
  return Array.from({ length: count }, (_, i) => ({
    srcIp: `172.16.${((i + from) >> 8) & 255}.${(i + from) & 255}`, srcPort: 32768 + ((i + from) * 7919) % 28000, dstIp: '10.9.0.5', dstPort: 443,
  }));
}

type Row = { name: string; targets: TargetView[]; opts?: Partial<PickOptions>; pool: string[]; failOpen?: boolean; reason: RegExp };
const rows: Row[] = [
  { name: 'healthy targets of the node zone only (cross-zone off)', targets: three(), pool: ['a1', 'a2'],
    reason: /^flow hash among 2 healthy target\(s\) in zone us-east-1a \(cross-zone off\) chose 10\.0\.1\.1[01]:80$/ },
  { name: 'cross-zone on: healthy targets of every zone', targets: three(), opts: { crossZone: true }, pool: ['a1', 'a2', 'b1'],
    reason: /^flow hash among 3 healthy target\(s\) in any zone \(cross-zone on\)/ },
  { name: 'the other node sees its own zone', targets: three(), opts: { nodeZone: B }, pool: ['b1'], reason: /among 1 healthy target\(s\) in zone us-east-1b/ },
  { name: 'one unhealthy target is skipped', targets: three({ a2: 'unhealthy' }), pool: ['a1'], reason: /among 1 healthy target\(s\) in zone us-east-1a/ },
  { name: 'initial targets wait for their first passed checks', targets: three({ a1: 'initial' }), pool: ['a2'], reason: /among 1 healthy/ },
  { name: 'unhealthy.draining takes no new flows while others are healthy', targets: three({ a1: 'unhealthy.draining' }), pool: ['a2'], reason: /among 1 healthy/ },
  { name: 'zone without healthy target fails open within the zone (cross-zone off), even with healthy targets elsewhere',
    targets: three({ a1: 'unhealthy', a2: 'unhealthy' }), pool: ['a1', 'a2'], failOpen: true,
    reason: /^fail open: no healthy target in zone us-east-1a \(cross-zone off\); flow hash among all 2 target\(s\) regardless of health/ },
  { name: 'all unhealthy, cross-zone on: fail open to all', targets: three({ a1: 'unhealthy', a2: 'unhealthy', b1: 'unhealthy' }), opts: { crossZone: true },
    pool: ['a1', 'a2', 'b1'], failOpen: true, reason: /^fail open: no healthy target in any zone \(cross-zone on\)/ },
  { name: 'only initial targets: fail open to them', targets: three({ a1: 'initial', a2: 'initial' }), pool: ['a1', 'a2'], failOpen: true, reason: /^fail open/ },
  { name: 'cross-zone on, one healthy target elsewhere: no fail open', targets: three({ a1: 'unhealthy', a2: 'unhealthy' }), opts: { crossZone: true },
    pool: ['b1'], reason: /^flow hash among 1 healthy target\(s\) in any zone/ },
  { name: 'draining target is excluded', targets: three({ a1: 'draining' }), pool: ['a2'], reason: /among 1 healthy/ },
  { name: 'draining target is excluded even when failing open', targets: three({ a1: 'draining', a2: 'unhealthy' }), pool: ['a2'], failOpen: true,
    reason: /^fail open: no healthy target in zone us-east-1a.*among all 1 target/ },
  { name: 'unused target is excluded', targets: three({ a2: 'unused' }), pool: ['a1'], reason: /among 1 healthy/ },
  { name: "a target registered for zone 'all' serves every node", targets: [...three(), t('192.168.9.9', 'all')], opts: { nodeZone: B },
    pool: ['b1', 'x'], reason: /among 2 healthy target\(s\) in zone us-east-1b/ },
  { name: 'routing minimum count 2: one healthy target fails open', targets: three({ a2: 'unhealthy' }),
    opts: { routingMinimum: { count: 2, percentage: 0 } }, pool: ['a1', 'a2'], failOpen: true,
    reason: /^fail open: 1 healthy target\(s\) in zone us-east-1a \(cross-zone off\), below the routing minimum of 2;/ },
  { name: 'routing minimum 60 %: 2 of 3 healthy is enough', targets: three({ b1: 'unhealthy' }), opts: { crossZone: true, routingMinimum: { count: 1, percentage: 60 } },
    pool: ['a1', 'a2'], reason: /^flow hash among 2 healthy/ },
  { name: 'routing minimum 70 %: 2 of 3 healthy fails open', targets: three({ b1: 'unhealthy' }), opts: { crossZone: true, routingMinimum: { count: 1, percentage: 70 } },
    pool: ['a1', 'a2', 'b1'], failOpen: true, reason: /below the routing minimum of 3/ },
  { name: 'stickiness reason', targets: three(), opts: { stickiness: 'source_ip' }, pool: ['a1', 'a2'], reason: /^source-IP hash among 2 healthy/ },
];

describe('pickTarget: pools', () => {
  for (const r of rows) {
    it(r.name, () => {
      const seen = new Set<string>();
      for (const f of flows(400)) {
        const got = pickTarget(r.targets, f, opts(r.opts));
        assert.ok(got.target, got.reason);
        assert.match(got.reason, r.reason);
        assert.equal(got.failOpen, r.failOpen ?? false);
        seen.add(name(got.target));
      }
      assert.deepEqual([...seen].sort(), [...r.pool].sort(), 'picks cover exactly the expected pool');
    });
  }
});

describe('pickTarget: no target', () => {
  const none: Array<{ name: string; targets: TargetView[]; opts?: Partial<PickOptions>; reason: RegExp }> = [
    { name: 'empty target group', targets: [], reason: /^no registered target in the target group$/ },
    { name: 'no target in the node zone (cross-zone off)', targets: three(), opts: { nodeZone: 'us-east-1c' },
      reason: /^no registered target in zone us-east-1c \(cross-zone off\); 3 in other zones$/ },
    { name: 'every target draining', targets: three({ a1: 'draining', a2: 'draining', b1: 'draining' }), opts: { crossZone: true },
      reason: /^no registered target in any zone \(cross-zone on\); 3 draining or unused$/ },
    { name: 'node zone drained, others elsewhere', targets: three({ a1: 'draining', a2: 'unused' }),
      reason: /^no registered target in zone us-east-1a \(cross-zone off\); 1 in other zones, 2 draining or unused$/ },
  ];
  for (const c of none) {
    it(c.name, () => {
      const got = pickTarget(c.targets, flows(1)[0]!, opts(c.opts));
      assert.equal(got.target, undefined);
      assert.equal(got.failOpen, false);
      assert.match(got.reason, c.reason);
    });
  }
});

describe('pickTarget: determinism and stickiness', () => {
  const four = ['10.0.1.10', '10.0.1.11', '10.0.1.12', '10.0.1.13'].map((ip) => t(ip, A));

  it('the same flow maps to the same target, whatever the order of the candidates', () => {
    const reversed = [...four].reverse();
    const rotated = [...four.slice(2), ...four.slice(0, 2)];
    for (const f of flows(500)) {
      const id = pickTarget(four, f, opts()).target!.id;
      assert.equal(pickTarget(four, f, opts()).target!.id, id);
      assert.equal(pickTarget(reversed, f, opts()).target!.id, id);
      assert.equal(pickTarget(rotated, f, opts()).target!.id, id);
    }
  });

  it('a precomputed key picks exactly as the key computed per flow', () => {
    const keyed = four.map((v) => ({ ...v, key: targetKey(v.id, v.port) }));
    for (const f of flows(500)) assert.equal(pickTarget(keyed, f, opts()).target!.id, pickTarget(four, f, opts()).target!.id);
    const wrong = four.map((v, i) => ({ ...v, key: targetKey(four[(i + 1) % 4]!.id, v.port) }));
    assert.ok(flows(500).some((f) => pickTarget(wrong, f, opts()).target!.id !== pickTarget(four, f, opts()).target!.id), 'the key is what decides');
  });

  it('targets on one address but different ports are distinct targets', () => {
    const ports = [t('10.0.1.10', A, 'healthy', 8080), t('10.0.1.10', A, 'healthy', 8081)];
    const seen = new Set(flows(200).map((f) => pickTarget(ports, f, opts()).target!.port));
    assert.deepEqual([...seen].sort(), [8080, 8081]);
  });

  it('the seed changes the mapping (different load balancers spread differently)', () => {
    const moved = flows(1000).filter((f) => pickTarget(four, f, opts({ seed: 1 })).target !== pickTarget(four, f, opts({ seed: 2 })).target).length;
    assert.ok(moved > 600 && moved < 900, `${moved} of 1000 flows moved; ~750 expected for 4 targets`);
  });

  it('the TCP sequence number makes a reused 5-tuple pick afresh', () => {
    const f = flows(1)[0]!;
    const ids = new Set(Array.from({ length: 64 }, (_, seq) => pickTarget(four, { ...f, seq: seq * 0x9e3779b1 }, opts()).target!.id));
    assert.ok(ids.size >= 3, `64 sequence numbers reached ${ids.size} target(s)`);
    assert.equal(pickTarget(four, { ...f, seq: 5 }, opts()).target, pickTarget(four, { ...f, seq: 5 }, opts()).target);
  });

  it('source_ip stickiness keeps one source on one target across ports and destinations', () => {
    for (let s = 0; s < 50; s++) {
      const src = `172.16.7.${s}`;
      const ids = new Set<string>();
      for (let p = 0; p < 40; p++) {
        const f = { srcIp: src, srcPort: 40000 + p * 13, dstIp: p % 2 ? '10.9.0.5' : '10.9.1.5', dstPort: 443 + (p % 3), seq: p * 7 };
        ids.add(pickTarget(four, f, opts({ stickiness: 'source_ip' })).target!.id);
      }
      assert.equal(ids.size, 1, `${src} reached ${[...ids].join(', ')}`);
    }
  });

  it('without stickiness one source spreads over the targets', () => {
    const ids = new Set(Array.from({ length: 40 }, (_, p) => pickTarget(four, { srcIp: '172.16.7.1', srcPort: 40000 + p, dstIp: '10.9.0.5', dstPort: 443 }, opts()).target!.id));
    assert.equal(ids.size, 4);
  });

  it('flowHash: source_ip ignores all but the source address; 5-tuple does not', () => {
    const a = { srcIp: '1.2.3.4', srcPort: 1, dstIp: '5.6.7.8', dstPort: 2 };
    const b = { srcIp: '1.2.3.4', srcPort: 9, dstIp: '5.6.7.9', dstPort: 3, seq: 4 };
    assert.equal(flowHash(a, 'source_ip', 1), flowHash(b, 'source_ip', 1));
    assert.notEqual(flowHash(a, 'none', 1), flowHash(b, 'none', 1));
    assert.notEqual(flowHash({ ...a, srcIp: '1.2.3.45', dstIp: '5.6.7.8' }, 'none', 1), flowHash({ ...a, srcIp: '1.2.3.4', dstIp: '55.6.7.8' }, 'none', 1));
  });
});

describe('pickTarget: scripted health changes over fixed flows', () => {
  // Cross-zone on; each step sets the health of a1, a2, b1 and names the pool the flows must cover.
  // Rendezvous hashing: a flow whose target is still in the pool stays there, unless a target that
  // joined the pool takes it; flows of a target that left move to the remaining ones.
  const steps: Array<{ health: Partial<Record<'a1' | 'a2' | 'b1', TargetHealthState>>; pool: string[]; failOpen: boolean }> = [
    { health: {}, pool: ['a1', 'a2', 'b1'], failOpen: false },
    { health: { b1: 'unhealthy' }, pool: ['a1', 'a2'], failOpen: false },
    { health: { b1: 'unhealthy', a2: 'draining' }, pool: ['a1'], failOpen: false },
    { health: { b1: 'unhealthy', a2: 'draining', a1: 'unhealthy' }, pool: ['a1', 'b1'], failOpen: true },
    { health: { a2: 'draining' }, pool: ['a1', 'b1'], failOpen: false },
    { health: { a2: 'initial' }, pool: ['a1', 'b1'], failOpen: false },
    { health: {}, pool: ['a1', 'a2', 'b1'], failOpen: false },
  ];
  it('flows move only off targets that left the pool, or onto targets that joined it', () => {
    const fs = flows(3000);
    let prev: string[] | undefined;
    let prevPool: string[] = [];
    for (const [i, s] of steps.entries()) {
      const picks = fs.map((f) => {
        const p = pickTarget(three(s.health), f, opts({ crossZone: true }));
        assert.equal(p.failOpen, s.failOpen, `step ${i}: ${p.reason}`);
        return name(p.target!);
      });
      assert.deepEqual([...new Set(picks)].sort(), [...s.pool].sort(), `step ${i} pool`);
      if (prev) {
        const joined = s.pool.filter((p) => !prevPool.includes(p));
        let moved = 0;
        for (let k = 0; k < fs.length; k++) {
          if (picks[k] !== prev[k]) moved++;
          if (s.pool.includes(prev[k]!)) {
            assert.ok(picks[k] === prev[k] || joined.includes(picks[k]!), `step ${i}: flow ${k} moved from ${prev[k]} to ${picks[k]}`);
          }
        }
        const same = prevPool.length === s.pool.length && prevPool.every((p) => s.pool.includes(p));
        assert.equal(moved === 0, same, `step ${i}: ${moved} flow(s) moved`);
      }
      prev = picks;
      prevPool = s.pool;
    }
  });
});

describe('pickTarget: distribution', () => {
  const four = ['10.0.1.10', '10.0.1.11', '10.0.2.10', '10.0.2.11'].map((ip, i) => t(ip, i < 2 ? A : B));
  const share = (pick: (f: FlowKey) => TargetView | undefined, fs: FlowKey[]) => {
    const counts = new Map<string, number>();
    for (const f of fs) {
      const id = pick(f)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return [...counts.values()].map((c) => c / fs.length);
  };
  for (const seed of [1, 42, 0xdeadbeef]) {
    it(`10,000 flows over 4 healthy targets: each gets 20–30 % (seed ${seed})`, () => {
      const s = share((f) => pickTarget(four, f, opts({ crossZone: true, seed })).target, flows(10_000));
      assert.equal(s.length, 4);
      for (const x of s) assert.ok(x >= 0.2 && x <= 0.3, `share ${x}`);
    });
  }
  it('10,000 sources with source_ip stickiness: each target gets 20–30 %', () => {
    const fs = Array.from({ length: 10_000 }, (_, i) => ({ srcIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, srcPort: 5000, dstIp: '10.9.0.5', dstPort: 443 }));
    const s = share((f) => pickTarget(four, f, opts({ crossZone: true, stickiness: 'source_ip' })).target, fs);
    assert.equal(s.length, 4);
    for (const x of s) assert.ok(x >= 0.2 && x <= 0.3, `share ${x}`);
  });
  it('one client port range to one endpoint (a single busy consumer) spreads too', () => {
    const fs = Array.from({ length: 10_000 }, (_, i) => ({ srcIp: '172.16.0.9', srcPort: 32768 + i, dstIp: '10.9.0.5', dstPort: 443 }));
    const s = share((f) => pickTarget(four, f, opts({ crossZone: true })).target, fs);
    for (const x of s) assert.ok(x >= 0.2 && x <= 0.3, `share ${x}`);
  });
});

describe('target-group attributes', () => {
  const table: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, undefined, false], // NLB default: off
    ['true', undefined, true],
    ['true', 'use_load_balancer_configuration', true],
    ['false', 'use_load_balancer_configuration', false],
    ['false', 'true', true], // TG overrides the LB
    ['true', 'false', false],
  ];
  for (const [lb, tg, want] of table) {
    it(`cross-zone: LB ${lb ?? '(default)'}, TG ${tg ?? '(default)'} → ${want}`, () => {
      const attrs = (v: string | undefined): Record<string, string> => (v === undefined ? {} : { 'load_balancing.cross_zone.enabled': v });
      assert.equal(effectiveCrossZone(attrs(lb), attrs(tg)), want);
    });
  }
  it('stickiness', () => {
    assert.equal(stickinessOf({}), 'none');
    assert.equal(stickinessOf({ 'stickiness.enabled': 'false', 'stickiness.type': 'source_ip' }), 'none');
    assert.equal(stickinessOf({ 'stickiness.enabled': 'true', 'stickiness.type': 'source_ip' }), 'source_ip');
    assert.equal(stickinessOf({ 'stickiness.enabled': 'true' }), 'source_ip');
  });
  it('routing minimum', () => {
    assert.deepEqual(routingMinimumOf({}), { count: 1, percentage: 0 });
    assert.deepEqual(routingMinimumOf({
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': 'off',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': '50',
    }), { count: 0, percentage: 50 });
  });
});

describe('fed by the control plane', () => {
  it('views built from registered targets and computeTargetHealth pick as AWS routes', () => {
    const T0 = '2026-01-01T00:00:00.000Z';
    const lb = { state: 'active' as const, zones: [A, B].map((az) => ({ subnetId: 's', availabilityZone: az, availabilityZoneId: 'z', networkInterfaceId: 'eni', privateIpv4Address: '10.0.0.4' })) };
    const registered: RegisteredTarget[] = [
      { id: '10.0.1.10', port: 80, registeredAt: T0, zone: A },
      { id: '10.0.1.11', port: 80, registeredAt: T0, zone: A },
      { id: '10.0.1.12', port: 80, registeredAt: T0, zone: A, drainingUntil: '2026-01-01T00:05:00.000Z' },
    ];
    const view = (observed: Array<'healthy' | 'unhealthy' | undefined>): TargetView[] => registered.map((r, i) => ({
      id: r.id, port: r.port, zone: targetZone(r),
      health: computeTargetHealth({ target: r, loadBalancer: lb, inUseSince: T0, now: new Date('2026-01-01T00:01:00.000Z'), registrationMs: 1000,
        observed: observed[i] ? { state: observed[i]! } : undefined }).State,
    }));
    const f = flows(1)[0]!;
    // No check result yet: both live targets are initial → fail open among them; the draining one never.
    const initial = pickTarget(view([]), f, opts());
    assert.equal(initial.failOpen, true, initial.reason);
    assert.notEqual(initial.target!.id, '10.0.1.12');
    const one = pickTarget(view([undefined, 'healthy', 'healthy']), f, opts());
    assert.equal(one.target!.id, '10.0.1.11', one.reason);
    assert.equal(one.failOpen, false);
  });
});
