/**
 * The part of a desired state one NLB-node worker needs (`nodeSlice`): its load balancer, the
 * endpoints bound to its node, their security groups, the interfaces of their VPCs (the members
 * that group-referencing rules match), the load balancer's target groups and the VPCs involved.
 * The data plane sends each worker its slice, and only when the slice changed: a new endpoint of
 * one service no longer re-sends every endpoint of every service to every worker. Of the VPCs'
 * interfaces it keeps only the members of groups that the endpoints' ingress rules reference (the
 * only ones a node looks up), so a new ENI in a consumer VPC does not change the slice of every
 * other service's nodes there.
 */
import { isBound, type DesiredState } from './desired-state.js';

/** The groups that the ingress rules of the groups `groupIds` reference (their members are what such a rule admits). */
export function referencedGroupIds(d: Pick<DesiredState, 'securityGroups'>, groupIds: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const g of d.securityGroups) {
    if (!groupIds.has(g.groupId)) continue;
    for (const r of g.ingress) if (r.referencedGroupId) out.add(r.referencedGroupId);
  }
  return out;
}

export function nodeSlice(d: DesiredState, nodeEniId: string): DesiredState {
  const lb = d.loadBalancers.find((l) => l.nodes.some((n) => n.eniId === nodeEniId));
  const empty: DesiredState = { ...d, networks: [], interfaces: [], securityGroups: [], loadBalancers: [], targetGroups: [], endpoints: [], dnsRecords: [], resolverRules: [], inboundEndpoints: [] };
  if (!lb) return empty;
  const endpoints = d.endpoints.filter((e) => e.bindings.some((b) => isBound(b) && b.nodeEniId === nodeEniId));
  const groupIds = new Set(endpoints.flatMap((e) => e.securityGroupIds));
  const vpcs = new Set([lb.vpcId, ...endpoints.map((e) => e.vpcId)]);
  const referenced = referencedGroupIds(d, groupIds);
  return {
    ...empty,
    networks: d.networks.filter((n) => vpcs.has(n.vpcId)),
    interfaces: referenced.size === 0 ? [] : d.interfaces.filter((i) => vpcs.has(i.vpcId) && i.securityGroupIds.some((g) => referenced.has(g))),
    securityGroups: d.securityGroups.filter((g) => groupIds.has(g.groupId)),
    loadBalancers: [lb],
    targetGroups: d.targetGroups.filter((tg) => tg.loadBalancers.some((x) => x.loadBalancerArn === lb.arn)),
    endpoints,
  };
}
