/**
 * The per-connection decision of an NLB node, as pure code shared by the node workers and
 * `underpass explain`: `compileNodeRoutes` turns the desired state, the observed target health and
 * one node's ENI id into lookup tables (built once per change), and `decideFlow` answers, for one
 * new connection to an endpoint ENI's listener, either "refuse, at this stage, because …" or
 * "connect to this target, from the node's address, with this PROXY v2 setting" — every answer
 * carries its reason.
 *
 * Order of the checks (as a packet meets them in AWS): the endpoint's state, the ENI's security
 * groups (ingress, with the source's own groups for rules that reference a group), the ENI's
 * binding to an NLB node, the listener's target group, the target pick (flow hash, zone scope,
 * fail open).
 */
import type { DesiredState, DesiredTargetGroup } from '../reconcile/desired-state.js';
import { isBound } from '../reconcile/desired-state.js';
import { referencedGroupIds } from '../reconcile/node-slice.js';
import { compileGroups, evaluateIngress, type SecurityGroupView } from './security-groups.js';
import { pickTarget, targetKey, type FlowKey, type PickOptions, type TargetHealthState, type TargetView } from './target-pick.js';

/** Why a connection was refused, as a stable token (the flow log's reject reason). */
export type RefusalStage =
  | 'endpoint-state' // the endpoint is not `available` (pending, or gone)
  | 'security-group' // the ENI's security groups do not admit the source
  | 'no-listener' // nothing listens on that ENI port (the kernel refuses; `explain` says so)
  | 'unbound' // no NLB of the service serves the ENI's zone
  | 'no-target' // the target group has no target that can take a new flow
  | 'target-refused' // the target refused or did not answer the connection
  | 'internal'; // a routing error (a bug): the reason text says what

/** Observed health of a target: key `healthKey(tgArn, id, port)`. */
export type HealthMap = Readonly<Record<string, 'healthy' | 'unhealthy'>>;

export function healthKey(targetGroupArn: string, targetId: string, port: number): string {
  return `${targetGroupArn} ${targetId} ${port}`;
}

/** The listener id of one endpoint ENI port. */
export function listenerIdOf(eniId: string, port: number): string {
  return `${eniId}:${port}`;
}

export interface RouteTarget extends TargetView {
  key: number;
}

export interface RouteTargetGroup {
  arn: string;
  crossZone: boolean;
  stickiness: 'none' | 'source_ip';
  proxyProtocolV2: boolean;
  /** Registered targets, draining ones included (they take no new flows). */
  targets: RouteTarget[];
  /** End flows to a target once it is unhealthy. */
  unhealthyConnectionTermination: boolean;
  /** End flows to a deregistered target once its delay is over. */
  connectionTermination: boolean;
}

/** One endpoint ENI port served by this node. */
export interface RouteListener {
  listenerId: string;
  endpointId: string;
  vpcId: string;
  eniId: string;
  eniIp: string;
  port: number;
  serving: boolean;
  /** The ENI's groups, compiled. */
  groups: SecurityGroupView[];
  /** Group ids of each address in the consumer VPC that is an Underpass ENI (workloads, endpoints). */
  members: ReadonlyMap<string, readonly string[]>;
  /** Undefined when the listener's target group is missing from the desired state. */
  targetGroup: RouteTargetGroup | undefined;
  /** The target pick's options for this node and target group, built once (not per connection). */
  pick: PickOptions | undefined;
  targetGroupArn: string;
  idleTimeoutMs: number;
}

export interface NodeRoutes {
  version: number;
  nodeEniId: string;
  /** Undefined when the node is not in the desired state (its listeners are gone). */
  node: { loadBalancerArn: string; vpcId: string; zoneId: string; ip: string; seed: number } | undefined;
  listeners: ReadonlyMap<string, RouteListener>;
  /** Every target group one of this node's listeners forwards to. */
  targetGroups: ReadonlyMap<string, RouteTargetGroup>;
}

export interface FlowQuery {
  srcIp: string;
  srcPort: number;
  /** Per-connection value mixed into the flow hash (AWS uses the TCP sequence number). */
  seq?: number;
}

export type FlowDecision =
  | {
    admit: true;
    target: RouteTarget;
    /** The node's address: targets see it as the source. */
    localAddress: string;
    proxyProtocolV2: boolean;
    endpointId: string;
    idleTimeoutMs: number;
    failOpen: boolean;
    /** The checks passed, in order (only with `explain`). */
    reasons: string[];
  }
  | { admit: false; stage: RefusalStage; reason: string; reasons: string[] };

/** 32-bit FNV-1a of a string: the node's seed for the flow hash. */
function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function healthOf(tg: DesiredTargetGroup, t: DesiredTargetGroup['targets'][number], health: HealthMap): TargetHealthState {
  if (t.drainingUntil !== undefined) return 'draining';
  if (t.zoneId === null) return 'unused';
  if (!tg.healthCheck.enabled) return 'unavailable';
  return health[healthKey(tg.arn, t.id, t.port)] ?? 'initial';
}

function routeTargetGroup(tg: DesiredTargetGroup, loadBalancerArn: string, health: HealthMap): RouteTargetGroup {
  const lb = tg.loadBalancers.find((l) => l.loadBalancerArn === loadBalancerArn);
  return {
    arn: tg.arn,
    crossZone: lb?.crossZone ?? false,
    stickiness: tg.stickiness,
    proxyProtocolV2: tg.proxyProtocolV2,
    unhealthyConnectionTermination: tg.unhealthyConnectionTermination,
    connectionTermination: tg.connectionTermination,
    targets: tg.targets.map((t) => ({
      id: t.id, port: t.port, zone: t.zoneId ?? undefined, health: healthOf(tg, t, health), key: targetKey(t.id, t.port),
    })),
  };
}

/** The routing tables of the NLB node whose ENI is `nodeEniId`. */
export function compileNodeRoutes(desired: DesiredState, health: HealthMap, nodeEniId: string): NodeRoutes {
  const listeners = new Map<string, RouteListener>();
  const targetGroups = new Map<string, RouteTargetGroup>();
  let node: NodeRoutes['node'];
  for (const lb of desired.loadBalancers) {
    const n = lb.nodes.find((x) => x.eniId === nodeEniId);
    if (n) node = { loadBalancerArn: lb.arn, vpcId: lb.vpcId, zoneId: n.zoneId, ip: n.ip, seed: seedOf(n.eniId) };
  }
  if (!node) return { version: desired.version, nodeEniId, node, listeners, targetGroups };
  const groupsById = new Map(desired.securityGroups.map((g) => [g.groupId, g]));
  const tgById = new Map(desired.targetGroups.map((t) => [t.arn, t]));
  // Only the members of groups that this node's endpoints' ingress rules reference are looked up.
  const nodeGroups = new Set<string>();
  for (const ep of desired.endpoints) {
    if (ep.bindings.some((b) => isBound(b) && b.nodeEniId === nodeEniId)) for (const g of ep.securityGroupIds) nodeGroups.add(g);
  }
  const referenced = referencedGroupIds(desired, nodeGroups);
  const membersOf = new Map<string, Map<string, readonly string[]>>();
  const members = (vpcId: string): ReadonlyMap<string, readonly string[]> => {
    let m = membersOf.get(vpcId);
    if (!m) {
      m = new Map();
      if (referenced.size > 0) {
        for (const i of desired.interfaces) if (i.vpcId === vpcId && i.securityGroupIds.some((g) => referenced.has(g))) m.set(i.ip, i.securityGroupIds);
      }
      membersOf.set(vpcId, m);
    }
    return m;
  };
  for (const ep of desired.endpoints) {
    for (const b of ep.bindings) {
      if (!isBound(b) || b.nodeEniId !== nodeEniId) continue;
      const groups = compileGroups(ep.securityGroupIds.flatMap((id) => {
        const g = groupsById.get(id);
        return g ? [{ id: g.groupId, ingress: g.ingress, egress: g.egress }] : [];
      }), { prefixLists: () => undefined });
      for (const p of b.ports) {
        let tg = targetGroups.get(p.targetGroupArn);
        const desiredTg = tgById.get(p.targetGroupArn);
        if (!tg && desiredTg) {
          tg = routeTargetGroup(desiredTg, b.loadBalancerArn, health);
          targetGroups.set(tg.arn, tg);
        }
        const listener = desired.loadBalancers.find((l) => l.arn === b.loadBalancerArn)?.listeners.find((l) => l.listenerArn === p.listenerArn);
        const id = listenerIdOf(b.eniId, p.port);
        const pick: PickOptions | undefined = tg ? { nodeZone: node.zoneId, crossZone: tg.crossZone, stickiness: tg.stickiness, seed: node.seed } : undefined;
        listeners.set(id, {
          listenerId: id, endpointId: ep.endpointId, vpcId: ep.vpcId, eniId: b.eniId, eniIp: b.ip, port: p.port,
          serving: ep.serving, groups, members: members(ep.vpcId), targetGroup: tg, pick, targetGroupArn: p.targetGroupArn,
          idleTimeoutMs: (listener?.idleTimeoutSeconds ?? 350) * 1000,
        });
      }
    }
  }
  return { version: desired.version, nodeEniId, node, listeners, targetGroups };
}

const NO_GROUPS: readonly string[] = [];
/** Admitted connections on the worker's path collect no passed checks: no string is built per connection. */
const NOT_EXPLAINED: string[] = Object.freeze([]) as unknown as string[];

/**
 * The decision for one new connection to `listenerId` (an ENI port this node serves). A refusal
 * always carries its reason; `explain` also lists the checks an admitted connection passed
 * (`underpass explain`), which the workers' per-connection path does not pay for.
 */
export function decideFlow(routes: NodeRoutes, listenerId: string, q: FlowQuery, opts?: { explain?: boolean }): FlowDecision {
  const l = routes.listeners.get(listenerId);
  if (!l || !routes.node) {
    return { admit: false, stage: 'no-listener', reason: `no listener ${listenerId} on this load balancer node`, reasons: [] };
  }
  const explain = opts?.explain === true;
  const reasons: string[] = explain ? [] : NOT_EXPLAINED;
  if (!l.serving) {
    return { admit: false, stage: 'endpoint-state', reason: `endpoint ${l.endpointId} is pending, not available`, reasons };
  }
  if (explain) reasons.push(`endpoint ${l.endpointId} is available`);
  const sg = evaluateIngress(l.groups, {
    protocol: 'tcp', destinationPort: l.port, sourceIp: q.srcIp, sourceGroupIds: l.members.get(q.srcIp) ?? NO_GROUPS,
  });
  if (!sg.allow) return { admit: false, stage: 'security-group', reason: `${l.eniId}: ${sg.reason}`, reasons };
  if (explain) reasons.push(`${l.eniId}: ${sg.reason}`);
  const tg = l.targetGroup;
  if (!tg || !l.pick) return { admit: false, stage: 'no-target', reason: `target group ${l.targetGroupArn} does not exist`, reasons };
  const key: FlowKey = { srcIp: q.srcIp, srcPort: q.srcPort, dstIp: l.eniIp, dstPort: l.port };
  if (q.seq !== undefined) key.seq = q.seq;
  const pick = pickTarget(tg.targets, key, l.pick);
  if (!pick.target) return { admit: false, stage: 'no-target', reason: pick.reason, reasons };
  if (explain) reasons.push(pick.reason);
  return {
    admit: true, target: pick.target, localAddress: routes.node.ip, proxyProtocolV2: tg.proxyProtocolV2, endpointId: l.endpointId,
    idleTimeoutMs: l.idleTimeoutMs, failOpen: pick.failOpen, reasons,
  };
}
