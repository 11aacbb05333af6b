/**
 * A small SVG line chart: one or more series over the same time axis, the y axis from 0 to the
 * largest value, labelled ticks, and a text summary (the latest values) for screen readers.
 */
export interface Series { name: string; color: string; points: Array<{ t: number; v: number }> }

const W = 520;
const H = 160;
const PAD = { l: 56, r: 10, t: 10, b: 22 };

function fmt(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function LineChart({ title, unit, series, windowMs, now, testId }: {
  title: string; unit: string; series: Series[]; windowMs: number; now: number; testId?: string;
}) {
  const t0 = now - windowMs;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.v)));
  const x = (t: number) => PAD.l + ((t - t0) / windowMs) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const latest = series.map((s) => `${s.name} ${fmt(s.points.at(-1)?.v ?? 0)} ${unit}`).join(', ');
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title} <span className="muted">({unit})</span></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${latest}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(max * f)} y2={y(max * f)} className="grid" />
            <text x={PAD.l - 6} y={y(max * f) + 4} textAnchor="end" className="tick">{fmt(max * f)}</text>
          </g>
        ))}
        <text x={PAD.l} y={H - 4} className="tick">-{Math.round(windowMs / 1000)} s</text>
        <text x={W - PAD.r} y={H - 4} textAnchor="end" className="tick">now</text>
        {series.map((s) => (
          <polyline key={s.name} fill="none" stroke={s.color} strokeWidth={2}
            points={s.points.filter((p) => p.t >= t0).map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      <p className="legend">
        {series.map((s) => (
          <span key={s.name}><i style={{ background: s.color }} /> {s.name}: <b data-testid={testId ? `${testId}-${s.name.replace(/\W+/g, '-')}` : undefined}>{fmt(s.points.at(-1)?.v ?? 0)}</b></span>
        ))}
      </p>
    </figure>
  );
}
