/**
 * The traffic charts' memory: the server's cumulative counters, kept for a window (5 min) on the
 * client, turned into rates (bytes/s, new connections/s) between consecutive samples.
 */
import type { MetricsSample } from './api.ts';

export interface Point { t: number; v: number }

export class MetricsBuffer {
  readonly windowMs: number;
  #samples: MetricsSample[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** The time of the newest sample (0 when none): the next request's `since`. */
  get last(): number { return this.#samples.at(-1)?.t ?? 0; }

  add(samples: readonly MetricsSample[]): void {
    for (const s of samples) if (s.t > this.last) this.#samples.push(s);
    const cut = this.last - this.windowMs;
    while (this.#samples.length && this.#samples[0]!.t < cut) this.#samples.shift();
  }

  /** Ids of the endpoints or services seen in the window. */
  ids(kind: 'endpoints' | 'services'): string[] {
    const ids = new Set<string>();
    for (const s of this.#samples) for (const id of Object.keys(s[kind])) ids.add(id);
    return [...ids].sort();
  }

  /** A gauge as it is (active connections). */
  gauge(kind: 'endpoints' | 'services', id: string, field: 'activeConnections'): Point[] {
    return this.#samples.filter((s) => s[kind][id]).map((s) => ({ t: s.t, v: s[kind][id]![field] }));
  }

  /** A counter as a per-second rate between consecutive samples (a reset counts from 0). */
  rate(kind: 'endpoints' | 'services', id: string, field: 'bytesProcessed' | 'newConnections'): Point[] {
    const out: Point[] = [];
    let prev: { t: number; v: number } | undefined;
    for (const s of this.#samples) {
      const m = s[kind][id];
      if (!m) { prev = undefined; continue; }
      const v = m[field];
      if (prev && s.t > prev.t) out.push({ t: s.t, v: (v >= prev.v ? v - prev.v : v) / ((s.t - prev.t) / 1000) });
      prev = { t: s.t, v };
    }
    return out;
  }

  /** The latest cumulative value (totals shown next to the charts). */
  total(kind: 'endpoints' | 'services', id: string, field: 'bytesProcessed' | 'newConnections'): number {
    for (let i = this.#samples.length - 1; i >= 0; i--) {
      const m = this.#samples[i]![kind][id];
      if (m) return m[field];
    }
    return 0;
  }
}
