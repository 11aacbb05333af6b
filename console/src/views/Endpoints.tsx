/**
 * The account's VPC endpoints: state, DNS names, ENIs (with their addresses) and security groups;
 * delete one, or create an interface endpoint to a service by name.
 */
import { useState, type FormEvent } from 'react';
import { listParams, throwUnsuccessful } from '../api.ts';
import { useConsole } from '../context.ts';
import { Alert, PollError } from '../parts/Alert.tsx';
import { State } from '../parts/State.tsx';
import { useAction, usePoll } from '../poll.ts';

export function EndpointsView() {
  const { api } = useConsole();
  const action = useAction();
  const polled = usePoll(async () => {
    const r = await api.call('ec2', 'DescribeVpcEndpoints');
    const endpoints = (r.VpcEndpoints ?? []) as any[];
    const eniIds = endpoints.flatMap((e) => (e.NetworkInterfaceIds ?? []) as string[]);
    // By filter, not by id: an ENI removed meanwhile (its endpoint deleted) is no error.
    const enis = eniIds.length
      ? ((await api.call('ec2', 'DescribeNetworkInterfaces', { 'Filter.1.Name': 'network-interface-id', ...listParams('Filter.1.Value', eniIds) })).NetworkInterfaces ?? []) as any[]
      : [];
    return { endpoints, enis: new Map(enis.map((n) => [n.NetworkInterfaceId as string, n])) };
  }, [api]);
  const { data, error, refresh } = polled;
  const remove = async (id: string) => {
    await action.run(async () => throwUnsuccessful(await api.call('ec2', 'DeleteVpcEndpoints', { 'VpcEndpointId.1': id })));
    refresh();
  };
  return (
    <section aria-labelledby="ep-title">
      <h1 id="ep-title">Endpoints</h1>
      <PollError error={error} />
      <Alert error={action.error} testId="endpoints-error" />
      <table data-testid="endpoints">
        <thead>
          <tr><th scope="col">Endpoint</th><th scope="col">VPC</th><th scope="col">Service</th><th scope="col">State</th>
            <th scope="col">Network interfaces</th><th scope="col">Security groups</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
        </thead>
        {data && data.endpoints.length === 0 ? <tbody><tr><td colSpan={7} className="muted">No endpoints in this account.</td></tr></tbody> : null}
        {data?.endpoints.map((e) => (
          <tbody key={e.VpcEndpointId} className="entry" data-testid={`endpoint-${e.VpcEndpointId}`}>
            <tr>
              <td><code>{e.VpcEndpointId}</code><br /><span className="muted small">{e.VpcEndpointType}</span></td>
              <td><code>{e.VpcId}</code></td>
              <td className="small wrap"><code>{e.ServiceName}</code></td>
              <td data-testid="endpoint-state"><State value={e.State} />{e.PrivateDnsEnabled ? <><br /><span className="small muted">private DNS on</span></> : null}</td>
              <td className="small"><ul className="plain">{(e.NetworkInterfaceIds ?? []).map((n: string) => {
                const eni = data.enis.get(n);
                return <li key={n}><code>{n}</code>{eni ? <> {eni.PrivateIpAddress} <span className="muted">{eni.AvailabilityZone}</span></> : null}</li>;
              })}</ul></td>
              <td className="small"><ul className="plain">{(e.Groups ?? []).map((g: any) => <li key={g.GroupId}><code>{g.GroupId}</code> {g.GroupName}</li>)}</ul></td>
              <td><button type="button" className="danger" disabled={action.busy || e.State === 'deleting' || e.State === 'deleted'}
                aria-label={`Delete ${e.VpcEndpointId}`} onClick={() => remove(e.VpcEndpointId)}>Delete</button></td>
            </tr>
            <tr className="details">
              <td colSpan={7} className="small">DNS names:{' '}
                {(e.DnsEntries ?? []).length === 0 ? <span className="muted">none</span> : (e.DnsEntries as any[]).map((d, i) => (
                  <span key={d.DnsName}>{i > 0 ? ', ' : ''}<code>{d.DnsName}</code></span>
                ))}
              </td>
            </tr>
          </tbody>
        ))}
      </table>
      <CreateEndpoint done={refresh} />
    </section>
  );
}

function CreateEndpoint({ done }: { done: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [vpcId, setVpcId] = useState('');
  const [serviceName, setServiceName] = useState('');
  const [subnets, setSubnets] = useState<ReadonlySet<string>>(new Set());
  const [groups, setGroups] = useState<ReadonlySet<string>>(new Set());
  const [privateDns, setPrivateDns] = useState(false);
  const [created, setCreated] = useState<string>();
  const { data } = usePoll(async () => {
    const [v, s, g, svc] = await Promise.all([
      api.call('ec2', 'DescribeVpcs'), api.call('ec2', 'DescribeSubnets'), api.call('ec2', 'DescribeSecurityGroups'),
      api.call('ec2', 'DescribeVpcEndpointServices').catch(() => ({})),
    ]);
    return {
      vpcs: (v.Vpcs ?? []) as any[], subnets: (s.Subnets ?? []) as any[], groups: (g.SecurityGroups ?? []) as any[],
      services: ((svc as any).ServiceNames ?? []) as string[],
    };
  }, [api], 5000);
  const vpcSubnets = data?.subnets.filter((s) => s.VpcId === vpcId) ?? [];
  const vpcGroups = data?.groups.filter((g) => g.VpcId === vpcId) ?? [];
  const flip = (set: (f: (p: ReadonlySet<string>) => ReadonlySet<string>) => void, id: string, on: boolean) => set((prev) => {
    const next = new Set(prev);
    if (on) next.add(id); else next.delete(id);
    return next;
  });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(undefined);
    const ok = await action.run(async () => {
      const r = await api.call('ec2', 'CreateVpcEndpoint', {
        VpcEndpointType: 'Interface', VpcId: vpcId, ServiceName: serviceName.trim(), PrivateDnsEnabled: String(privateDns),
        ...listParams('SubnetId', [...subnets].filter((s) => vpcSubnets.some((x) => x.SubnetId === s))),
        ...listParams('SecurityGroupId', [...groups].filter((g) => vpcGroups.some((x) => x.GroupId === g))),
      });
      setCreated(r.VpcEndpoint?.VpcEndpointId);
    });
    if (ok) { setSubnets(new Set()); setGroups(new Set()); }
    done();
  };
  return (
    <form className="card create" onSubmit={submit} aria-labelledby="create-ep-title" data-testid="create-endpoint">
      <h2 id="create-ep-title">Create an interface endpoint</h2>
      <div className="row">
        <label>VPC
          <select aria-label="VPC" value={vpcId} onChange={(e) => setVpcId(e.target.value)} required>
            <option value="">Choose a VPC…</option>
            {data?.vpcs.map((v) => <option key={v.VpcId} value={v.VpcId}>{v.VpcId} ({v.CidrBlock})</option>)}
          </select>
        </label>
        <label>Service name
          <input value={serviceName} onChange={(e) => setServiceName(e.target.value)} list="service-names" required size={48}
            placeholder="com.amazonaws.vpce.us-east-1.vpce-svc-…" />
          <datalist id="service-names">{data?.services.map((n) => <option key={n} value={n} />)}</datalist>
        </label>
      </div>
      <fieldset>
        <legend>Subnets</legend>
        {vpcId === '' ? <span className="muted">Choose a VPC first.</span> : vpcSubnets.length === 0 ? <span className="muted">No subnets.</span> : vpcSubnets.map((s) => (
          <label key={s.SubnetId} className="check"><input type="checkbox" checked={subnets.has(s.SubnetId)}
            onChange={(e) => flip(setSubnets, s.SubnetId, e.target.checked)} /> {s.SubnetId} ({s.AvailabilityZone}, {s.CidrBlock})</label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Security groups (none: the VPC's default group)</legend>
        {vpcId === '' ? <span className="muted">Choose a VPC first.</span> : vpcGroups.map((g) => (
          <label key={g.GroupId} className="check"><input type="checkbox" checked={groups.has(g.GroupId)}
            onChange={(e) => flip(setGroups, g.GroupId, e.target.checked)} /> {g.GroupId} ({g.GroupName})</label>
        ))}
      </fieldset>
      <label className="check"><input type="checkbox" checked={privateDns} onChange={(e) => setPrivateDns(e.target.checked)} /> Enable private DNS name</label>
      <div className="row">
        <button type="submit" disabled={action.busy}>Create endpoint</button>
        {created ? <span role="status">Created <code>{created}</code>.</span> : null}
      </div>
      <Alert error={action.error} testId="create-endpoint-error" />
    </form>
  );
}
