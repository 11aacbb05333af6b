/**
 * The desired state the data plane converges to: flat, JSON-serialisable, every list sorted by
 * its id so two compiles of the same snapshot are byte-identical (`JSON.stringify`). Compiled by
 * `compileDesiredState` (compile.ts); the data plane reports back against `version` (status.ts).
 *
 * Zones are matched by zone ID throughout (use1-az1), as PrivateLink does.
 */
import type { SecurityGroupRuleMatch } from '../core/security-group-rule.js';

export interface DesiredState {
  /** Given by the caller (monotonic); status reports name the version they converged to. */
  version: number;
  /** One per VPC: each becomes a network namespace (or a loopback range). */
  networks: DesiredNetwork[];
  /**
   * Every ENI (endpoint ENIs, load balancer nodes, workload ENIs made by CreateNetworkInterface),
   * whether or not anything listens on it or runs in it: its address is taken.
   */
  interfaces: DesiredInterface[];
  securityGroups: DesiredSecurityGroup[];
  loadBalancers: DesiredLoadBalancer[];
  targetGroups: DesiredTargetGroup[];
  /** Interface endpoints that are `available` (serving) or `pending` (listeners prepared, not admitting). */
  endpoints: DesiredEndpoint[];
  /** What the per-VPC resolvers answer beyond forwarding (compile-dns.ts); sorted by id. */
  dnsRecords: DesiredDnsRecord[];
  /** Route 53 Resolver forwarding: per VPC and domain, where its resolver sends queries (compile-resolver.ts); sorted by id. */
  resolverRules: DesiredResolverRule[];
  /** Route 53 Resolver inbound endpoints: addresses that answer with their VPC's view (compile-resolver.ts); sorted by id. */
  inboundEndpoints: DesiredInboundEndpoint[];
}

/**
 * A FORWARD rule in force in one VPC: its association is COMPLETE, the rule COMPLETE and its
 * outbound endpoint OPERATIONAL. That VPC's resolver forwards names at or under `domain` to
 * `targets` (the most specific domain wins, as in Route 53 Resolver). Queries leave from one of
 * the outbound endpoint's addresses, which may be in another VPC than the associated one.
 * SYSTEM rules are not compiled (they are stored and associable; see the service's README).
 */
export interface DesiredResolverRule {
  /** `${vpcId} ${domain}`. */
  id: string;
  vpcId: string;
  /** Lower case, no trailing dot. */
  domain: string;
  /** In the rule's order. */
  targets: Array<{ ip: string; port: number }>;
  ruleId: string;
  /** rslvr-out-… */
  outboundEndpointId: string;
  /** The outbound endpoint's VPC. */
  outboundVpcId: string;
  /** The outbound endpoint's addresses, sorted: forwarded queries leave from one of them. */
  sourceIps: string[];
}

/** An OPERATIONAL inbound endpoint: each address answers DNS queries with `vpcId`'s view. */
export interface DesiredInboundEndpoint {
  /** rslvr-in-… */
  id: string;
  vpcId: string;
  /** Sorted by ENI id. */
  ips: Array<{ eniId: string; subnetId: string; ip: string }>;
}

/**
 * One name the resolvers answer. `public` names (an endpoint's regional and zonal names) resolve
 * in every VPC and on the host, as AWS's are public; a private name (the service's private DNS
 * name, wildcards included) resolves only in the VPC of the endpoint that enabled it.
 */
export interface DesiredDnsRecord {
  /** `${scope} ${name}`. */
  id: string;
  /** 'public', or the VPC id whose resolver alone answers it. */
  scope: string;
  /** Lower case, no trailing dot; a wildcard starts with `*.`. */
  name: string;
  kind: 'regional' | 'zonal' | 'private';
  endpointId: string;
  /** Sorted addresses (A); empty when the endpoint's DnsRecordIpType leaves them out. */
  a: string[];
  /** AAAA (endpoint ENIs are IPv4 only so far: empty). */
  aaaa: string[];
}

export interface DesiredNetwork {
  vpcId: string;
  account: string;
  cidr: string;
  /** The VPC resolver: VPC base + 2 (one per VPC, whatever the subnet). */
  resolverIp: string;
  /** The resolver answers only with `enableDnsSupport`. */
  enableDnsSupport: boolean;
  /** Private DNS names need `enableDnsHostnames` too. */
  enableDnsHostnames: boolean;
  /** Sorted by subnet id. */
  subnets: DesiredSubnet[];
}

export interface DesiredSubnet {
  subnetId: string;
  cidr: string;
  zoneName: string;
  zoneId: string;
  /** The subnet's router address: its base + 1 (AWS's reserved `.1`). */
  gatewayIp: string;
}

/** `workload`: an ENI the account created (CreateNetworkInterface), where the data plane may run a process. */
export type InterfaceKind = 'endpoint' | 'nlb-node' | 'gwlb-node' | 'gwlb-endpoint' | 'workload' | 'resolver-endpoint';

export interface DesiredInterface {
  eniId: string;
  vpcId: string;
  subnetId: string;
  ip: string;
  zoneId: string;
  kind: InterfaceKind;
  /** The vpce-… id or the load balancer ARN that owns the ENI; a workload ENI owns itself (its own eni-… id). */
  owner: string;
  /** Sorted. */
  securityGroupIds: string[];
}

/** A security group rule as stored, minus description and tags (they do not affect matching). */
export type DesiredRule = SecurityGroupRuleMatch;

export interface DesiredSecurityGroup {
  groupId: string;
  account: string;
  vpcId: string;
  /** In stored order (order does not change what a group admits). */
  ingress: DesiredRule[];
  egress: DesiredRule[];
}

export interface DesiredLoadBalancer {
  arn: string;
  account: string;
  vpcId: string;
  type: 'network' | 'gateway';
  state: 'provisioning' | 'active' | 'active_impaired' | 'failed';
  /** Attribute `load_balancing.cross_zone.enabled` (default false). */
  crossZone: boolean;
  /** Sorted; empty when the NLB has no security groups. */
  securityGroupIds: string[];
  /** Whether the security groups also filter PrivateLink traffic (AWS: 'on' unless turned off; false without groups). */
  enforceSecurityGroupsOnPrivateLink: boolean;
  /** One node per enabled zone, sorted by zone id. */
  nodes: DesiredNode[];
  /** Sorted by port, then ARN. Only listeners with a port and a forward action. */
  listeners: DesiredListener[];
}

export interface DesiredNode {
  zoneId: string;
  zoneName: string;
  subnetId: string;
  eniId: string;
  /** The node's address in the load balancer's VPC: targets see it as the source. */
  ip: string;
}

export interface DesiredListener {
  listenerArn: string;
  port: number;
  protocol: string;
  targetGroupArn: string;
  /** Listener attribute `tcp.idle_timeout.seconds` (default 350). */
  idleTimeoutSeconds: number;
}

export interface DesiredTargetGroup {
  arn: string;
  account: string;
  /** Absent for target groups without a VPC (lambda). */
  vpcId?: string;
  protocol: string;
  port?: number;
  targetType: 'instance' | 'ip' | 'lambda' | 'alb';
  /** The attribute as set: 'true' | 'false' | 'use_load_balancer_configuration'. */
  crossZoneSetting: 'true' | 'false' | 'use_load_balancer_configuration';
  /**
   * The load balancers whose listeners forward here (sorted by ARN), each with cross-zone
   * resolved: the group's own setting unless it defers to the load balancer's. A group no
   * listener uses is empty here: it receives no traffic and is not health-checked.
   */
  loadBalancers: Array<{ loadBalancerArn: string; crossZone: boolean }>;
  proxyProtocolV2: boolean;
  preserveClientIp: boolean;
  deregistrationDelaySeconds: number;
  /** `deregistration_delay.connection_termination.enabled`: end flows when the delay is over. */
  connectionTermination: boolean;
  /** `target_health_state.unhealthy.connection_termination.enabled`. */
  unhealthyConnectionTermination: boolean;
  /** `target_health_state.unhealthy.draining_interval_seconds`. */
  unhealthyDrainingIntervalSeconds: number;
  stickiness: 'none' | 'source_ip';
  healthCheck: DesiredHealthCheck;
  /** Sorted by id, then port. */
  targets: DesiredTarget[];
}

export interface DesiredHealthCheck {
  enabled: boolean;
  protocol: string;
  /** 'traffic-port' or a number; each target carries the port actually probed. */
  port: number | 'traffic-port';
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher?: string;
}

export interface DesiredTarget {
  /** The target's IP address (ip targets). */
  id: string;
  port: number;
  /**
   * 'all' (registered for every zone), the zone id it is in, or null when unknown — such a target
   * is in no enabled zone and receives no traffic (health reports it `unused`).
   */
  zoneId: string | null;
  /** The port health checks probe: the target's port under 'traffic-port'. */
  healthCheckPort: number;
  /** ISO time the deregistration delay ends; present while the target drains (no new flows). */
  drainingUntil?: string;
}

export interface DesiredEndpoint {
  endpointId: string;
  account: string;
  vpcId: string;
  serviceId: string;
  state: 'pending' | 'available';
  /**
   * true: admit connections (state `available`). false: `pending` — the data plane opens the
   * listeners and reports them (status.ts) so the control plane can move the endpoint to
   * `available`, but refuses every connection with the reason "endpoint is pending".
   */
  serving: boolean;
  privateDnsEnabled: boolean;
  /** Sorted. */
  securityGroupIds: string[];
  /** One per endpoint ENI, sorted by ENI id. */
  bindings: DesiredBinding[];
}

export type DesiredBinding = BoundEni | UnboundEni;

interface BindingBase {
  eniId: string;
  subnetId: string;
  ip: string;
  zoneId: string;
}

/** The ENI is served by one of the service's NLBs that has a node in the ENI's zone. */
export interface BoundEni extends BindingBase {
  loadBalancerArn: string;
  /** The node of that NLB in the ENI's zone (with cross-zone the node stays the same; targets vary). */
  nodeEniId: string;
  nodeIp: string;
  /** The NLB's listeners, sorted by port: the ENI listens on each. */
  ports: DesiredPort[];
}

/** No NLB of the service serves this ENI's zone: nothing listens; connections are refused with `unbound`. */
export interface UnboundEni extends BindingBase {
  unbound: string;
}

export interface DesiredPort {
  port: number;
  protocol: string;
  listenerArn: string;
  targetGroupArn: string;
}

export function isBound(b: DesiredBinding): b is BoundEni {
  return !('unbound' in b);
}
