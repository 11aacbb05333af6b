/**
 * Renders a suite's result as a Markdown table: per metric, each subject's median and min–max over
 * the repetitions, each subject's ratio to the anchor, and the target with pass/short.
 */
import { max, median, min, ratio } from './stats.js';
import type { Sample, SuiteResult } from './types.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  commit: string;
  /** Tracked files differed from the commit. */
  dirty: boolean;
  date: string;
  /** 1, 5 and 15 minute load averages when the run started (others' work on a shared machine shows here). */
  loadAverage: number[];
}

/** A number with 3 significant digits (thousands kept whole). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** The subject compared with the anchor: 'underpass' if measured, else the first other subject. */
export function mainSubject(s: Sample): string | undefined {
  const others = Object.keys(s.values).filter((k) => k !== s.anchor);
  return others.includes('underpass') ? 'underpass' : others[0];
}

/** 'pass', 'short', or '' when the sample has no target or no value. */
export function verdict(s: Sample): 'pass' | 'short' | '' {
  const who = mainSubject(s);
  if (!s.target || !who || !s.values[who]?.length) return '';
  if (s.target.ratio !== undefined) {
    const r = ratio(s.values[who]!, s.values[s.anchor] ?? []);
    if (Number.isNaN(r)) return '';
    return (s.better === 'higher' ? r >= s.target.ratio : r <= s.target.ratio) ? 'pass' : 'short';
  }
  if (s.target.absolute !== undefined) {
    const m = median(s.values[who]!);
    return (s.better === 'higher' ? m >= s.target.absolute : m <= s.target.absolute) ? 'pass' : 'short';
  }
  return '';
}

export function renderSuite(r: SuiteResult): string {
  const subjects = [...new Set(r.samples.flatMap((s) => Object.keys(s.values)))];
  const lines = [`## ${r.suite}`, ''];
  if (r.samples.length) {
    lines.push(`| metric | unit | ${subjects.map((s) => `${s} median (min–max)`).join(' | ')} | ratio to anchor | target | |`);
    lines.push(`|---|---|${subjects.map(() => '---:').join('|')}|---|---|---|`);
    for (const s of r.samples) {
      const cells = subjects.map((who) => {
        const v = s.values[who];
        if (!v || v.length === 0) return '–';
        return `${fmt(median(v))} (${fmt(min(v))}–${fmt(max(v))})`;
      });
      const ratios = Object.keys(s.values).filter((k) => k !== s.anchor && s.values[k]!.length && s.values[s.anchor]?.length)
        .map((k) => `${k} ${fmt(ratio(s.values[k]!, s.values[s.anchor]!))}×`).join(', ');
      lines.push(`| ${s.metric} | ${s.unit} | ${cells.join(' | ')} | ${ratios ? `${ratios} vs ${s.anchor}` : '–'} | ${s.target?.text ?? ''} | ${verdict(s)} |`);
      if (s.skipped) lines.push(`| ↳ skipped | | ${s.skipped} |`);
    }
    lines.push('');
  }
  for (const n of r.notes) lines.push(`* ${n}`);
  return lines.join('\n');
}
