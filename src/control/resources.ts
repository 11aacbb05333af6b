/**
 * The resource documents the control plane stores, one interface per kind. Field names are our
 * own; the API presenters turn them into AWS shapes. Every document carries its kind, id, owner
 * account, region, creation time and tags.
 */

import type { HealthCheck } from '../core/health-check.js';
import type { SecurityGroupRuleMatch } from '../core/security-group-rule.js';

export interface Tag { Key: string; Value: string }

interface Base {
  id: string;
  account: string;
  region: string;
  /** ISO 8601 creation time. */
  createdAt: string;
  tags: Tag[];
}

export interface VpcDoc extends Base {
  kind: 'vpc';
  cidrBlock: string;
  /** Association id of the primary CIDR (vpc-cidr-assoc-…). */
  cidrAssociationId: string;
  state: 'pending' | 'available';
  instanceTenancy: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  dhcpOptionsId: string;
  mainRouteTableId: string;
  defaultSecurityGroupId: string;
  /** enableNetworkAddressUsageMetrics (absent: false). */
  enableNetworkAddressUsageMetrics?: boolean;
}

export interface SubnetDoc extends Base {
  kind: 'subnet';
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  availabilityZoneId: string;
  state: 'pending' | 'available';
}

export interface SecurityGroupRule extends SecurityGroupRuleMatch {
  description?: string;
  /** Tags of the rule itself (TagSpecifications of Authorize*, CreateTags on sgr-…). */
  tags?: Tag[];
}

export interface SecurityGroupDoc extends Base {
  kind: 'security-group';
  vpcId: string;
  groupName: string;
  description: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

export interface Route {
  destinationCidrBlock?: string;
  destinationPrefixListId?: string;
  gatewayId?: string;
  vpcEndpointId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
  state: 'active' | 'blackhole';
}

export interface RouteTableAssociation {
  /** rtbassoc-… */
  id: string;
  subnetId?: string;
  main: boolean;
}

export interface RouteTableDoc extends Base {
  kind: 'route-table';
  vpcId: string;
  routes: Route[];
  associations: RouteTableAssociation[];
}

/**
 * AWS's `InterfaceType`: `interface` for an ENI the account created itself (CreateNetworkInterface,
 * a workload slot the data plane can run a process in); the others are requester-managed.
 */
export type InterfaceType = 'interface' | 'vpc_endpoint' | 'network_load_balancer' | 'gateway_load_balancer' | 'gateway_load_balancer_endpoint';

export interface NetworkInterfaceDoc extends Base {
  kind: 'network-interface';
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  privateIpAddress: string;
  interfaceType: InterfaceType;
  description: string;
  /**
   * Who manages it: 'amazon-elb' for load balancer nodes, the endpoint service's owner for
   * endpoints; absent for an ENI the account created itself.
   */
  requesterId?: string;
  /** True for endpoint and load balancer ENIs (the account cannot delete or modify them); false for `interface`. */
  requesterManaged: boolean;
  groupIds: string[];
  /** `in-use` for requester-managed ENIs (attached to AWS's side); `available` for the account's own. */
  status: 'in-use' | 'available';
  /** The resource that owns this ENI (vpce-… or a load balancer ARN); an `interface` ENI's own id. */
  ownerResourceId: string;
  macAddress: string;
}

export interface LoadBalancerZone {
  subnetId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  /** The node's ENI in the subnet. */
  networkInterfaceId: string;
  privateIpv4Address: string;
}

export interface LoadBalancerDoc extends Base {
  kind: 'load-balancer';
  /** The id is the ARN. */
  name: string;
  type: 'network' | 'gateway';
  scheme: 'internal' | 'internet-facing';
  ipAddressType: string;
  vpcId: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  state: 'provisioning' | 'active' | 'active_impaired' | 'failed';
  zones: LoadBalancerZone[];
  securityGroups: string[];
  enforceSecurityGroupInboundRulesOnPrivateLinkTraffic?: 'on' | 'off';
  attributes: Record<string, string>;
}

export type { HealthCheck };

export interface RegisteredTarget {
  id: string;
  port: number;
  availabilityZone?: string;
  /** ISO time of registration. */
  registeredAt: string;
  /** Set while the target drains after DeregisterTargets; ISO time the delay ends. */
  drainingUntil?: string;
  /** The AZ of the VPC subnet holding an `ip` target, resolved at registration (when no AvailabilityZone was given). */
  zone?: string;
}

export interface TargetGroupDoc extends Base {
  kind: 'target-group';
  /** The id is the ARN. */
  name: string;
  protocol: string;
  port?: number;
  vpcId?: string;
  targetType: 'instance' | 'ip' | 'lambda' | 'alb';
  ipAddressType: string;
  healthCheck: HealthCheck;
  attributes: Record<string, string>;
  targets: RegisteredTarget[];
}

export interface ListenerAction {
  Type: string;
  TargetGroupArn?: string;
  Order?: number;
  ForwardConfig?: unknown;
}

export interface ListenerDoc extends Base {
  kind: 'listener';
  /** The id is the ARN. */
  loadBalancerArn: string;
  port?: number;
  protocol?: string;
  defaultActions: ListenerAction[];
  attributes: Record<string, string>;
  /** ISO time the default actions were last set (create or ModifyListener): target registration with the LB starts then. */
  actionsSetAt?: string;
}

export interface ServicePermission {
  /** vpce-svc-perm-… */
  id: string;
  principal: string;
  principalType: 'All' | 'Service' | 'OrganizationUnit' | 'Account' | 'User' | 'Role';
}

export interface PrivateDnsNameConfiguration {
  state: 'pendingVerification' | 'verified' | 'failed';
  type: 'TXT';
  name: string;
  value: string;
}

export interface EndpointServiceDoc extends Base {
  kind: 'endpoint-service';
  /** vpce-svc-… */
  serviceName: string;
  serviceType: 'Interface' | 'GatewayLoadBalancer';
  state: 'Pending' | 'Available' | 'Deleting' | 'Deleted' | 'Failed';
  /** ISO time of the last state change (drives the timed transitions). */
  stateChangedAt: string;
  acceptanceRequired: boolean;
  networkLoadBalancerArns: string[];
  gatewayLoadBalancerArns: string[];
  supportedIpAddressTypes: string[];
  privateDnsName?: string;
  privateDnsNameConfiguration?: PrivateDnsNameConfiguration;
  permissions: ServicePermission[];
  payerResponsibility?: 'ServiceOwner';
}

export type EndpointState = 'pendingAcceptance' | 'pending' | 'available' | 'deleting' | 'deleted' | 'rejected' | 'failed' | 'expired';

export interface EndpointDoc extends Base {
  kind: 'endpoint';
  /** vpce-… */
  type: 'Interface' | 'Gateway' | 'GatewayLoadBalancer';
  vpcId: string;
  serviceName: string;
  /** The endpoint service (vpce-svc-…) for customer services; absent for AWS services. */
  serviceId?: string;
  /** The service owner's account ('amazon' for AWS services). */
  serviceOwner: string;
  state: EndpointState;
  stateChangedAt: string;
  policyDocument?: string;
  routeTableIds: string[];
  subnetIds: string[];
  groupIds: string[];
  networkInterfaceIds: string[];
  ipAddressType: string;
  dnsRecordIpType: string;
  privateDnsEnabled: boolean;
  /** The 8-character suffix of the endpoint's DNS names. */
  dnsSuffix: string;
  /** vpce-con-… as the provider sees it. */
  connectionId?: string;
  lastError?: { Code: string; Message: string };
  /**
   * Interface and GWLB endpoints: one entry per subnet, in subnet order — the ENI and the zone it
   * serves (the zonal DNS names come from these). Kept after the ENIs are released at `deleted`.
   */
  interfaces?: EndpointInterface[];
}

export interface EndpointInterface {
  subnetId: string;
  networkInterfaceId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  privateIpAddress: string;
}

/** One address of a Resolver endpoint: an ENI in the subnet (AWS's `rni-…` IpId). */
export interface ResolverEndpointIp {
  /** rni-… */
  ipId: string;
  subnetId: string;
  ip: string;
  networkInterfaceId: string;
  createdAt: string;
}

/** A Route 53 Resolver endpoint (rslvr-in-… / rslvr-out-…). */
export interface ResolverEndpointDoc extends Base {
  kind: 'resolver-endpoint';
  arn: string;
  name?: string;
  creatorRequestId: string;
  direction: 'INBOUND' | 'OUTBOUND';
  securityGroupIds: string[];
  vpcId: string;
  status: 'CREATING' | 'OPERATIONAL' | 'DELETING';
  statusMessage: string;
  /** ISO time of the last status change (drives the timed transitions). */
  stateChangedAt: string;
  modifiedAt: string;
  ips: ResolverEndpointIp[];
}

export interface ResolverTargetAddress {
  ip: string;
  port: number;
}

/** A Route 53 Resolver rule (rslvr-rr-…). */
export interface ResolverRuleDoc extends Base {
  kind: 'resolver-rule';
  arn: string;
  name?: string;
  creatorRequestId: string;
  /** As AWS returns it: with a trailing dot. */
  domainName: string;
  ruleType: 'FORWARD' | 'SYSTEM';
  targetIps: ResolverTargetAddress[];
  /** The OUTBOUND endpoint of a FORWARD rule. */
  resolverEndpointId?: string;
  status: 'COMPLETE' | 'DELETING';
  statusMessage: string;
  modifiedAt: string;
}

/** A rule's association with a VPC (rslvr-rrassoc-…). */
export interface ResolverRuleAssociationDoc extends Base {
  kind: 'resolver-rule-association';
  resolverRuleId: string;
  vpcId: string;
  name?: string;
  status: 'CREATING' | 'COMPLETE' | 'DELETING';
  statusMessage: string;
  stateChangedAt: string;
}

export type StoredResource =
  | VpcDoc | SubnetDoc | SecurityGroupDoc | RouteTableDoc | NetworkInterfaceDoc
  | LoadBalancerDoc | TargetGroupDoc | ListenerDoc | EndpointServiceDoc | EndpointDoc
  | ResolverEndpointDoc | ResolverRuleDoc | ResolverRuleAssociationDoc;

export type Kind = StoredResource['kind'];
export type ResourceOf<K extends Kind> = Extract<StoredResource, { kind: K }>;
