/** The flow log, newest first, filtered by action and by text (any field), with refusal reasons. */
import { useState } from 'react';
import type { FlowRecord } from '../api.ts';
import { useConsole } from '../context.ts';
import { PollError } from '../parts/Alert.tsx';
import { State } from '../parts/State.tsx';
import { usePoll } from '../poll.ts';

/** A field by its FlowLogEntry name, or by its flow-log field name. */
function f(r: FlowRecord, camel: string, kebab: string): any {
  return r[camel] ?? r[kebab] ?? null;
}

function hostPort(addr: unknown, port: unknown): string {
  if (addr === null || addr === undefined) return '-';
  return port === null || port === undefined ? String(addr) : `${addr}:${port}`;
}

export function FlowLogView() {
  const { api } = useConsole();
  const [action, setAction] = useState('');
  const [text, setText] = useState('');
  const [limit, setLimit] = useState(200);
  const { data, error } = usePoll(() => api.flows({ limit, action, text }), [api, action, text, limit]);
  return (
    <section aria-labelledby="flows-title">
      <h1 id="flows-title">Flow log</h1>
      <PollError error={error} />
      <form className="inline" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>Action
          <select aria-label="Action" value={action} onChange={(e) => setAction(e.target.value)} data-testid="flow-action">
            <option value="">All</option><option value="ACCEPT">ACCEPT</option><option value="REJECT">REJECT</option>
          </select>
        </label>
        <label>Contains <input value={text} onChange={(e) => setText(e.target.value)} placeholder="address, ENI, reason…" data-testid="flow-text" /></label>
        <label>Show
          <select aria-label="Show" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {[50, 200, 1000].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
      </form>
      {data && !data.available ? <p className="notice" role="status">No flow log: {data.reason ?? 'the data plane is not running'}.</p> : null}
      <table data-testid="flows">
        <thead>
          <tr><th scope="col">Time</th><th scope="col">Interface</th><th scope="col">Source</th><th scope="col">Destination</th>
            <th scope="col">Action</th><th scope="col">Refusal</th><th scope="col">Bytes</th><th scope="col">Target</th></tr>
        </thead>
        <tbody>
          {data && data.records.length === 0 ? <tr><td colSpan={8} className="muted">No matching records.</td></tr> : null}
          {data?.records.map((r, i) => {
            const start = Number(f(r, 'start', 'start'));
            const act = f(r, 'action', 'action');
            const stage = f(r, 'rejectReason', 'reject-reason');
            const reason = f(r, 'reason', 'underpass-reason');
            return (
              <tr key={`${start}-${i}`} className={act === 'REJECT' ? 'rejected' : undefined}>
                <td>{Number.isFinite(start) ? new Date(start * 1000).toLocaleTimeString() : '-'}</td>
                <td><code>{f(r, 'interfaceId', 'interface-id') ?? '-'}</code></td>
                <td><code>{hostPort(f(r, 'srcAddr', 'srcaddr'), f(r, 'srcPort', 'srcport'))}</code></td>
                <td><code>{hostPort(f(r, 'dstAddr', 'dstaddr'), f(r, 'dstPort', 'dstport'))}</code></td>
                <td><State value={act} /></td>
                <td>{stage ? <><code>{stage}</code> {reason}</> : act === 'REJECT' ? reason : '-'}</td>
                <td>{f(r, 'bytes', 'bytes') ?? '-'}</td>
                <td><code>{hostPort(f(r, 'targetAddr', 'underpass-target-addr'), f(r, 'targetPort', 'underpass-target-port'))}</code></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
