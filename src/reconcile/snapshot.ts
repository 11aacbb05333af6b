/**
 * The compiler's input: every stored document, listed by kind. Each interface names only the
 * fields the compiler reads, so this pure folder does not import the control plane; the control
 * plane's documents (src/control/resources.ts) are structurally assignable to them, which
 * `readSnapshot` in src/control/snapshot.ts checks at compile time (a field renamed there fails
 * `tsc` there).
 */
import type { HealthCheck } from '../core/health-check.js';
import type { SecurityGroupRuleMatch } from '../core/security-group-rule.js';

export interface SnapshotVpc {
  id: string;
  account: string;
  region: string;
  cidrBlock: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

export interface SnapshotSubnet {
  id: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  availabilityZoneId: string;
}

export type SnapshotSecurityGroupRule = SecurityGroupRuleMatch;

export interface SnapshotSecurityGroup {
  id: string;
  account: string;
  vpcId: string;
  ingress: readonly SnapshotSecurityGroupRule[];
  egress: readonly SnapshotSecurityGroupRule[];
}

/** Listed for completeness (gateway endpoints, a later resolver); the compiler does not read them yet. */
export interface SnapshotRouteTable {
  id: string;
  vpcId: string;
}

export interface SnapshotNetworkInterface {
  id: string;
  vpcId: string;
  subnetId: string;
  availabilityZoneId: string;
  privateIpAddress: string;
  /** `interface`: an ENI the account created itself (a workload slot); the others are requester-managed. */
  interfaceType: 'interface' | 'vpc_endpoint' | 'network_load_balancer' | 'gateway_load_balancer' | 'gateway_load_balancer_endpoint';
  groupIds: readonly string[];
  /** The vpce-… id or load balancer ARN owning a requester-managed ENI (the compiler takes a workload ENI's own id). */
  ownerResourceId: string;
  /**
   * A requester-managed ENI; with InterfaceType `interface` it is a Route 53 Resolver endpoint's
   * (owned by the rslvr-… id), not a workload. Absent: false.
   */
  requesterManaged?: boolean;
}

export interface SnapshotLoadBalancerZone {
  subnetId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  networkInterfaceId: string;
  privateIpv4Address: string;
}

export interface SnapshotLoadBalancer {
  /** The ARN. */
  id: string;
  account: string;
  type: 'network' | 'gateway';
  vpcId: string;
  state: 'provisioning' | 'active' | 'active_impaired' | 'failed';
  zones: readonly SnapshotLoadBalancerZone[];
  securityGroups: readonly string[];
  enforceSecurityGroupInboundRulesOnPrivateLinkTraffic?: 'on' | 'off';
  attributes: Readonly<Record<string, string>>;
}

export type SnapshotHealthCheck = HealthCheck;

export interface SnapshotTarget {
  id: string;
  port: number;
  /** As registered: a zone name, 'all', or absent. */
  availabilityZone?: string;
  /** The zone name of the VPC subnet holding an `ip` target. */
  zone?: string;
  drainingUntil?: string;
}

export interface SnapshotTargetGroup {
  /** The ARN. */
  id: string;
  account: string;
  region: string;
  protocol: string;
  port?: number;
  vpcId?: string;
  targetType: 'instance' | 'ip' | 'lambda' | 'alb';
  healthCheck: SnapshotHealthCheck;
  attributes: Readonly<Record<string, string>>;
  targets: readonly SnapshotTarget[];
}

export interface SnapshotListener {
  /** The ARN. */
  id: string;
  loadBalancerArn: string;
  port?: number;
  protocol?: string;
  defaultActions: ReadonlyArray<{ Type: string; TargetGroupArn?: string }>;
  attributes: Readonly<Record<string, string>>;
}

export interface SnapshotEndpointService {
  /** vpce-svc-… */
  id: string;
  account: string;
  state: 'Pending' | 'Available' | 'Deleting' | 'Deleted' | 'Failed';
  networkLoadBalancerArns: readonly string[];
  privateDnsName?: string;
  privateDnsNameConfiguration?: { state: 'pendingVerification' | 'verified' | 'failed' };
}

export interface SnapshotEndpointInterface {
  subnetId: string;
  networkInterfaceId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  privateIpAddress: string;
}

export interface SnapshotEndpoint {
  /** vpce-… */
  id: string;
  account: string;
  type: 'Interface' | 'Gateway' | 'GatewayLoadBalancer';
  vpcId: string;
  serviceId?: string;
  state: 'pendingAcceptance' | 'pending' | 'available' | 'deleting' | 'deleted' | 'rejected' | 'failed' | 'expired';
  groupIds: readonly string[];
  privateDnsEnabled: boolean;
  /** The 8-character suffix of the endpoint's DNS names. */
  dnsSuffix: string;
  /** DnsOptions.DnsRecordIpType: ipv4 | ipv6 | dualstack | service-defined. */
  dnsRecordIpType: string;
  interfaces?: readonly SnapshotEndpointInterface[];
}

export interface SnapshotResolverEndpoint {
  /** rslvr-in-… / rslvr-out-… */
  id: string;
  account: string;
  direction: 'INBOUND' | 'OUTBOUND';
  vpcId: string;
  status: 'CREATING' | 'OPERATIONAL' | 'DELETING';
  ips: ReadonlyArray<{ ipId: string; subnetId: string; ip: string; networkInterfaceId: string }>;
}

export interface SnapshotResolverRule {
  /** rslvr-rr-… */
  id: string;
  account: string;
  /** As stored (AWS's form: with a trailing dot; any case). */
  domainName: string;
  ruleType: 'FORWARD' | 'SYSTEM';
  targetIps: ReadonlyArray<{ ip: string; port: number }>;
  resolverEndpointId?: string;
  status: 'COMPLETE' | 'DELETING';
}

export interface SnapshotResolverRuleAssociation {
  /** rslvr-rrassoc-… */
  id: string;
  account: string;
  resolverRuleId: string;
  vpcId: string;
  status: 'CREATING' | 'COMPLETE' | 'DELETING';
}

/** Every stored document by kind, as one read transaction saw them (any order: the compiler sorts). */
export interface Snapshot {
  vpcs: readonly SnapshotVpc[];
  subnets: readonly SnapshotSubnet[];
  securityGroups: readonly SnapshotSecurityGroup[];
  routeTables: readonly SnapshotRouteTable[];
  networkInterfaces: readonly SnapshotNetworkInterface[];
  loadBalancers: readonly SnapshotLoadBalancer[];
  targetGroups: readonly SnapshotTargetGroup[];
  listeners: readonly SnapshotListener[];
  endpointServices: readonly SnapshotEndpointService[];
  endpoints: readonly SnapshotEndpoint[];
  resolverEndpoints: readonly SnapshotResolverEndpoint[];
  resolverRules: readonly SnapshotResolverRule[];
  resolverRuleAssociations: readonly SnapshotResolverRuleAssociation[];
}
