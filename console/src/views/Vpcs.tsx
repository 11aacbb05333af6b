/** VPCs and their subnets, live. */
import { useConsole } from '../context.ts';
import { PollError } from '../parts/Alert.tsx';
import { State } from '../parts/State.tsx';
import { usePoll } from '../poll.ts';

export function VpcsView() {
  const { api } = useConsole();
  const { data, error } = usePoll(async () => {
    const [v, s] = await Promise.all([api.call('ec2', 'DescribeVpcs'), api.call('ec2', 'DescribeSubnets')]);
    return { vpcs: (v.Vpcs ?? []) as any[], subnets: (s.Subnets ?? []) as any[] };
  }, [api]);
  return (
    <section aria-labelledby="vpcs-title">
      <h1 id="vpcs-title">VPCs and subnets</h1>
      <PollError error={error} />
      {data && data.vpcs.length === 0 ? <p className="muted">No VPCs in this account.</p> : null}
      {data?.vpcs.map((vpc) => {
        const subnets = data.subnets.filter((s) => s.VpcId === vpc.VpcId);
        const name = vpc.Tags?.find((t: any) => t.Key === 'Name')?.Value;
        return (
          <article key={vpc.VpcId} className="card" data-testid={`vpc-${vpc.VpcId}`}>
            <h2>{vpc.VpcId} {name ? <span className="muted">{name}</span> : null}</h2>
            <p>CIDR <code>{vpc.CidrBlock}</code> · <State value={vpc.State} /> {vpc.IsDefault ? '· default' : ''}</p>
            <table>
              <caption className="sr-only">Subnets of {vpc.VpcId}</caption>
              <thead><tr><th scope="col">Subnet</th><th scope="col">CIDR</th><th scope="col">Zone</th><th scope="col">Zone ID</th><th scope="col">Free addresses</th><th scope="col">State</th></tr></thead>
              <tbody>
                {subnets.length === 0 ? <tr><td colSpan={6} className="muted">No subnets.</td></tr> : subnets.map((s) => (
                  <tr key={s.SubnetId}>
                    <td><code>{s.SubnetId}</code></td><td><code>{s.CidrBlock}</code></td><td>{s.AvailabilityZone}</td>
                    <td>{s.AvailabilityZoneId}</td><td>{s.AvailableIpAddressCount}</td><td><State value={s.State} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        );
      })}
    </section>
  );
}
