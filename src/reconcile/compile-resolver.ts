/**
 * `compileResolver`: Route 53 Resolver's part of the desired state, from a store snapshot. Pure.
 *
 * - `resolverRules`: one entry per (VPC, domain) for every COMPLETE association of a COMPLETE
 *   FORWARD rule whose outbound endpoint is OPERATIONAL. AWS refuses two rules of one domain in
 *   one VPC; should the store hold two anyway, the rule with the lower id wins (total, stable).
 * - `inboundEndpoints`: every OPERATIONAL INBOUND endpoint with its addresses.
 * - `resolverInterface`: how an ENI of a Resolver endpoint (InterfaceType `interface`, but
 *   requester-managed) is compiled: kind `resolver-endpoint`, owned by the endpoint, never a
 *   workload.
 */
import type { DesiredInboundEndpoint, DesiredResolverRule, InterfaceKind } from './desired-state.js';
import type { Snapshot, SnapshotNetworkInterface } from './snapshot.js';

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Example.COM.` → `example.com` */
export function normalizeDomain(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function compileResolverRules(s: Snapshot): DesiredResolverRule[] {
  const rules = new Map(s.resolverRules.map((r) => [r.id, r]));
  const endpoints = new Map(s.resolverEndpoints.map((e) => [e.id, e]));
  const out = new Map<string, DesiredResolverRule>();
  for (const a of [...s.resolverRuleAssociations].sort((x, y) => cmp(x.resolverRuleId, y.resolverRuleId) || cmp(x.id, y.id))) {
    if (a.status !== 'COMPLETE') continue;
    const rule = rules.get(a.resolverRuleId);
    if (!rule || rule.status !== 'COMPLETE' || rule.ruleType !== 'FORWARD' || !rule.resolverEndpointId) continue;
    const ep = endpoints.get(rule.resolverEndpointId);
    if (!ep || ep.status !== 'OPERATIONAL' || ep.direction !== 'OUTBOUND') continue;
    const domain = normalizeDomain(rule.domainName);
    const id = `${a.vpcId} ${domain}`;
    if (out.has(id)) continue;
    out.set(id, {
      id,
      vpcId: a.vpcId,
      domain,
      targets: rule.targetIps.map((t) => ({ ip: t.ip, port: t.port })),
      ruleId: rule.id,
      outboundEndpointId: ep.id,
      outboundVpcId: ep.vpcId,
      sourceIps: ep.ips.map((i) => i.ip).sort(cmp),
    });
  }
  return [...out.values()].sort((x, y) => cmp(x.id, y.id));
}

export function compileInboundEndpoints(s: Snapshot): DesiredInboundEndpoint[] {
  return s.resolverEndpoints
    .filter((e) => e.direction === 'INBOUND' && e.status === 'OPERATIONAL')
    .map((e) => ({
      id: e.id,
      vpcId: e.vpcId,
      ips: [...e.ips].sort((x, y) => cmp(x.networkInterfaceId, y.networkInterfaceId))
        .map((i) => ({ eniId: i.networkInterfaceId, subnetId: i.subnetId, ip: i.ip })),
    }))
    .sort((x, y) => cmp(x.id, y.id));
}

/** Both collections, to spread into the desired state. */
export function compileResolver(s: Snapshot): { resolverRules: DesiredResolverRule[]; inboundEndpoints: DesiredInboundEndpoint[] } {
  return { resolverRules: compileResolverRules(s), inboundEndpoints: compileInboundEndpoints(s) };
}

/** A requester-managed `interface` ENI belongs to a Resolver endpoint; undefined for every other ENI. */
export function resolverInterface(n: SnapshotNetworkInterface): { kind: InterfaceKind; owner: string } | undefined {
  return n.interfaceType === 'interface' && n.requesterManaged === true ? { kind: 'resolver-endpoint', owner: n.ownerResourceId } : undefined;
}
