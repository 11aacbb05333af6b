/**
 * One idle-timer wheel for every flow: `touch` on activity only stores a timestamp; one interval
 * tick visits just the flows whose deadline slot came up, expires those idle ≥ their timeout and
 * moves the others to the slot of their new deadline. No timer per socket.
 */

/** Time source in milliseconds; monotonic by default (`performance.now()`). */
export interface Clock { now(): number }

/** Where the wheel's tick runs; tests pass a fake one and call `tick()` themselves. */
export interface Scheduler {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/**
 * What the wheel tracks. `lastActive` and `idleSlot` are owned by the wheel (set them to 0 and
 * -1 on creation); `idleTimeoutMs` is the flow's own timeout (e.g. the listener's
 * `tcp.idle_timeout.seconds`); `expire` is called once, after the flow has left the wheel.
 */
export interface IdleFlow {
  idleTimeoutMs: number;
  lastActive: number;
  idleSlot: number;
  expire(reason: string): void;
}

export interface IdleWheelOptions {
  /** Slot width and tick interval: expiry happens up to this late. */
  tickMs?: number; // default 1000
  clock?: Clock;
  /** Default: the global timers, interval unref'd so an idle wheel never keeps the process alive. */
  scheduler?: Scheduler;
}

/** NLB's default TCP idle timeout (listener attribute `tcp.idle_timeout.seconds` = 350). */
export const DEFAULT_IDLE_TIMEOUT_MS = 350_000;

const monotonic: Clock = { now: () => performance.now() };
const timers: Scheduler = {
  setInterval(fn, ms) { const h = setInterval(fn, ms); h.unref(); return h; },
  clearInterval(h) { clearInterval(h as ReturnType<typeof setInterval>); },
};

export class IdleWheel {
  readonly tickMs: number;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  /** Absolute slot number (deadline / tickMs, rounded up) → flows due then. */
  readonly #slots = new Map<number, Set<IdleFlow>>();
  #handle: unknown;
  /** Every slot ≤ this one has been processed. */
  #done: number;
  #size = 0;

  constructor(opts: IdleWheelOptions = {}) {
    this.tickMs = opts.tickMs ?? 1000;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be > 0, got ${this.tickMs}`);
    this.#clock = opts.clock ?? monotonic;
    this.#scheduler = opts.scheduler ?? timers;
    this.#done = Math.floor(this.#clock.now() / this.tickMs);
    this.#handle = this.#scheduler.setInterval(() => this.tick(), this.tickMs);
  }

  /** Flows currently tracked. */
  get size(): number { return this.#size; }

  now(): number { return this.#clock.now(); }

  /** Start (or restart) tracking from now; `timeoutMs` replaces the flow's `idleTimeoutMs`. */
  track(flow: IdleFlow, timeoutMs?: number): void {
    if (timeoutMs !== undefined) flow.idleTimeoutMs = timeoutMs;
    if (flow.idleSlot >= 0) this.untrack(flow);
    flow.lastActive = this.#clock.now();
    this.#insert(flow);
    this.#size++;
  }

  /** Activity: only the timestamp changes; the tick re-slots the flow lazily. */
  touch(flow: IdleFlow): void {
    flow.lastActive = this.#clock.now();
  }

  untrack(flow: IdleFlow): void {
    if (flow.idleSlot < 0) return;
    const set = this.#slots.get(flow.idleSlot);
    if (set?.delete(flow)) {
      this.#size--;
      if (set.size === 0) this.#slots.delete(flow.idleSlot);
    }
    flow.idleSlot = -1;
  }

  /** Expire every flow idle ≥ its timeout; returns how many expired. Run by the interval. */
  tick(): number {
    const now = this.#clock.now();
    const cur = Math.floor(now / this.tickMs);
    if (cur <= this.#done) return 0;
    const due = cur - this.#done <= this.#slots.size
      ? Array.from({ length: cur - this.#done }, (_, i) => this.#done + 1 + i)
      : [...this.#slots.keys()].filter((k) => k <= cur).sort((a, b) => a - b);
    this.#done = cur;
    const expired: IdleFlow[] = [];
    for (const slot of due) {
      const set = this.#slots.get(slot);
      if (!set) continue;
      this.#slots.delete(slot);
      for (const flow of set) {
        if (now - flow.lastActive >= flow.idleTimeoutMs) {
          flow.idleSlot = -1;
          this.#size--;
          expired.push(flow);
        } else {
          this.#insert(flow);
        }
      }
    }
    for (const flow of expired) flow.expire('idle timeout');
    return expired.length;
  }

  /** Stop the interval; tracked flows stay tracked but no longer expire on their own. */
  close(): void {
    if (this.#handle !== undefined) this.#scheduler.clearInterval(this.#handle);
    this.#handle = undefined;
  }

  #insert(flow: IdleFlow): void {
    const slot = Math.max(Math.ceil((flow.lastActive + flow.idleTimeoutMs) / this.tickMs), this.#done + 1);
    let set = this.#slots.get(slot);
    if (!set) { set = new Set(); this.#slots.set(slot, set); }
    set.add(flow);
    flow.idleSlot = slot;
  }
}
