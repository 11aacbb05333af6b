/**
 * Checks and allocations CreateVpcEndpoint and ModifyVpcEndpoint share: the service behind a name,
 * the zones it serves, subnets, security groups, route tables, private DNS and IP address types.
 * Every refusal carries AWS's error code and a message that says what is wrong.
 */
import { ApiError } from '../../../../core/errors.js';
import { cidrContainsIp, ipToInt, isReservedInSubnet, parseCidr } from '../../../../core/cidr.js';
import type { RequestContext } from '../../../api/context.js';
import type {
  EndpointDoc, EndpointInterface, EndpointServiceDoc, RouteTableDoc, SecurityGroupDoc, SubnetDoc, VpcDoc,
} from '../../../resources.js';
import type { Tx } from '../../../store/store.js';
import { allocateEni, requireOwned } from '../../shared.js';

export type EndpointType = EndpointDoc['type'];

/** At most this many security groups per endpoint network interface (AWS's per-ENI quota). */
export const MAX_GROUPS_PER_ENDPOINT = 5;
/** Interface + Gateway Load Balancer endpoints per VPC (AWS default quota). */
export const MAX_INTERFACE_ENDPOINTS_PER_VPC = 50;
/** Gateway endpoints per Region (per account; AWS default quota). */
export const MAX_GATEWAY_ENDPOINTS_PER_REGION = 20;

export function invalidParameter(message: string): ApiError {
  return new ApiError('InvalidParameter', message);
}

/** The zone ids the service's load balancers have nodes in (the zones an endpoint may use). */
export async function supportedZoneIds(tx: Tx, service: EndpointServiceDoc): Promise<Set<string>> {
  const zones = new Set<string>();
  for (const arn of [...service.networkLoadBalancerArns, ...service.gatewayLoadBalancerArns]) {
    const lb = await tx.get('load-balancer', arn);
    for (const z of lb?.zones ?? []) zones.add(z.availabilityZoneId);
  }
  return zones;
}

/** Throws unless every id appears once. */
export function requireDistinct(ids: string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw invalidParameter(`The ${what} '${id}' is given more than once`);
    seen.add(id);
  }
}

/**
 * The caller's subnets for new endpoint network interfaces: each in the endpoint's VPC, in a zone
 * the service supports (matched by zone id), and no two (counting `kept`, the endpoint's
 * remaining subnets) in one zone.
 */
export async function checkEndpointSubnets(
  ctx: RequestContext,
  opts: { vpc: VpcDoc; service: EndpointServiceDoc; serviceName: string; subnetIds: string[]; kept: EndpointInterface[] },
): Promise<SubnetDoc[]> {
  requireDistinct(opts.subnetIds, 'subnet ID');
  const subnets: SubnetDoc[] = [];
  for (const id of opts.subnetIds) {
    const subnet = await requireOwned(ctx, 'subnet', id);
    if (subnet.vpcId !== opts.vpc.id) {
      throw invalidParameter(`The subnet '${id}' belongs to VPC '${subnet.vpcId}', not to the endpoint's VPC '${opts.vpc.id}'`);
    }
    subnets.push(subnet);
  }
  const zones = await supportedZoneIds(ctx.tx, opts.service);
  for (const subnet of subnets) {
    if (!zones.has(subnet.availabilityZoneId)) {
      throw invalidParameter(`The VPC endpoint service ${opts.serviceName} does not support the availability zone of the subnet: ${subnet.id}.`);
    }
  }
  const byZone = new Map<string, string>();
  for (const k of opts.kept) byZone.set(k.availabilityZoneId, k.subnetId);
  for (const subnet of subnets) {
    const other = byZone.get(subnet.availabilityZoneId);
    if (other !== undefined) {
      throw new ApiError('DuplicateSubnetsInSameZone',
        `Found another VPC endpoint subnet in the availability zone of ${other}: ${subnet.id} is in the same zone ` +
        `(${subnet.availabilityZone}, ${subnet.availabilityZoneId}). VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`);
    }
    byZone.set(subnet.availabilityZoneId, subnet.id);
  }
  return subnets;
}

/** A fixed IPv4 address for an endpoint ENI (`SubnetConfiguration.N.Ipv4`): inside the subnet and not reserved. */
export function checkFixedAddress(subnet: SubnetDoc, ip: string): string {
  const n = ipToInt(ip);
  if (n === undefined) throw new ApiError('InvalidParameterValue', `The IPv4 address '${ip}' for subnet ${subnet.id} is not a valid IPv4 address`);
  const cidr = parseCidr(subnet.cidrBlock)!;
  if (!cidrContainsIp(cidr, n)) {
    throw new ApiError('InvalidParameterValue', `The IPv4 address ${ip} is not in the CIDR block ${subnet.cidrBlock} of subnet ${subnet.id}`);
  }
  if (isReservedInSubnet(cidr, n)) {
    throw new ApiError('InvalidParameterValue', `The IPv4 address ${ip} is reserved by AWS in subnet ${subnet.id} (the first four and the last address of a subnet are reserved)`);
  }
  return ip;
}

/** The caller's security groups, each in the endpoint's VPC. */
export async function checkSecurityGroups(ctx: RequestContext, vpc: VpcDoc, ids: string[]): Promise<SecurityGroupDoc[]> {
  requireDistinct(ids, 'security group');
  const groups: SecurityGroupDoc[] = [];
  for (const id of ids) {
    const sg = await requireOwned(ctx, 'security-group', id);
    if (sg.vpcId !== vpc.id) {
      throw invalidParameter(`The security group '${id}' belongs to VPC '${sg.vpcId}', not to the endpoint's VPC '${vpc.id}'`);
    }
    groups.push(sg);
  }
  return groups;
}

/**
 * The caller's route tables for a gateway endpoint, each in the endpoint's VPC and without a route
 * to the service's prefix list yet (a table holds at most one endpoint per service).
 */
export async function checkRouteTables(ctx: RequestContext, vpc: VpcDoc, ids: string[], prefixListId: string): Promise<RouteTableDoc[]> {
  requireDistinct(ids, 'route table ID');
  const tables: RouteTableDoc[] = [];
  for (const id of ids) {
    const rtb = await requireOwned(ctx, 'route-table', id);
    if (rtb.vpcId !== vpc.id) {
      throw invalidParameter(`The route table '${id}' belongs to VPC '${rtb.vpcId}', not to the endpoint's VPC '${vpc.id}'`);
    }
    if (rtb.routes.some((r) => r.destinationPrefixListId === prefixListId)) {
      throw new ApiError('RouteAlreadyExists', `route table ${id} already has a route with destination-prefix-list-id ${prefixListId}`);
    }
    tables.push(rtb);
  }
  return tables;
}

/** Adds the gateway endpoint's prefix-list route to a table (as AWS shows it: GatewayId vpce-…, Origin CreateRoute). */
export async function addGatewayRoute(tx: Tx, table: RouteTableDoc, prefixListId: string, endpointId: string): Promise<void> {
  const copy: RouteTableDoc = structuredClone(table);
  copy.routes.push({ destinationPrefixListId: prefixListId, gatewayId: endpointId, origin: 'CreateRoute', state: 'active' });
  await tx.put(copy);
}

/** Removes every route of a table that targets the gateway endpoint. */
export async function removeGatewayRoutes(tx: Tx, tableId: string, endpointId: string): Promise<void> {
  const table = await tx.get('route-table', tableId);
  if (!table) return;
  const copy: RouteTableDoc = structuredClone(table);
  copy.routes = copy.routes.filter((r) => r.gatewayId !== endpointId);
  await tx.put(copy);
}

/**
 * Whether private DNS may be turned on: the service has a verified private DNS name, the
 * connection is accepted, and the VPC has enableDnsSupport and enableDnsHostnames.
 */
export function checkPrivateDns(opts: { vpc: VpcDoc; service: EndpointServiceDoc; serviceName: string; pendingAcceptance: boolean }): void {
  const { vpc, service, serviceName } = opts;
  if (!service.privateDnsName) {
    throw invalidParameter(`Private DNS can't be enabled because the service ${serviceName} does not provide a private DNS name.`);
  }
  const state = service.privateDnsNameConfiguration?.state ?? 'pendingVerification';
  if (state !== 'verified') {
    throw invalidParameter(`Private DNS can't be enabled because the private DNS name ${service.privateDnsName} of the service ${serviceName} is not verified (its verification state is ${state}).`);
  }
  if (opts.pendingAcceptance) {
    throw invalidParameter(`Private DNS can only be enabled after the endpoint connection is accepted by the owner of ${serviceName}.`);
  }
  if (!vpc.enableDnsSupport || !vpc.enableDnsHostnames) {
    throw invalidParameter(`Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.id}`);
  }
}

/** The records each DnsRecordIpType needs, by the endpoint's IpAddressType (reference §5.3). */
const RECORD_TYPES_FOR: Record<string, string[]> = {
  ipv4: ['ipv4'],
  ipv6: ['ipv6'],
  dualstack: ['ipv4', 'ipv6', 'dualstack', 'service-defined'],
};

/**
 * IpAddressType and DnsRecordIpType together: ipv6 and dualstack need a service that supports IPv6
 * and subnets with IPv6 CIDR blocks (Underpass subnets are IPv4-only); the record type must suit
 * the address type.
 */
export function checkIpTypes(opts: {
  ipAddressType: string; dnsRecordIpType: string; service?: EndpointServiceDoc; serviceName: string; subnetIds: string[];
}): void {
  const { ipAddressType, dnsRecordIpType } = opts;
  if (ipAddressType !== 'ipv4') {
    const supported = opts.service?.supportedIpAddressTypes ?? ['ipv4'];
    if (!supported.includes('ipv6')) {
      throw invalidParameter(`The VPC endpoint service ${opts.serviceName} does not support the IP address type ${ipAddressType} (it supports ${supported.join(', ')}).`);
    }
    if (ipAddressType === 'dualstack' ? !supported.includes('ipv4') : false) {
      throw invalidParameter(`The VPC endpoint service ${opts.serviceName} does not support IPv4, which IP address type dualstack needs.`);
    }
    const first = opts.subnetIds[0];
    throw invalidParameter(first !== undefined
      ? `IP address type ${ipAddressType} requires subnets with IPv6 CIDR blocks; subnet ${first} has none (Underpass subnets are IPv4-only)`
      : `IP address type ${ipAddressType} requires subnets with IPv6 CIDR blocks (Underpass subnets are IPv4-only)`);
  }
  const allowed = RECORD_TYPES_FOR[ipAddressType] ?? [];
  if (!allowed.includes(dnsRecordIpType)) {
    throw invalidParameter(`DnsRecordIpType ${dnsRecordIpType} is not valid for an endpoint of IP address type ${ipAddressType}; use ${allowed.join(' or ')}.`);
  }
}

export interface DnsOptionsSpecification {
  DnsRecordIpType?: string;
  PrivateDnsOnlyForInboundResolverEndpoint?: boolean;
  PrivateDnsPreference?: string;
  PrivateDnsSpecifiedDomains?: string[];
}

/** The DnsOptions members Underpass supports, for an endpoint of `type`. */
export function checkDnsOptions(spec: DnsOptionsSpecification | undefined, type: EndpointType): void {
  if (!spec) return;
  if (spec.PrivateDnsOnlyForInboundResolverEndpoint === true) {
    throw invalidParameter(type === 'Interface'
      ? 'DnsOptions PrivateDnsOnlyForInboundResolverEndpoint is only for services that offer both gateway and interface endpoints (Amazon S3); Underpass offers no such service.'
      : 'DnsOptions PrivateDnsOnlyForInboundResolverEndpoint is applicable only to Interface VPC Endpoints.');
  }
  if (spec.PrivateDnsPreference !== undefined || (spec.PrivateDnsSpecifiedDomains?.length ?? 0) > 0) {
    throw invalidParameter('DnsOptions PrivateDnsPreference and PrivateDnsSpecifiedDomains apply only to Resource and ServiceNetwork endpoints, which Underpass does not support.');
  }
  // Clients that always send the record type (ipv4) are fine; anything else needs interface endpoint DNS names.
  if (spec.DnsRecordIpType !== undefined && spec.DnsRecordIpType !== 'ipv4' && type !== 'Interface') {
    throw invalidParameter(`DnsOptions DnsRecordIpType ${spec.DnsRecordIpType} is applicable only to Interface VPC Endpoints; ${type} endpoints have no endpoint DNS names (ipv4 is accepted and changes nothing).`);
  }
}

/** ENI description AWS gives endpoint network interfaces. */
export function eniDescription(endpointId: string): string {
  return `VPC Endpoint Interface ${endpointId}`;
}

/** Allocates the endpoint's network interface in `subnet` (in the endpoint owner's account). */
export async function allocateEndpointEni(
  ctx: RequestContext,
  endpoint: Pick<EndpointDoc, 'id' | 'type' | 'groupIds' | 'serviceOwner'>,
  subnet: SubnetDoc,
  privateIpAddress?: string,
): Promise<EndpointInterface> {
  const eni = await allocateEni(ctx, {
    subnet,
    interfaceType: endpoint.type === 'GatewayLoadBalancer' ? 'gateway_load_balancer_endpoint' : 'vpc_endpoint',
    description: eniDescription(endpoint.id),
    // The ENI is managed on behalf of the service: its owner's account (see NetworkInterfaceDoc.requesterId).
    requesterId: endpoint.serviceOwner,
    groupIds: endpoint.type === 'GatewayLoadBalancer' ? [] : [...endpoint.groupIds],
    ownerResourceId: endpoint.id,
    privateIpAddress,
  });
  return {
    subnetId: subnet.id,
    networkInterfaceId: eni.id,
    availabilityZone: subnet.availabilityZone,
    availabilityZoneId: subnet.availabilityZoneId,
    privateIpAddress: eni.privateIpAddress,
  };
}
