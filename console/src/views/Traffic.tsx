/**
 * Per-endpoint and per-service traffic from the data plane's counters: bytes/s, active
 * connections and new connections/s over the last minutes (kept client-side, `MetricsBuffer`).
 */
import { useState } from 'react';
import { useConsole } from '../context.ts';
import { PollError } from '../parts/Alert.tsx';
import { LineChart } from '../parts/LineChart.tsx';
import type { MetricsBuffer } from '../metrics.ts';
import { usePoll } from '../poll.ts';

const WINDOWS = [{ ms: 60_000, label: '1 minute' }, { ms: 5 * 60_000, label: '5 minutes' }];

export function TrafficView({ buffer }: { buffer: MetricsBuffer }) {
  const { api } = useConsole();
  const [windowMs, setWindowMs] = useState(60_000);
  const { data, error } = usePoll(async () => {
    const r = await api.metrics(buffer.last);
    buffer.add(r.samples);
    return { available: r.available, reason: r.reason, now: buffer.last || Date.now(), at: Date.now() };
  }, [api, buffer]);
  const kinds = [
    { kind: 'endpoints' as const, title: 'Endpoints' },
    { kind: 'services' as const, title: 'Endpoint services' },
  ];
  return (
    <section aria-labelledby="traffic-title">
      <h1 id="traffic-title">Traffic</h1>
      <PollError error={error} />
      {data && !data.available ? <p className="notice" role="status">No data plane metrics: {data.reason ?? 'the data plane is not running'}.</p> : null}
      <label>Window{' '}
        <select aria-label="Window" value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))}>
          {WINDOWS.map((w) => <option key={w.ms} value={w.ms}>{w.label}</option>)}
        </select>
      </label>
      {data ? kinds.map(({ kind, title }) => {
        const ids = buffer.ids(kind);
        return (
          <div key={kind}>
            <h2>{title}</h2>
            {ids.length === 0 ? <p className="muted">No {title.toLowerCase()} with traffic counters yet.</p> : ids.map((id) => (
              <article key={id} className="card" data-testid={`traffic-${id}`} aria-label={`Traffic of ${id}`}>
                <h3>{id} <span className="muted small">total <span data-testid={`total-bytes-${id}`}>{buffer.total(kind, id, 'bytesProcessed')}</span> bytes,{' '}
                  <span data-testid={`total-connections-${id}`}>{buffer.total(kind, id, 'newConnections')}</span> connections</span></h3>
                <div className="charts">
                  <LineChart title="Bytes processed" unit="bytes/s" windowMs={windowMs} now={data.now} testId={`chart-${id}-bytes`}
                    series={[{ name: 'bytes/s', color: '#2563eb', points: buffer.rate(kind, id, 'bytesProcessed') }]} />
                  <LineChart title="Connections" unit="count, per s" windowMs={windowMs} now={data.now} testId={`chart-${id}-conns`}
                    series={[
                      { name: 'active', color: '#059669', points: buffer.gauge(kind, id, 'activeConnections') },
                      { name: 'new/s', color: '#d97706', points: buffer.rate(kind, id, 'newConnections') },
                    ]} />
                </div>
              </article>
            ))}
          </div>
        );
      }) : null}
    </section>
  );
}
