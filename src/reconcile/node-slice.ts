/**
 * The part of a desired state one NLB-node worker needs (`nodeSlice`): its load balancer, the
 * endpoints bound to its node, their security groups, the interfaces of their VPCs (the members
 * that group-referencing rules match), the load balancer's target groups and the VPCs involved.
 * The data plane sends each worker its slice, and only when the slice changed: a new endpoint of
 * one service no longer re-sends every endpoint of every service to every worker.
 */
import { isBound, type DesiredState } from './desired-state.js';

export function nodeSlice(d: DesiredState, nodeEniId: string): DesiredState {
  const lb = d.loadBalancers.find((l) => l.nodes.some((n) => n.eniId === nodeEniId));
  const empty: DesiredState = { ...d, networks: [], interfaces: [], securityGroups: [], loadBalancers: [], targetGroups: [], endpoints: [], dnsRecords: [], resolverRules: [], inboundEndpoints: [] };
  if (!lb) return empty;
  const endpoints = d.endpoints.filter((e) => e.bindings.some((b) => isBound(b) && b.nodeEniId === nodeEniId));
  const groupIds = new Set(endpoints.flatMap((e) => e.securityGroupIds));
  const vpcs = new Set([lb.vpcId, ...endpoints.map((e) => e.vpcId)]);
  return {
    ...empty,
    networks: d.networks.filter((n) => vpcs.has(n.vpcId)),
    interfaces: d.interfaces.filter((i) => vpcs.has(i.vpcId)),
    securityGroups: d.securityGroups.filter((g) => groupIds.has(g.groupId)),
    loadBalancers: [lb],
    targetGroups: d.targetGroups.filter((tg) => tg.loadBalancers.some((x) => x.loadBalancerArn === lb.arn)),
    endpoints,
  };
}
