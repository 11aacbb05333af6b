/**
 * `explainFlow`: "why can (not) this source connect to that endpoint port?" answered from the same
 * desired state, health and per-connection decision (`decideFlow`) the node workers use, as a list
 * of checks in the order a connection meets them: the source's VPC and the destination ENI, the
 * endpoint's state, the ENI's binding to a load balancer node, the listener port, then the node's
 * own decision (security groups, target group, target pick). Pure; the caller supplies the
 * endpoints of the store that the desired state leaves out (pendingAcceptance, rejected, …).
 */
import { isBound, type DesiredState } from '../reconcile/desired-state.js';
import { compileNodeRoutes, decideFlow, listenerIdOf, type HealthMap, type RefusalStage } from './flow-route.js';

export interface ExplainQuery {
  /** The VPC the connection starts in. */
  sourceVpcId: string;
  sourceIp: string;
  /** Source port (the flow hash uses it); any value gives a representative answer. */
  sourcePort?: number;
  /** An endpoint ENI address in the source VPC, or a vpce-… id (its ENI in `zoneId`, else its first). */
  destination: string;
  port: number;
  /** With a vpce-… destination: the zone id whose ENI to use. */
  zoneId?: string;
}

/** An endpoint as the store has it (every state), for endpoints the desired state leaves out. */
export interface KnownEndpoint {
  endpointId: string;
  vpcId: string;
  state: string;
  ips: string[];
}

export interface ExplainStep {
  check: string;
  ok: boolean;
  detail: string;
}

export type ExplainAnswer =
  | { admit: true; steps: ExplainStep[]; target: { ip: string; port: number }; localAddress: string; proxyProtocolV2: boolean }
  | { admit: false; stage: RefusalStage; reason: string; steps: ExplainStep[] };

function refuse(steps: ExplainStep[], stage: RefusalStage, check: string, reason: string): ExplainAnswer {
  steps.push({ check, ok: false, detail: reason });
  return { admit: false, stage, reason, steps };
}

export function explainFlow(desired: DesiredState, health: HealthMap, q: ExplainQuery, known: readonly KnownEndpoint[] = []): ExplainAnswer {
  const steps: ExplainStep[] = [];
  const byId = q.destination.startsWith('vpce-');
  const ep = desired.endpoints.find((e) => (byId ? e.endpointId === q.destination : e.vpcId === q.sourceVpcId && e.bindings.some((b) => b.ip === q.destination)));
  if (!ep) {
    const k = known.find((e) => (byId ? e.endpointId === q.destination : e.vpcId === q.sourceVpcId && e.ips.includes(q.destination)));
    if (k) {
      if (k.vpcId !== q.sourceVpcId) return refuse(steps, 'no-listener', 'route', `${k.endpointId} is in ${k.vpcId}, not in ${q.sourceVpcId}: VPCs reach each other only through endpoints`);
      return refuse(steps, 'endpoint-state', 'endpoint state', `endpoint ${k.endpointId} is ${k.state}: only an available endpoint admits connections`);
    }
    return refuse(steps, 'no-listener', 'destination', byId
      ? `no endpoint ${q.destination}`
      : `no interface endpoint has the address ${q.destination} in ${q.sourceVpcId}: nothing there accepts the connection`);
  }
  if (ep.vpcId !== q.sourceVpcId) {
    return refuse(steps, 'no-listener', 'route', `${ep.endpointId} is in ${ep.vpcId}, not in ${q.sourceVpcId}: VPCs reach each other only through endpoints`);
  }
  const binding = byId ? (ep.bindings.find((b) => b.zoneId === q.zoneId) ?? ep.bindings[0]) : ep.bindings.find((b) => b.ip === q.destination);
  if (!binding) return refuse(steps, 'no-listener', 'destination', `${ep.endpointId} has no network interface${q.zoneId ? ` in zone ${q.zoneId}` : ''}`);
  steps.push({ check: 'destination', ok: true, detail: `${binding.ip} is ${binding.eniId} of ${ep.endpointId} (${binding.zoneId}) in ${ep.vpcId}` });
  if (!isBound(binding)) return refuse(steps, 'unbound', 'binding', `${binding.eniId} is not served by a load balancer: ${binding.unbound}`);
  const p = binding.ports.find((x) => x.port === q.port);
  if (!p) {
    const ports = binding.ports.map((x) => x.port).join(', ') || 'none';
    return refuse(steps, 'no-listener', 'listener', `${binding.eniId} listens on port(s) ${ports}, not ${q.port}: the service's load balancer has no listener on ${q.port}`);
  }
  steps.push({ check: 'listener', ok: true, detail: `port ${q.port} → listener ${p.listenerArn} → target group ${p.targetGroupArn}, via the load balancer node ${binding.nodeEniId} (${binding.nodeIp})` });
  const routes = compileNodeRoutes(desired, health, binding.nodeEniId);
  const d = decideFlow(routes, listenerIdOf(binding.eniId, q.port), { srcIp: q.sourceIp, srcPort: q.sourcePort ?? 40000 }, { explain: true });
  const names = ['endpoint state', 'security groups', 'target'];
  d.reasons.forEach((r, i) => steps.push({ check: names[i] ?? 'check', ok: true, detail: r }));
  if (!d.admit) {
    const check = d.stage === 'endpoint-state' ? 'endpoint state' : d.stage === 'security-group' ? 'security groups' : 'target';
    return refuse(steps, d.stage, check, d.reason);
  }
  return { admit: true, steps, target: { ip: d.target.id, port: d.target.port }, localAddress: d.localAddress, proxyProtocolV2: d.proxyProtocolV2 };
}
