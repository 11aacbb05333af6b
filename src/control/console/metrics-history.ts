/**
 * The console's metrics history: the data plane's counters sampled every second into a ring of
 * the last 300 samples, and each account's view of them (its own endpoints, its own services).
 * Counters stay cumulative; the console computes rates from consecutive samples.
 */
import type { MetricsSnapshot } from '../../dataplane/metrics.js';

export interface EndpointSample { bytesProcessed: number; activeConnections: number; newConnections: number; packetsDropped: number; rstPacketsReceived: number }
export interface ServiceSample { bytesProcessed: number; activeConnections: number; newConnections: number; endpointsCount: number }

export interface MetricsSample {
  /** Epoch ms. */
  t: number;
  /** By endpoint id (vpce-…). */
  endpoints: Record<string, EndpointSample>;
  /** By endpoint service id (vpce-svc-…). */
  services: Record<string, ServiceSample>;
}

export const SAMPLE_INTERVAL_MS = 1000;
export const SAMPLES_KEPT = 300;

/** One sample of a snapshot, in the console's shape. */
export function toSample(t: number, s: MetricsSnapshot): MetricsSample {
  const endpoints: Record<string, EndpointSample> = {};
  for (const e of s.endpoints) {
    endpoints[e.vpcEndpointId] = {
      bytesProcessed: e.bytesProcessed, activeConnections: e.activeConnections, newConnections: e.newConnections,
      packetsDropped: e.packetsDropped, rstPacketsReceived: e.rstPacketsReceived,
    };
  }
  const services: Record<string, ServiceSample> = {};
  for (const v of s.services) {
    services[v.serviceId] = { bytesProcessed: v.bytesProcessed, activeConnections: v.activeConnections, newConnections: v.newConnections, endpointsCount: v.endpointsCount };
  }
  return { t, endpoints, services };
}

/** `sample` narrowed to the endpoints and services in the given sets. */
export function visibleSample(sample: MetricsSample, endpoints: ReadonlySet<string>, services: ReadonlySet<string>): MetricsSample {
  const pick = <T>(m: Record<string, T>, keep: ReadonlySet<string>): Record<string, T> =>
    Object.fromEntries(Object.entries(m).filter(([id]) => keep.has(id)));
  return { t: sample.t, endpoints: pick(sample.endpoints, endpoints), services: pick(sample.services, services) };
}

export class MetricsHistory {
  readonly #snapshot: () => MetricsSnapshot;
  readonly #now: () => number;
  readonly #capacity: number;
  readonly #ring: MetricsSample[] = [];
  #next = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(snapshot: () => MetricsSnapshot, opts: { now?: () => number; capacity?: number } = {}) {
    this.#snapshot = snapshot;
    this.#now = opts.now ?? Date.now;
    this.#capacity = opts.capacity ?? SAMPLES_KEPT;
  }

  /** Takes one sample now (a failing snapshot is skipped: the console shows a gap). */
  sample(): void {
    let s: MetricsSample;
    try {
      s = toSample(this.#now(), this.#snapshot());
    } catch (e) {
      console.error('underpass: console metrics sample failed', e);
      return;
    }
    if (this.#ring.length < this.#capacity) this.#ring.push(s);
    else this.#ring[this.#next] = s;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Samples with t > since, oldest first. */
  since(since: number): MetricsSample[] {
    const ordered = this.#ring.length < this.#capacity ? this.#ring : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return ordered.filter((s) => s.t > since);
  }

  /** Samples now and every `intervalMs` (unref'd) until `stop`. */
  start(intervalMs = SAMPLE_INTERVAL_MS): void {
    if (this.#timer) return;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
