/**
 * `HealthChecker`: one check loop per health-checked target of the desired state, each probing at
 * the group's interval (jittered), never two checks of one target at once, applying AWS's
 * thresholds (`state.ts`) and reporting every change of verdict as a `TargetHealthObservation`.
 * Time comes from an injectable clock and scheduler so that tests drive it without sleeping.
 *
 * Which targets are checked: those of groups with health checks enabled and at least one load
 * balancer forwarding to them (AWS does not check unused groups), that are not draining, whose
 * health-check protocol is TCP, HTTP or HTTPS, and whose address resolves (by default the target
 * id when it is an IP address — `ip` targets; pass `resolveAddress` for others).
 */
import net from 'node:net';
import type { DesiredTarget, DesiredTargetGroup } from '../../reconcile/desired-state.js';
import type { TargetHealthObservation } from '../../reconcile/status.js';
import { probe as realProbe, type ProbeOptions, type ProbeProtocol, type ProbeResult, type ProbeSpec } from './probe.js';
import { applyCheck, INITIAL_STATE, type TargetCheckState, type Thresholds } from './state.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The timer half of a clock: real timers by default, a fake one in tests. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type Probe = (spec: ProbeSpec, opts: ProbeOptions & { signal: AbortSignal }) => Promise<ProbeResult>;

export interface HealthCheckerOptions {
  /** Called on every change of a target's verdict (state, reason or description), in order. */
  onObservation: (o: TargetHealthObservation) => void;
  clock?: Clock;
  scheduler?: Scheduler;
  /**
   * The check itself; default `probe` of probe.ts. Wrap it to pass a `connect` that opens the
   * socket elsewhere (e.g. from inside the load balancer's network namespace).
   */
  probe?: Probe;
  /** Uniform [0, 1); default Math.random. */
  random?: () => number;
  /**
   * Jitter as a fraction of the interval (default 0.1, clamped to [0, 0.5]): each wait is
   * interval × (1 ± jitter), counted from the start of the previous check (at once when that check
   * overran); the first check of a loop runs after interval × jitter × random().
   */
  jitter?: number;
  /** Address to probe (and source address) of a target; default: the id when it is an IP. */
  resolveAddress?: (tg: DesiredTargetGroup, target: DesiredTarget) => { host: string; localAddress?: string } | undefined;
  /**
   * TESTS ONLY: use this interval (ms) instead of every group's `intervalSeconds` (AWS's minimum
   * is 5 s, too slow for a real-time test). Probe timeouts are capped at the interval either way.
   */
  intervalOverrideMs?: number;
  /** Called when `onObservation` throws (the loop goes on). */
  onError?: (err: unknown, key: string) => void;
}

export interface ReconcileResult {
  started: string[];
  stopped: string[];
  restarted: string[];
}

const PROTOCOLS = new Set<string>(['TCP', 'HTTP', 'HTTPS']);

const realClock: Clock = { now: () => Date.now() };
const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The identity of a check loop: target group ARN, target id and target port. */
export function targetKey(targetGroupArn: string, targetId: string, port: number): string {
  return `${targetGroupArn} ${targetId} ${port}`;
}

interface LoopConfig {
  targetGroupArn: string;
  targetId: string;
  port: number;
  spec: ProbeSpec;
  thresholds: Thresholds;
  intervalMs: number;
}

interface Loop {
  config: LoopConfig;
  fingerprint: string;
  state: TargetCheckState;
  timer?: unknown;
  inFlight?: AbortController;
  stopped: boolean;
  last?: TargetHealthObservation;
}

export class HealthChecker {
  readonly #opts: HealthCheckerOptions;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #probe: Probe;
  readonly #random: () => number;
  readonly #jitter: number;
  readonly #loops = new Map<string, Loop>();

  constructor(opts: HealthCheckerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#scheduler = opts.scheduler ?? realScheduler;
    this.#probe = opts.probe ?? realProbe;
    this.#random = opts.random ?? Math.random;
    this.#jitter = Math.min(Math.max(opts.jitter ?? 0.1, 0), 0.5);
  }

  /** Starts, stops and restarts loops so that exactly the health-checked targets of `groups` run. */
  reconcile(groups: readonly DesiredTargetGroup[]): ReconcileResult {
    const want = new Map<string, LoopConfig>();
    for (const tg of groups) {
      for (const t of tg.targets) {
        const c = this.#configOf(tg, t);
        if (c) want.set(targetKey(tg.arn, t.id, t.port), c);
      }
    }
    const result: ReconcileResult = { started: [], stopped: [], restarted: [] };
    for (const [key, loop] of this.#loops) {
      if (!want.has(key)) {
        this.#stopLoop(loop);
        this.#loops.delete(key);
        result.stopped.push(key);
      }
    }
    for (const [key, config] of want) {
      const fingerprint = JSON.stringify(config);
      const old = this.#loops.get(key);
      if (old?.fingerprint === fingerprint) continue;
      if (old) {
        this.#stopLoop(old);
        result.restarted.push(key);
      } else {
        result.started.push(key);
      }
      const loop: Loop = { config, fingerprint, state: INITIAL_STATE, stopped: false };
      this.#loops.set(key, loop);
      this.#schedule(loop, config.intervalMs * this.#jitter * this.#random());
    }
    return result;
  }

  /** The latest verdict of every running loop that has one (initial targets are left out). */
  current(): TargetHealthObservation[] {
    return [...this.#loops.values()].flatMap((l) => (l.last ? [l.last] : []));
  }

  /** Keys of the running loops. */
  keys(): string[] {
    return [...this.#loops.keys()];
  }

  /** Stops every loop: clears their timers and aborts checks in flight. */
  stop(): void {
    for (const loop of this.#loops.values()) this.#stopLoop(loop);
    this.#loops.clear();
  }

  #configOf(tg: DesiredTargetGroup, t: DesiredTarget): LoopConfig | undefined {
    const hc = tg.healthCheck;
    if (!hc.enabled || tg.loadBalancers.length === 0 || t.drainingUntil !== undefined) return undefined;
    if (!PROTOCOLS.has(hc.protocol)) return undefined;
    const addr = this.#opts.resolveAddress ? this.#opts.resolveAddress(tg, t) : net.isIP(t.id) ? { host: t.id } : undefined;
    if (!addr) return undefined;
    const intervalMs = this.#opts.intervalOverrideMs ?? hc.intervalSeconds * 1000;
    const spec: ProbeSpec = {
      protocol: hc.protocol as ProbeProtocol,
      host: addr.host,
      port: t.healthCheckPort,
      timeoutMs: Math.min(hc.timeoutSeconds * 1000, intervalMs),
      proxyProtocolV2: tg.proxyProtocolV2,
      ...(addr.localAddress !== undefined && { localAddress: addr.localAddress }),
      ...(hc.protocol !== 'TCP' && { path: hc.path ?? '/', matcher: hc.matcher ?? '200-399' }),
    };
    return {
      targetGroupArn: tg.arn,
      targetId: t.id,
      port: t.port,
      spec,
      thresholds: { healthyThreshold: hc.healthyThreshold, unhealthyThreshold: hc.unhealthyThreshold },
      intervalMs,
    };
  }

  #schedule(loop: Loop, delayMs: number): void {
    loop.timer = this.#scheduler.setTimeout(() => {
      loop.timer = undefined;
      this.#run(loop);
    }, Math.max(0, Math.round(delayMs)));
  }

  #run(loop: Loop): void {
    if (loop.stopped || loop.inFlight) return;
    const started = this.#clock.now();
    const ac = new AbortController();
    loop.inFlight = ac;
    let check: Promise<ProbeResult>;
    try {
      check = this.#probe(loop.config.spec, { signal: ac.signal });
    } catch (e) {
      check = Promise.reject(e);
    }
    check
      .catch((e: unknown): ProbeResult => ({ ok: false, reasonCode: 'Target.FailedHealthChecks', detail: `probe error: ${String(e)}` }))
      .then((r) => {
        if (loop.inFlight === ac) loop.inFlight = undefined;
        if (loop.stopped) return;
        this.#settle(loop, r);
        const wait = loop.config.intervalMs * (1 + this.#jitter * (2 * this.#random() - 1));
        this.#schedule(loop, wait - (this.#clock.now() - started));
      });
  }

  #settle(loop: Loop, r: ProbeResult): void {
    const { next, changed } = applyCheck(loop.state, r, loop.config.thresholds);
    loop.state = next;
    if (!changed || next.state === 'initial') return;
    const c = loop.config;
    const obs: TargetHealthObservation = {
      targetGroupArn: c.targetGroupArn,
      targetId: c.targetId,
      port: c.port,
      state: next.state,
      ...(next.reason !== undefined && { reason: next.reason }),
      ...(next.description !== undefined && { description: next.description }),
      at: new Date(this.#clock.now()).toISOString(),
    };
    loop.last = obs;
    try {
      this.#opts.onObservation(obs);
    } catch (e) {
      this.#opts.onError?.(e, targetKey(c.targetGroupArn, c.targetId, c.port));
    }
  }

  #stopLoop(loop: Loop): void {
    loop.stopped = true;
    if (loop.timer !== undefined) this.#scheduler.clearTimeout(loop.timer);
    loop.timer = undefined;
    loop.inFlight?.abort();
    loop.inFlight = undefined;
  }
}
