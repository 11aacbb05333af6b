/** Load balancers with their listeners; target groups with target health (state, reason) and (de)registration. */
import { useState, type FormEvent } from 'react';
import { useConsole } from '../context.ts';
import { Alert, PollError } from '../parts/Alert.tsx';
import { State } from '../parts/State.tsx';
import { useAction, usePoll } from '../poll.ts';

export function LoadBalancersView() {
  const { api } = useConsole();
  const polled = usePoll(async () => {
    const [lbs, tgs] = await Promise.all([api.call('elbv2', 'DescribeLoadBalancers'), api.call('elbv2', 'DescribeTargetGroups')]);
    const loadBalancers = (lbs.LoadBalancers ?? []) as any[];
    const targetGroups = (tgs.TargetGroups ?? []) as any[];
    const [listeners, health] = await Promise.all([
      Promise.all(loadBalancers.map((lb) => api.call('elbv2', 'DescribeListeners', { LoadBalancerArn: lb.LoadBalancerArn }).then((r) => (r.Listeners ?? []) as any[]))),
      Promise.all(targetGroups.map((tg) => api.call('elbv2', 'DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn }).then((r) => (r.TargetHealthDescriptions ?? []) as any[]))),
    ]);
    return { loadBalancers, targetGroups, listeners, health };
  }, [api]);
  const { data, error } = polled;
  const tgName = (arn: string) => data?.targetGroups.find((tg) => tg.TargetGroupArn === arn)?.TargetGroupName ?? arn;
  return (
    <section aria-labelledby="lb-title">
      <h1 id="lb-title">Load balancers</h1>
      <PollError error={error} />
      {data && data.loadBalancers.length === 0 ? <p className="muted">No load balancers in this account.</p> : null}
      {data?.loadBalancers.map((lb, i) => (
        <article key={lb.LoadBalancerArn} className="card" data-testid={`lb-${lb.LoadBalancerName}`}>
          <h2>{lb.LoadBalancerName} <State value={lb.State?.Code} /></h2>
          <p className="kv"><span>{lb.Type} · {lb.Scheme}</span> <span>VPC <code>{lb.VpcId}</code></span> <span>DNS <code>{lb.DNSName}</code></span></p>
          <p className="kv">Zones: {(lb.AvailabilityZones ?? []).map((z: any) => `${z.ZoneName} (${z.SubnetId})`).join(', ')}</p>
          <table>
            <caption>Listeners</caption>
            <thead><tr><th scope="col">Protocol</th><th scope="col">Port</th><th scope="col">Forwards to</th></tr></thead>
            <tbody>
              {(data.listeners[i] ?? []).length === 0 ? <tr><td colSpan={3} className="muted">No listeners.</td></tr> : data.listeners[i]!.map((l) => (
                <tr key={l.ListenerArn}>
                  <td>{l.Protocol}</td><td>{l.Port}</td>
                  <td>{(l.DefaultActions ?? []).map((a: any) => a.TargetGroupArn ? tgName(a.TargetGroupArn) : a.Type).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
      <h1>Target groups</h1>
      {data && data.targetGroups.length === 0 ? <p className="muted">No target groups.</p> : null}
      {data?.targetGroups.map((tg, i) => <TargetGroup key={tg.TargetGroupArn} tg={tg} health={data.health[i] ?? []} refresh={polled.refresh} />)}
    </section>
  );
}

function TargetGroup({ tg, health, refresh }: { tg: any; health: any[]; refresh: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [id, setId] = useState('');
  const [port, setPort] = useState('');
  const register = async (e: FormEvent) => {
    e.preventDefault();
    const params: Record<string, string> = { TargetGroupArn: tg.TargetGroupArn, 'Targets.member.1.Id': id.trim() };
    if (port.trim()) params['Targets.member.1.Port'] = port.trim();
    if (await action.run(() => api.call('elbv2', 'RegisterTargets', params))) { setId(''); setPort(''); }
    refresh();
  };
  const deregister = async (target: { Id: string; Port?: number }) => {
    const params: Record<string, string> = { TargetGroupArn: tg.TargetGroupArn, 'Targets.member.1.Id': target.Id };
    if (target.Port !== undefined) params['Targets.member.1.Port'] = String(target.Port);
    await action.run(() => api.call('elbv2', 'DeregisterTargets', params));
    refresh();
  };
  const safe = tg.TargetGroupName as string;
  return (
    <article className="card" data-testid={`tg-${safe}`}>
      <h2>{tg.TargetGroupName}</h2>
      <p className="kv"><span>{tg.Protocol}:{tg.Port}</span> <span>type {tg.TargetType}</span> <span>VPC <code>{tg.VpcId}</code></span>
        <span>health check {tg.HealthCheckProtocol}{tg.HealthCheckPort && tg.HealthCheckPort !== 'traffic-port' ? `:${tg.HealthCheckPort}` : ''} every {tg.HealthCheckIntervalSeconds} s</span></p>
      <table>
        <caption>Targets</caption>
        <thead><tr><th scope="col">Target</th><th scope="col">Port</th><th scope="col">Zone</th><th scope="col">Health</th><th scope="col">Reason</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {health.length === 0 ? <tr><td colSpan={6} className="muted">No targets registered.</td></tr> : health.map((h) => (
            <tr key={`${h.Target?.Id}:${h.Target?.Port}`} data-testid={`target-${h.Target?.Id}`}>
              <td><code>{h.Target?.Id}</code></td><td>{h.Target?.Port}</td><td>{h.Target?.AvailabilityZone ?? '-'}</td>
              <td><State value={h.TargetHealth?.State} /></td>
              <td>{h.TargetHealth?.Reason ? <><code>{h.TargetHealth.Reason}</code> {h.TargetHealth.Description}</> : '-'}</td>
              <td><button type="button" className="secondary" disabled={action.busy} onClick={() => deregister(h.Target)}
                aria-label={`Deregister ${h.Target?.Id}:${h.Target?.Port}`}>Deregister</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline" onSubmit={register}>
        <label>Target ID (address or instance) <input value={id} onChange={(e) => setId(e.target.value)} required /></label>
        <label>Port <input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" size={6} placeholder={String(tg.Port ?? '')} /></label>
        <button type="submit" disabled={action.busy}>Register target</button>
      </form>
      <Alert error={action.error} testId={`tg-${safe}-error`} />
    </article>
  );
}
