/**
 * The shape every benchmark suite returns, so the runner (bench/run.ts) can print one table and
 * write `bench/results/<date>-<commit>.json` + `.md`: each measurement is taken for Underpass
 * and for its anchor (direct path, HAProxy, dnsmasq, moto_server) in the same run, ≥ 3
 * repetitions each, and reported as median and min–max with the ratio to the anchor.
 */

export interface Sample {
  /** e.g. 'throughput 1 stream'. */
  metric: string;
  /** e.g. 'Gbit/s', 'req/s', 'µs', 'KiB/flow'. */
  unit: string;
  /** 'higher' when more is better (throughput), 'lower' when less is (latency, memory). */
  better: 'higher' | 'lower';
  /** What was measured, by subject ('underpass', 'direct', 'haproxy', 'dnsmasq', 'moto'): one value per repetition. */
  values: Record<string, number[]>;
  /** The subject the ratio is taken against. */
  anchor: string;
  /** The target as a ratio to the anchor (e.g. ≥ 1.0× or ≤ 1.5×), or an absolute bound, if any. */
  target?: { ratio?: number; absolute?: number; text: string };
  /** Why a subject could not be measured (e.g. moto_server missing), if so. */
  skipped?: string;
}

export interface SuiteResult {
  suite: string;
  samples: Sample[];
  notes: string[];
}

export interface SuiteOptions {
  /** Quick mode: shorter loads (the whole bench in a few minutes). */
  quick: boolean;
  /** Repetitions per measurement (≥ 3). */
  repetitions: number;
  log: (line: string) => void;
  /** Aborted when the run is interrupted (Ctrl-C): stop loads, clean up, return (added by the data-plane suite). */
  signal?: AbortSignal;
}

export type Suite = (opts: SuiteOptions) => Promise<SuiteResult>;
