/**
 * Who reaches what: consumers (accounts, and this account's VPCs) on the left, endpoints in the
 * middle, services on the right. A provider sees the connections to its services (the consumer
 * account of each endpoint); a consumer sees its own endpoints and the service each names.
 */
import { useConsole } from '../context.ts';
import { PollError } from '../parts/Alert.tsx';
import { usePoll } from '../poll.ts';

interface Node { id: string; label: string; sub?: string; col: 0 | 1 | 2; state?: string }
interface Edge { from: string; to: string; state?: string }

function build(me: string, services: any[], connections: any[], endpoints: any[]): { nodes: Node[]; edges: Edge[] } {
  const nodes = new Map<string, Node>();
  const edges = new Map<string, Edge>();
  const add = (n: Node) => { if (!nodes.has(n.id)) nodes.set(n.id, n); };
  const link = (e: Edge) => { edges.set(`${e.from}>${e.to}`, e); };
  const svcKeyByName = new Map<string, string>();
  for (const s of services) {
    const key = `svc:${s.ServiceName}`;
    svcKeyByName.set(s.ServiceName, key);
    add({ id: key, label: s.ServiceId, sub: 'your service', col: 2, state: s.ServiceState });
  }
  for (const c of connections) {
    const svc = services.find((s) => s.ServiceId === c.ServiceId);
    const svcKey = svc ? `svc:${svc.ServiceName}` : `svc:${c.ServiceId}`;
    add({ id: svcKey, label: c.ServiceId, col: 2 });
    const owner = `acct:${c.VpcEndpointOwner}`;
    add({ id: owner, label: `account ${c.VpcEndpointOwner}`, sub: c.VpcEndpointOwner === me ? 'you' : 'consumer', col: 0 });
    add({ id: `ep:${c.VpcEndpointId}`, label: c.VpcEndpointId, sub: c.VpcEndpointState, col: 1, state: c.VpcEndpointState });
    link({ from: owner, to: `ep:${c.VpcEndpointId}`, state: c.VpcEndpointState });
    link({ from: `ep:${c.VpcEndpointId}`, to: svcKey, state: c.VpcEndpointState });
  }
  for (const e of endpoints) {
    const vpc = `vpc:${e.VpcId}`;
    add({ id: vpc, label: e.VpcId, sub: `account ${e.OwnerId ?? me}`, col: 0 });
    const ep = `ep:${e.VpcEndpointId}`;
    const existing = nodes.get(ep);
    if (existing) existing.state = e.State;
    else add({ id: ep, label: e.VpcEndpointId, sub: e.State, col: 1, state: e.State });
    const svcKey = svcKeyByName.get(e.ServiceName) ?? `svc:${e.ServiceName}`;
    add({ id: svcKey, label: shortService(e.ServiceName), sub: 'provider\'s service', col: 2 });
    // This account's own endpoint to its own service: drawn from its VPC, not from the account.
    edges.delete(`acct:${me}>${ep}`);
    link({ from: vpc, to: ep, state: e.State });
    link({ from: ep, to: svcKey, state: e.State });
  }
  if (![...edges.values()].some((e) => e.from === `acct:${me}`)) nodes.delete(`acct:${me}`);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function shortService(name: string): string {
  return name.split('.').at(-1) ?? name;
}

const COL_X = [20, 330, 640];
const NODE_W = 240;
const NODE_H = 44;
const GAP = 16;

export function TopologyView() {
  const { api, session } = useConsole();
  const { data, error } = usePoll(async () => {
    const [svcs, conns, eps] = await Promise.all([
      api.call('ec2', 'DescribeVpcEndpointServiceConfigurations'),
      api.call('ec2', 'DescribeVpcEndpointConnections'),
      api.call('ec2', 'DescribeVpcEndpoints'),
    ]);
    return build(session.accountId, svcs.ServiceConfigurations ?? [], conns.VpcEndpointConnections ?? [],
      ((eps.VpcEndpoints ?? []) as any[]).filter((e) => e.VpcEndpointType === 'Interface' || e.VpcEndpointType === undefined));
  }, [api, session.accountId]);
  const nodes = data?.nodes ?? [];
  const pos = new Map<string, { x: number; y: number }>();
  const rows = [0, 0, 0];
  for (const n of nodes) {
    pos.set(n.id, { x: COL_X[n.col]!, y: 40 + rows[n.col]! * (NODE_H + GAP) });
    rows[n.col]! += 1;
  }
  const height = Math.max(140, 60 + Math.max(...rows) * (NODE_H + GAP));
  const description = data?.edges.filter((e) => e.from.startsWith('ep:'))
    .map((e) => `${nodes.find((n) => n.id === e.from)?.label} → ${nodes.find((n) => n.id === e.to)?.label} (${e.state ?? ''})`).join('; ');
  return (
    <section aria-labelledby="topo-title">
      <h1 id="topo-title">Topology</h1>
      <PollError error={error} />
      {data && nodes.length === 0 ? <p className="muted">No endpoints or services to draw.</p> : null}
      <svg className="topology" viewBox={`0 0 900 ${height}`} role="img" data-testid="topology"
        aria-label={`Consumers, endpoints and services: ${description || 'none'}`}>
        <text x={COL_X[0]} y={20} className="colhead">Consumers</text>
        <text x={COL_X[1]} y={20} className="colhead">Endpoints</text>
        <text x={COL_X[2]} y={20} className="colhead">Services</text>
        {data?.edges.map((e) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x;
          const y2 = b.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return <path key={`${e.from}>${e.to}`} d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} className={`edge ${e.state ?? ''}`} />;
        })}
        {nodes.map((n) => {
          const p = pos.get(n.id)!;
          return (
            <g key={n.id} transform={`translate(${p.x},${p.y})`} data-testid={`topo-${n.id}`}>
              <rect width={NODE_W} height={NODE_H} rx={6} className={`node col${n.col} ${n.state ?? ''}`} />
              <text x={10} y={18} className="label">{n.label}</text>
              {n.sub ? <text x={10} y={35} className="sub">{n.sub}</text> : null}
            </g>
          );
        })}
      </svg>
      <p className="legend"><span><i className="ok" /> available</span> <span><i className="warn" /> pending</span> <span><i className="bad" /> rejected / failed</span></p>
    </section>
  );
}
