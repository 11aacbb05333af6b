/**
 * `compileDesiredState`: a store snapshot → the data plane's desired state. Pure: no I/O, no
 * clock, no randomness; the output depends only on the snapshot's contents (not on the order of
 * its lists) and the version, so compiling twice gives byte-identical JSON. References that do not
 * resolve (a missing service or load balancer) degrade to an `unbound` reason or an absent
 * entry, never an exception; only a malformed CIDR, which the control plane never stores, throws.
 *
 * Decisions:
 * - Endpoints: only `Interface` endpoints of a customer service (with a serviceId) in `available`
 *   (serving) or `pending` (listeners prepared, `serving: false`) appear. Every other state
 *   (pendingAcceptance, rejected, deleting, deleted, failed, expired) is absent: the data plane
 *   closes those listeners and resets their flows.
 * - Binding: an ENI is bound to one of the service's network load balancers that has a node in
 *   the ENI's zone (by zone ID). With several, rendezvous hashing over (ENI id, LB ARN) picks one:
 *   stable whatever the list order, and adding an NLB only moves the ENIs the new one wins.
 *   Neither the load balancer's state (provisioning…; it is in the output) nor the service's is
 *   consulted: the endpoint's own state is what the control plane moves when the service changes.
 * - ENIs the account created (CreateNetworkInterface, InterfaceType `interface`) are `workload`
 *   interfaces owned by themselves: the data plane gives each an address and may run a process
 *   in it; they bind to nothing.
 * - Attributes absent from a document take AWS's defaults (ATTRIBUTE_DEFAULTS; a test checks
 *   them against the control plane's attribute specs).
 */
import { findZone } from '../core/regions.js';
import { compileDnsRecords } from './compile-dns.js';
import { compileResolver, resolverInterface } from './compile-resolver.js';
import { intToIp, parseCidr } from '../core/cidr.js';
import type {
  DesiredBinding, DesiredEndpoint, DesiredInterface, DesiredListener, DesiredLoadBalancer, DesiredNetwork,
  DesiredRule, DesiredSecurityGroup, DesiredState, DesiredTarget, DesiredTargetGroup, InterfaceKind,
} from './desired-state.js';
import type {
  Snapshot, SnapshotEndpoint, SnapshotListener, SnapshotLoadBalancer, SnapshotNetworkInterface, SnapshotSecurityGroupRule,
  SnapshotTargetGroup,
} from './snapshot.js';

/** AWS's defaults of the attributes the data plane uses (network protocols, ip targets). */
export const ATTRIBUTE_DEFAULTS = {
  loadBalancer: { 'load_balancing.cross_zone.enabled': 'false' },
  listener: { 'tcp.idle_timeout.seconds': '350' },
  targetGroup: {
    'proxy_protocol_v2.enabled': 'false',
    /** 'true' for instance targets and UDP/TCP_UDP groups (see `preserveClientIpDefault`). */
    'preserve_client_ip.enabled': 'false',
    'deregistration_delay.timeout_seconds': '300',
    /** 'true' for UDP/TCP_UDP groups. */
    'deregistration_delay.connection_termination.enabled': 'false',
    'stickiness.enabled': 'false',
    'stickiness.type': 'source_ip',
    'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    'target_health_state.unhealthy.connection_termination.enabled': 'true',
    'target_health_state.unhealthy.draining_interval_seconds': '0',
  },
} as const;

/** Code-unit order: the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey<T>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => compareIds(key(a), key(b));
}

/** 32-bit FNV-1a. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** murmur3's 32-bit finaliser: FNV-1a alone mixes its last bytes poorly, which biases the pick below. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rendezvous (highest random weight) choice of one of `candidates` for `key`; ties go to the lower id. */
export function rendezvousPick(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const c of [...candidates].sort(compareIds)) {
    const w = fmix32(fnv1a(`${key}|${c}`));
    if (w > bestWeight) {
      best = c;
      bestWeight = w;
    }
  }
  return best;
}

function addressAt(cidr: string, offset: number): string {
  const c = parseCidr(cidr);
  if (!c) throw new Error(`snapshot holds a malformed CIDR '${cidr}'`);
  return intToIp(c.base + offset);
}

function attr(attributes: Readonly<Record<string, string>>, key: string, fallback: string): string {
  return attributes[key] ?? fallback;
}

const INTERFACE_KINDS: Record<SnapshotNetworkInterface['interfaceType'], InterfaceKind> = {
  interface: 'workload',
  vpc_endpoint: 'endpoint',
  network_load_balancer: 'nlb-node',
  gateway_load_balancer: 'gwlb-node',
  gateway_load_balancer_endpoint: 'gwlb-endpoint',
};

function compileNetworks(s: Snapshot): DesiredNetwork[] {
  return [...s.vpcs].sort(byKey((v) => v.id)).map((v) => ({
    vpcId: v.id,
    account: v.account,
    cidr: v.cidrBlock,
    resolverIp: addressAt(v.cidrBlock, 2),
    enableDnsSupport: v.enableDnsSupport,
    enableDnsHostnames: v.enableDnsHostnames,
    subnets: s.subnets.filter((sn) => sn.vpcId === v.id).sort(byKey((sn) => sn.id)).map((sn) => ({
      subnetId: sn.id,
      cidr: sn.cidrBlock,
      zoneName: sn.availabilityZone,
      zoneId: sn.availabilityZoneId,
      gatewayIp: addressAt(sn.cidrBlock, 1),
    })),
  }));
}

function compileInterfaces(s: Snapshot): DesiredInterface[] {
  return [...s.networkInterfaces].sort(byKey((n) => n.id)).map((n) => ({
    eniId: n.id,
    vpcId: n.vpcId,
    subnetId: n.subnetId,
    ip: n.privateIpAddress,
    zoneId: n.availabilityZoneId,
    kind: INTERFACE_KINDS[n.interfaceType],
    // A workload ENI is its own owner: `underpass exec` creates it, runs in it and deletes it.
    owner: n.interfaceType === 'interface' ? n.id : n.ownerResourceId,
    ...resolverInterface(n),
    securityGroupIds: [...n.groupIds].sort(compareIds),
  }));
}

function compileRule(r: SnapshotSecurityGroupRule): DesiredRule {
  return {
    ruleId: r.ruleId,
    ipProtocol: r.ipProtocol,
    ...(r.fromPort !== undefined && { fromPort: r.fromPort }),
    ...(r.toPort !== undefined && { toPort: r.toPort }),
    ...(r.cidrIpv4 !== undefined && { cidrIpv4: r.cidrIpv4 }),
    ...(r.cidrIpv6 !== undefined && { cidrIpv6: r.cidrIpv6 }),
    ...(r.prefixListId !== undefined && { prefixListId: r.prefixListId }),
    ...(r.referencedGroupId !== undefined && { referencedGroupId: r.referencedGroupId }),
    ...(r.referencedGroupAccount !== undefined && { referencedGroupAccount: r.referencedGroupAccount }),
  };
}

function compileSecurityGroups(s: Snapshot): DesiredSecurityGroup[] {
  return [...s.securityGroups].sort(byKey((g) => g.id)).map((g) => ({
    groupId: g.id,
    account: g.account,
    vpcId: g.vpcId,
    ingress: g.ingress.map(compileRule),
    egress: g.egress.map(compileRule),
  }));
}

/** The target group a listener forwards to (NLB listeners have exactly one forward action). */
function forwardTarget(l: SnapshotListener): string | undefined {
  return l.defaultActions.find((a) => a.Type === 'forward' && a.TargetGroupArn !== undefined)?.TargetGroupArn;
}

function compileListeners(listeners: readonly SnapshotListener[]): DesiredListener[] {
  const out: DesiredListener[] = [];
  for (const l of listeners) {
    const targetGroupArn = forwardTarget(l);
    if (l.port === undefined || targetGroupArn === undefined) continue;
    out.push({
      listenerArn: l.id,
      port: l.port,
      protocol: l.protocol ?? 'TCP',
      targetGroupArn,
      idleTimeoutSeconds: Number(attr(l.attributes, 'tcp.idle_timeout.seconds', ATTRIBUTE_DEFAULTS.listener['tcp.idle_timeout.seconds'])),
    });
  }
  return out.sort((a, b) => a.port - b.port || compareIds(a.listenerArn, b.listenerArn));
}

function lbCrossZone(lb: SnapshotLoadBalancer): boolean {
  return attr(lb.attributes, 'load_balancing.cross_zone.enabled', ATTRIBUTE_DEFAULTS.loadBalancer['load_balancing.cross_zone.enabled']) === 'true';
}

function compileLoadBalancers(s: Snapshot, listenersOf: Map<string, DesiredListener[]>): DesiredLoadBalancer[] {
  return [...s.loadBalancers].sort(byKey((lb) => lb.id)).map((lb) => ({
    arn: lb.id,
    account: lb.account,
    vpcId: lb.vpcId,
    type: lb.type,
    state: lb.state,
    crossZone: lbCrossZone(lb),
    securityGroupIds: [...lb.securityGroups].sort(compareIds),
    enforceSecurityGroupsOnPrivateLink: lb.securityGroups.length > 0 && (lb.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic ?? 'on') === 'on',
    nodes: [...lb.zones].sort(byKey((z) => z.availabilityZoneId)).map((z) => ({
      zoneId: z.availabilityZoneId,
      zoneName: z.availabilityZone,
      subnetId: z.subnetId,
      eniId: z.networkInterfaceId,
      ip: z.privateIpv4Address,
    })),
    listeners: listenersOf.get(lb.id) ?? [],
  }));
}

function targetZoneId(tg: SnapshotTargetGroup, t: SnapshotTargetGroup['targets'][number]): string | null {
  const zone = t.availabilityZone ?? t.zone;
  if (zone === undefined) return null;
  if (zone === 'all') return 'all';
  return findZone(tg.region, zone)?.zoneId ?? null;
}

function crossZoneSetting(tg: SnapshotTargetGroup): DesiredTargetGroup['crossZoneSetting'] {
  const v = attr(tg.attributes, 'load_balancing.cross_zone.enabled', ATTRIBUTE_DEFAULTS.targetGroup['load_balancing.cross_zone.enabled']);
  return v === 'true' || v === 'false' ? v : 'use_load_balancer_configuration';
}

function compileTargetGroup(tg: SnapshotTargetGroup, users: readonly SnapshotLoadBalancer[]): DesiredTargetGroup {
  const a = (key: keyof typeof ATTRIBUTE_DEFAULTS.targetGroup, fallback: string = ATTRIBUTE_DEFAULTS.targetGroup[key]): string =>
    attr(tg.attributes, key, fallback);
  const udp = tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP';
  const setting = crossZoneSetting(tg);
  const hc = tg.healthCheck;
  const hcPort = hc.port === 'traffic-port' ? 'traffic-port' : Number(hc.port);
  const targets: DesiredTarget[] = [...tg.targets]
    .sort((x, y) => compareIds(x.id, y.id) || x.port - y.port)
    .map((t) => ({
      id: t.id,
      port: t.port,
      zoneId: targetZoneId(tg, t),
      healthCheckPort: hcPort === 'traffic-port' ? t.port : hcPort,
      ...(t.drainingUntil !== undefined && { drainingUntil: t.drainingUntil }),
    }));
  return {
    arn: tg.id,
    account: tg.account,
    ...(tg.vpcId !== undefined && { vpcId: tg.vpcId }),
    protocol: tg.protocol,
    ...(tg.port !== undefined && { port: tg.port }),
    targetType: tg.targetType,
    crossZoneSetting: setting,
    loadBalancers: [...users].sort(byKey((lb) => lb.id)).map((lb) => ({
      loadBalancerArn: lb.id,
      crossZone: setting === 'use_load_balancer_configuration' ? lbCrossZone(lb) : setting === 'true',
    })),
    proxyProtocolV2: a('proxy_protocol_v2.enabled') === 'true',
    preserveClientIp: a('preserve_client_ip.enabled', tg.targetType === 'instance' || udp ? 'true' : 'false') === 'true',
    deregistrationDelaySeconds: Number(a('deregistration_delay.timeout_seconds')),
    connectionTermination: a('deregistration_delay.connection_termination.enabled', udp ? 'true' : 'false') === 'true',
    unhealthyConnectionTermination: a('target_health_state.unhealthy.connection_termination.enabled') === 'true',
    unhealthyDrainingIntervalSeconds: Number(a('target_health_state.unhealthy.draining_interval_seconds')),
    stickiness: a('stickiness.enabled') === 'true' ? 'source_ip' : 'none',
    healthCheck: {
      enabled: hc.enabled,
      protocol: hc.protocol,
      port: hcPort,
      ...(hc.path !== undefined && { path: hc.path }),
      intervalSeconds: hc.intervalSeconds,
      timeoutSeconds: hc.timeoutSeconds,
      healthyThreshold: hc.healthyThresholdCount,
      unhealthyThreshold: hc.unhealthyThresholdCount,
      ...(hc.matcher !== undefined && { matcher: hc.matcher }),
    },
    targets,
  };
}

function compileTargetGroups(s: Snapshot, lbById: Map<string, SnapshotLoadBalancer>): DesiredTargetGroup[] {
  const users = new Map<string, Map<string, SnapshotLoadBalancer>>();
  for (const l of s.listeners) {
    const tgArn = forwardTarget(l);
    const lb = lbById.get(l.loadBalancerArn);
    if (tgArn === undefined || !lb) continue;
    const m = users.get(tgArn) ?? new Map<string, SnapshotLoadBalancer>();
    m.set(lb.id, lb);
    users.set(tgArn, m);
  }
  return [...s.targetGroups].sort(byKey((tg) => tg.id)).map((tg) => compileTargetGroup(tg, [...(users.get(tg.id)?.values() ?? [])]));
}

/** Endpoint states the data plane acts on; every other state means "nothing listens". */
const ENDPOINT_STATES = { available: true, pending: false } as const;

function servedState(e: SnapshotEndpoint): e is SnapshotEndpoint & { state: 'available' | 'pending'; serviceId: string } {
  return e.type === 'Interface' && e.serviceId !== undefined && e.state in ENDPOINT_STATES;
}

function compileEndpoints(s: Snapshot, lbs: readonly DesiredLoadBalancer[]): DesiredEndpoint[] {
  const lbByArn = new Map(lbs.map((lb) => [lb.arn, lb]));
  const serviceById = new Map(s.endpointServices.map((svc) => [svc.id, svc]));
  const out: DesiredEndpoint[] = [];
  for (const e of [...s.endpoints].sort(byKey((x) => x.id))) {
    if (!servedState(e)) continue;
    const service = serviceById.get(e.serviceId);
    const nlbs = (service?.networkLoadBalancerArns ?? [])
      .map((arn) => lbByArn.get(arn))
      .filter((lb): lb is DesiredLoadBalancer => lb !== undefined && lb.type === 'network');
    const bindings: DesiredBinding[] = [...(e.interfaces ?? [])].sort(byKey((i) => i.networkInterfaceId)).map((i) => {
      const base = { eniId: i.networkInterfaceId, subnetId: i.subnetId, ip: i.privateIpAddress, zoneId: i.availabilityZoneId };
      if (!service) return { ...base, unbound: `endpoint service ${e.serviceId} does not exist` };
      const inZone = nlbs.filter((lb) => lb.nodes.some((n) => n.zoneId === i.availabilityZoneId));
      const arn = rendezvousPick(i.networkInterfaceId, inZone.map((lb) => lb.arn));
      const lb = arn === undefined ? undefined : lbByArn.get(arn);
      const node = lb?.nodes.find((n) => n.zoneId === i.availabilityZoneId);
      if (!lb || !node) {
        return { ...base, unbound: `no network load balancer of ${service.id} has a node in zone ${i.availabilityZoneId}` };
      }
      return {
        ...base,
        loadBalancerArn: lb.arn,
        nodeEniId: node.eniId,
        nodeIp: node.ip,
        ports: lb.listeners.map((l) => ({ port: l.port, protocol: l.protocol, listenerArn: l.listenerArn, targetGroupArn: l.targetGroupArn })),
      };
    });
    out.push({
      endpointId: e.id,
      account: e.account,
      vpcId: e.vpcId,
      serviceId: e.serviceId,
      state: e.state,
      serving: ENDPOINT_STATES[e.state],
      privateDnsEnabled: e.privateDnsEnabled,
      securityGroupIds: [...e.groupIds].sort(compareIds),
      bindings,
    });
  }
  return out;
}

/** Compiles the desired state of the data plane from a snapshot of the store. */
export function compileDesiredState(snapshot: Snapshot, version: number): DesiredState {
  const lbById = new Map(snapshot.loadBalancers.map((lb) => [lb.id, lb]));
  const listenersOf = new Map<string, SnapshotListener[]>();
  for (const l of snapshot.listeners) {
    const list = listenersOf.get(l.loadBalancerArn);
    if (list) list.push(l);
    else listenersOf.set(l.loadBalancerArn, [l]);
  }
  const compiledListeners = new Map([...listenersOf].map(([arn, ls]) => [arn, compileListeners(ls)]));
  const loadBalancers = compileLoadBalancers(snapshot, compiledListeners);
  return {
    version,
    networks: compileNetworks(snapshot),
    interfaces: compileInterfaces(snapshot),
    securityGroups: compileSecurityGroups(snapshot),
    loadBalancers,
    targetGroups: compileTargetGroups(snapshot, lbById),
    endpoints: compileEndpoints(snapshot, loadBalancers),
    dnsRecords: compileDnsRecords(snapshot),
    ...compileResolver(snapshot),
  };
}
