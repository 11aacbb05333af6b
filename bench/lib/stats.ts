/**
 * Summary statistics of the benchmark: median, min, max and percentiles (nearest rank) over
 * repetitions or over the samples of one run, and the ratio of a subject to its anchor.
 */

/** The p-th percentile (0–100) by nearest rank over a copy of `values` sorted ascending; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The median: the middle value, or the mean of the two middle values; NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => (b < a ? b : a));
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => (b > a ? b : a));
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), min: min(values), max: max(values), n: values.length };
}

/** median(subject) / median(anchor); NaN when either is missing or the anchor is 0. */
export function ratio(subject: readonly number[], anchor: readonly number[]): number {
  const a = median(anchor);
  const s = median(subject);
  return a === 0 || Number.isNaN(a) || Number.isNaN(s) ? Number.NaN : s / a;
}

/** `x` rounded to `digits` decimals (one by default), for the result files. */
export function round(x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
