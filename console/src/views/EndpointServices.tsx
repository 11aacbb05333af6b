/**
 * The provider's endpoint services: acceptance, private DNS name and its verification, allowed
 * principals, and the connections from consumers' endpoints (accept or reject several at once).
 */
import { useState, type FormEvent } from 'react';
import { listParams, throwUnsuccessful } from '../api.ts';
import { useConsole } from '../context.ts';
import { Alert, PollError } from '../parts/Alert.tsx';
import { State } from '../parts/State.tsx';
import { useAction, usePoll } from '../poll.ts';

export function EndpointServicesView() {
  const { api } = useConsole();
  const polled = usePoll(async () => {
    const [svcs, conns] = await Promise.all([
      api.call('ec2', 'DescribeVpcEndpointServiceConfigurations'),
      api.call('ec2', 'DescribeVpcEndpointConnections'),
    ]);
    const services = (svcs.ServiceConfigurations ?? []) as any[];
    const permissions = await Promise.all(services.map((s) =>
      api.call('ec2', 'DescribeVpcEndpointServicePermissions', { ServiceId: s.ServiceId }).then((r) => (r.AllowedPrincipals ?? []) as any[])));
    return { services, permissions, connections: (conns.VpcEndpointConnections ?? []) as any[] };
  }, [api]);
  const { data, error, refresh } = polled;
  return (
    <section aria-labelledby="svc-title">
      <h1 id="svc-title">Endpoint services</h1>
      <PollError error={error} />
      {data && data.services.length === 0 ? <p className="muted">This account provides no endpoint services.</p> : null}
      {data?.services.map((s, i) => (
        <ServiceCard key={s.ServiceId} svc={s} principals={data.permissions[i] ?? []}
          connections={data.connections.filter((c) => c.ServiceId === s.ServiceId)} refresh={refresh} />
      ))}
    </section>
  );
}

function ServiceCard({ svc, principals, connections, refresh }: { svc: any; principals: any[]; connections: any[]; refresh: () => Promise<void> }) {
  const { api } = useConsole();
  const action = useAction();
  const id = svc.ServiceId as string;
  const run = async (fn: () => Promise<unknown>) => { const ok = await action.run(fn); await refresh(); return ok; };
  // The checkbox shows the requested value until the refreshed configuration arrives.
  const [wantAcceptance, setWantAcceptance] = useState<boolean>();
  const toggleAcceptance = async (on: boolean) => {
    setWantAcceptance(on);
    await run(() => api.call('ec2', 'ModifyVpcEndpointServiceConfiguration', { ServiceId: id, AcceptanceRequired: String(on) }));
    setWantAcceptance(undefined);
  };
  const dns = svc.PrivateDnsNameConfiguration;
  return (
    <article className="card" data-testid={`service-${id}`} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{id} <State value={svc.ServiceState} /></h2>
      <p className="kv"><span>Name <code data-testid="service-name">{svc.ServiceName}</code></span>
        <span>Zones {(svc.AvailabilityZones ?? []).join(', ')}</span>
        <span>Load balancers {(svc.NetworkLoadBalancerArns ?? []).map((a: string) => a.split('/').at(-2)).join(', ')}</span></p>
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={wantAcceptance ?? !!svc.AcceptanceRequired} disabled={action.busy} data-testid="acceptance-required"
            onChange={(e) => toggleAcceptance(e.target.checked)} />
          Acceptance required
        </label>
      </div>
      <PrivateDns svc={svc} dns={dns} busy={action.busy} run={run} />
      <Principals id={id} principals={principals} busy={action.busy} run={run} />
      <Connections id={id} connections={connections} busy={action.busy} run={run} />
      <Alert error={action.error} testId={`service-${id}-error`} />
    </article>
  );
}

type Run = (fn: () => Promise<unknown>) => Promise<boolean>;

function PrivateDns({ svc, dns, busy, run }: { svc: any; dns: any; busy: boolean; run: Run }) {
  const { api } = useConsole();
  const id = svc.ServiceId as string;
  const [name, setName] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => api.call('ec2', 'ModifyVpcEndpointServiceConfiguration', { ServiceId: id, PrivateDnsName: name.trim() }))) setName('');
  };
  return (
    <div className="block">
      <h3>Private DNS name</h3>
      {svc.PrivateDnsName ? (
        <p className="kv" data-testid="private-dns">
          <span><code>{svc.PrivateDnsName}</code></span>
          <span>verification <State value={dns?.State} /></span>
          {dns?.Name ? <span>TXT record <code>{dns.Name}</code> = <code>{dns.Value}</code></span> : null}
        </p>
      ) : <p className="muted">None.</p>}
      {svc.PrivateDnsName ? (
        <p className="row">
          <button type="button" disabled={busy} onClick={() => run(() => api.call('ec2', 'StartVpcEndpointServicePrivateDnsVerification', { ServiceId: id }))}>Verify domain</button>
          <button type="button" className="secondary" disabled={busy}
            onClick={() => run(() => api.call('ec2', 'ModifyVpcEndpointServiceConfiguration', { ServiceId: id, RemovePrivateDnsName: 'true' }))}>Remove name</button>
        </p>
      ) : null}
      <form className="inline" onSubmit={submit}>
        <label>Set private DNS name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="api.example.com" required /></label>
        <button type="submit" disabled={busy}>Set name</button>
      </form>
    </div>
  );
}

function Principals({ id, principals, busy, run }: { id: string; principals: any[]; busy: boolean; run: Run }) {
  const { api } = useConsole();
  const [arn, setArn] = useState('');
  const add = async (e: FormEvent) => {
    e.preventDefault();
    // A bare 12-digit account id is taken as that account's root principal, as the CLI user would mean it.
    const principal = /^\d{12}$/.test(arn.trim()) ? `arn:aws:iam::${arn.trim()}:root` : arn.trim();
    if (await run(() => api.call('ec2', 'ModifyVpcEndpointServicePermissions', { ServiceId: id, 'AddAllowedPrincipals.1': principal }))) setArn('');
  };
  return (
    <div className="block">
      <h3>Allowed principals</h3>
      <table data-testid="principals">
        <thead><tr><th scope="col">Principal</th><th scope="col">Type</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {principals.length === 0 ? <tr><td colSpan={3} className="muted">Nobody is allowed yet.</td></tr> : principals.map((p) => (
            <tr key={p.Principal}>
              <td><code>{p.Principal}</code></td><td>{p.PrincipalType}</td>
              <td><button type="button" className="secondary" disabled={busy} aria-label={`Remove ${p.Principal}`}
                onClick={() => run(() => api.call('ec2', 'ModifyVpcEndpointServicePermissions', { ServiceId: id, 'RemoveAllowedPrincipals.1': p.Principal }))}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline" onSubmit={add}>
        <label>Allow principal (ARN or account ID) <input value={arn} onChange={(e) => setArn(e.target.value)} placeholder="arn:aws:iam::123456789012:root" required /></label>
        <button type="submit" disabled={busy}>Add principal</button>
      </form>
    </div>
  );
}

function Connections({ id, connections, busy, run }: { id: string; connections: any[]; busy: boolean; run: Run }) {
  const { api } = useConsole();
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const present = new Set(connections.map((c) => c.VpcEndpointId as string));
  const chosen = [...picked].filter((e) => present.has(e));
  const act = async (action: 'AcceptVpcEndpointConnections' | 'RejectVpcEndpointConnections') => {
    if (await run(async () => throwUnsuccessful(await api.call('ec2', action, { ServiceId: id, ...listParams('VpcEndpointId', chosen) })))) setPicked(new Set());
  };
  const toggle = (ep: string, on: boolean) => setPicked((prev) => {
    const next = new Set(prev);
    if (on) next.add(ep); else next.delete(ep);
    return next;
  });
  const pending = connections.filter((c) => c.VpcEndpointState === 'pendingAcceptance').map((c) => c.VpcEndpointId as string);
  return (
    <div className="block">
      <h3>Endpoint connections</h3>
      <table data-testid="connections">
        <thead>
          <tr>
            <th scope="col"><input type="checkbox" aria-label="Select all pending connections" disabled={pending.length === 0}
              checked={pending.length > 0 && pending.every((p) => picked.has(p))} onChange={(e) => setPicked(new Set(e.target.checked ? pending : []))} /></th>
            <th scope="col">Endpoint</th><th scope="col">Owner</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">DNS names</th>
          </tr>
        </thead>
        <tbody>
          {connections.length === 0 ? <tr><td colSpan={6} className="muted">No connections.</td></tr> : connections.map((c) => (
            <tr key={c.VpcEndpointId} data-testid={`connection-${c.VpcEndpointId}`}>
              <td><input type="checkbox" aria-label={`Select ${c.VpcEndpointId}`} checked={picked.has(c.VpcEndpointId)}
                onChange={(e) => toggle(c.VpcEndpointId, e.target.checked)} /></td>
              <td><code>{c.VpcEndpointId}</code></td><td>{c.VpcEndpointOwner}</td>
              <td data-testid="connection-state"><State value={c.VpcEndpointState} /></td>
              <td>{c.CreationTimestamp ? new Date(c.CreationTimestamp).toLocaleString() : '-'}</td>
              <td className="small wrap">{(c.DnsEntries ?? []).slice(0, 1).map((d: any) => <code key={d.DnsName}>{d.DnsName}</code>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" disabled={busy || chosen.length === 0} onClick={() => act('AcceptVpcEndpointConnections')}>Accept{chosen.length ? ` (${chosen.length})` : ''}</button>
        <button type="button" className="danger" disabled={busy || chosen.length === 0} onClick={() => act('RejectVpcEndpointConnections')}>Reject{chosen.length ? ` (${chosen.length})` : ''}</button>
      </div>
    </div>
  );
}
