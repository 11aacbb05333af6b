/** The benchmark's statistics and its table: medians, percentiles, ratios and pass/short verdicts, table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { max, median, min, percentile, ratio, summarize } from '../../bench/lib/stats.js';
import { fmt, renderSuite, verdict } from '../../bench/lib/report.js';
import type { Sample } from '../../bench/lib/types.js';
import { treeCpuBetween, type TreeUsage } from '../../bench/lib/server.js';

describe('bench stats', () => {
  it('median, min, max over odd, even, unsorted and empty inputs', () => {
    const rows: Array<{ in: number[]; median: number; min: number; max: number }> = [
      { in: [3], median: 3, min: 3, max: 3 },
      { in: [5, 1, 3], median: 3, min: 1, max: 5 },
      { in: [4, 1, 3, 2], median: 2.5, min: 1, max: 4 },
      { in: [-1, 10, 10, 2, 7], median: 7, min: -1, max: 10 },
    ];
    for (const r of rows) {
      assert.equal(median(r.in), r.median, `median ${r.in}`);
      assert.equal(min(r.in), r.min);
      assert.equal(max(r.in), r.max);
    }
    assert.ok(Number.isNaN(median([])) && Number.isNaN(min([])) && Number.isNaN(max([])));
    assert.deepEqual(summarize([2, 9, 4]), { median: 4, min: 2, max: 9, n: 3 });
  });

  it('percentiles by nearest rank, without reordering the input', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    const rows: Array<[number, number]> = [[0, 1], [1, 1], [50, 50], [99, 99], [99.5, 100], [100, 100]];
    for (const [p, want] of rows) assert.equal(percentile(v, p), want, `p${p}`);
    assert.equal(v[0], 100, 'input untouched');
    assert.equal(percentile([7], 99), 7);
    assert.throws(() => percentile(v, 101), RangeError);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('ratio of medians; NaN without an anchor', () => {
    assert.equal(ratio([2, 4, 6], [1, 2, 3]), 2);
    assert.ok(Number.isNaN(ratio([1], [])));
    assert.ok(Number.isNaN(ratio([1], [0])));
  });

  it('verdicts follow the direction of "better" and absolute bounds', () => {
    const base = { metric: 'm', unit: 'u', anchor: 'haproxy' } as const;
    const rows: Array<{ s: Sample; want: string }> = [
      { s: { ...base, better: 'higher', values: { underpass: [10], haproxy: [10] }, target: { ratio: 1, text: '' } }, want: 'pass' },
      { s: { ...base, better: 'higher', values: { underpass: [9], haproxy: [10] }, target: { ratio: 1, text: '' } }, want: 'short' },
      { s: { ...base, better: 'lower', values: { underpass: [14], haproxy: [10] }, target: { ratio: 1.5, text: '' } }, want: 'pass' },
      { s: { ...base, better: 'lower', values: { underpass: [16], haproxy: [10] }, target: { ratio: 1.5, text: '' } }, want: 'short' },
      { s: { ...base, better: 'lower', values: { underpass: [3, 5, 4], haproxy: [1] }, target: { absolute: 4, text: '' } }, want: 'pass' },
      { s: { ...base, better: 'lower', values: { underpass: [5], haproxy: [1] }, target: { absolute: 4, text: '' } }, want: 'short' },
      { s: { ...base, better: 'higher', values: { underpass: [5], haproxy: [1] } }, want: '' },
      { s: { ...base, better: 'higher', values: { underpass: [5], haproxy: [] }, target: { ratio: 1, text: '' } }, want: '' },
    ];
    for (const r of rows) assert.equal(verdict(r.s), r.want, JSON.stringify(r.s));
  });

  it('renders one row per metric with median (min–max), ratios and the verdict', () => {
    const table = renderSuite({
      suite: 'x', notes: ['a note'],
      samples: [{ metric: 'tp', unit: 'Gbit/s', better: 'higher', anchor: 'haproxy', values: { direct: [20, 21, 22], haproxy: [5, 6, 7], underpass: [6, 6.5, 7] }, target: { ratio: 1, text: '≥ 1.0×' } }],
    });
    assert.match(table, /\| tp \| Gbit\/s \| 21\.0 \(20\.0–22\.0\) \| 6\.00 \(5\.00–7\.00\) \| 6\.50 \(6\.00–7\.00\) \| direct 3\.50×, underpass 1\.08× vs haproxy \| ≥ 1\.0× \| pass \|/);
    assert.match(table, /\* a note/);
    assert.equal(fmt(12_345.6), '12,346');
    assert.equal(fmt(Number.NaN), '–');
  });
  it('the CPU a process tree spent between two samples: never below zero when a process exits', () => {
    const usage = (cpu: Array<[number, number]>): TreeUsage => ({
      rssBytes: 0, processes: cpu.length, byCommand: {}, cpuByPid: new Map(cpu), cpuSeconds: cpu.reduce((s, [, c]) => s + c, 0),
    });
    const rows: Array<{ name: string; u0: Array<[number, number]>; u1: Array<[number, number]>; want: { cpuSeconds: number; exited: number; started: number } }> = [
      { name: 'same processes', u0: [[1, 10], [2, 5]], u1: [[1, 10.5], [2, 5.25]], want: { cpuSeconds: 0.75, exited: 0, started: 0 } },
      { name: 'a helper with 40 s of CPU exited', u0: [[1, 10], [2, 40]], u1: [[1, 10.5]], want: { cpuSeconds: 0.5, exited: 1, started: 0 } },
      { name: 'a process started in between', u0: [[1, 10]], u1: [[1, 10.5], [3, 0.25]], want: { cpuSeconds: 0.75, exited: 0, started: 1 } },
    ];
    for (const r of rows) assert.deepEqual(treeCpuBetween(usage(r.u0), usage(r.u1)), r.want, r.name);
  });
});
