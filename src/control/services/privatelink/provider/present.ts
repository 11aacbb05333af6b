/**
 * The AWS shapes of the provider side: ServiceConfiguration, ServiceDetail, AllowedPrincipal and
 * VpcEndpointConnection, from the stored documents. Availability Zones are computed at read time
 * from the service's load balancers (which can change).
 */
import type { EndpointDoc, EndpointServiceDoc, LoadBalancerDoc, Tag } from '../../../resources.js';
import type { Tx } from '../../../store/store.js';

export interface ServiceZones { names: string[]; ids: string[] }

/** The load balancers of a service that still exist. */
export async function serviceLoadBalancers(tx: Tx, service: EndpointServiceDoc): Promise<LoadBalancerDoc[]> {
  const out: LoadBalancerDoc[] = [];
  for (const arn of [...service.networkLoadBalancerArns, ...service.gatewayLoadBalancerArns]) {
    const lb = await tx.get('load-balancer', arn);
    if (lb) out.push(lb);
  }
  return out;
}

/** The union of the zones of the service's load balancers, sorted by zone name. */
export async function serviceZones(tx: Tx, service: EndpointServiceDoc): Promise<ServiceZones> {
  const byName = new Map<string, string>();
  for (const lb of await serviceLoadBalancers(tx, service)) {
    for (const z of lb.zones) byName.set(z.availabilityZone, z.availabilityZoneId);
  }
  const names = [...byName.keys()].sort();
  return { names, ids: names.map((n) => byName.get(n)!) };
}

export function baseEndpointDnsNames(service: EndpointServiceDoc): string[] | undefined {
  return service.serviceType === 'Interface' ? [`${service.id}.${service.region}.vpce.amazonaws.com`] : undefined;
}

function tags(list: Tag[]): Tag[] {
  return list.map((t) => ({ Key: t.Key, Value: t.Value }));
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** ServiceConfiguration (the owner's view). */
export async function presentServiceConfiguration(tx: Tx, service: EndpointServiceDoc): Promise<Record<string, unknown>> {
  const zones = await serviceZones(tx, service);
  const dns = service.privateDnsNameConfiguration;
  return {
    ServiceType: [{ ServiceType: service.serviceType }],
    ServiceId: service.id,
    ServiceName: service.serviceName,
    ServiceState: service.state,
    AvailabilityZoneIds: zones.ids,
    AvailabilityZones: zones.names,
    AcceptanceRequired: service.acceptanceRequired,
    ManagesVpcEndpoints: false,
    NetworkLoadBalancerArns: nonEmpty(service.networkLoadBalancerArns),
    GatewayLoadBalancerArns: nonEmpty(service.gatewayLoadBalancerArns),
    SupportedIpAddressTypes: service.supportedIpAddressTypes,
    BaseEndpointDnsNames: baseEndpointDnsNames(service),
    PrivateDnsName: service.privateDnsName,
    PrivateDnsNameConfiguration: dns && { State: dns.state, Type: dns.type, Value: dns.value, Name: dns.name },
    PayerResponsibility: service.payerResponsibility,
    Tags: tags(service.tags),
    // Cross-Region access is a later issue: a service is offered in its own Region only.
    SupportedRegions: [{ Region: service.region, ServiceState: service.state }],
    RemoteAccessEnabled: false,
  };
}

/** ServiceDetail of a customer service (what DescribeVpcEndpointServices shows `viewer`). */
export async function presentCustomerServiceDetail(tx: Tx, service: EndpointServiceDoc, viewer: string): Promise<Record<string, unknown>> {
  const zones = await serviceZones(tx, service);
  return {
    ServiceName: service.serviceName,
    ServiceId: service.id,
    ServiceType: [{ ServiceType: service.serviceType }],
    ServiceRegion: service.region,
    AvailabilityZoneIds: zones.ids,
    AvailabilityZones: zones.names,
    Owner: service.account,
    BaseEndpointDnsNames: baseEndpointDnsNames(service),
    PrivateDnsName: service.privateDnsName,
    PrivateDnsNames: service.privateDnsName ? [{ PrivateDnsName: service.privateDnsName }] : undefined,
    VpcEndpointPolicySupported: false,
    AcceptanceRequired: service.acceptanceRequired,
    ManagesVpcEndpoints: false,
    PayerResponsibility: service.payerResponsibility,
    // The owner's tags are the owner's: other accounts see none.
    Tags: service.account === viewer ? tags(service.tags) : [],
    PrivateDnsNameVerificationState: service.privateDnsNameConfiguration?.state,
    SupportedIpAddressTypes: service.supportedIpAddressTypes,
  };
}

export function presentPermission(service: EndpointServiceDoc, p: EndpointServiceDoc['permissions'][number]): Record<string, unknown> {
  return { PrincipalType: p.principalType, Principal: p.principal, ServicePermissionId: p.id, Tags: [], ServiceId: service.id };
}

export type DnsEntriesFn = (endpoint: EndpointDoc, service: EndpointServiceDoc, region: string) => Array<{ DnsName: string; HostedZoneId: string }>;

/** VpcEndpointConnection: a consumer endpoint as the service owner sees it. */
export function presentConnection(endpoint: EndpointDoc, service: EndpointServiceDoc, dnsEntries: DnsEntriesFn): Record<string, unknown> {
  return {
    ServiceId: service.id,
    VpcEndpointId: endpoint.id,
    VpcEndpointOwner: endpoint.account,
    VpcEndpointState: endpoint.state,
    CreationTimestamp: endpoint.createdAt,
    DnsEntries: dnsEntries(endpoint, service, endpoint.region),
    NetworkLoadBalancerArns: nonEmpty(service.networkLoadBalancerArns),
    GatewayLoadBalancerArns: nonEmpty(service.gatewayLoadBalancerArns),
    IpAddressType: endpoint.ipAddressType,
    VpcEndpointConnectionId: endpoint.connectionId,
    Tags: [],
    VpcEndpointRegion: endpoint.region,
  };
}
