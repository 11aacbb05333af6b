/**
 * The DNS names of an interface endpoint (`DnsEntries`), in AWS's formats and order. Pure: the
 * provider side uses it for DescribeVpcEndpointConnections; the names themselves come from
 * src/core/endpoint-dns.ts, which the resolver's desired state uses too.
 *
 *   regional, zonal   see src/core/endpoint-dns.ts
 *   private           the service's private DNS name, when the endpoint has private DNS enabled
 *
 * Order: the regional name first, then one zonal name per zone that has an endpoint ENI, then
 * the private name. AWS's order of the zonal names is not documented; both real AWS responses on
 * record (the CloudFormation snapshot in ../shared/reference/aws-recorded and the AWS CLI
 * describe-vpc-endpoints example) list zone `b` before zone `a`, so the zonal names are listed by
 * zone name, descending.
 */
import { regionalEndpointName, zonalEndpointName } from '../../../../core/endpoint-dns.js';
import type { EndpointDoc, EndpointServiceDoc } from '../../../resources.js';

export interface DnsEntry { DnsName: string; HostedZoneId: string }

/**
 * Hosted zone ids of the public `<region>.vpce.amazonaws.com` zones. us-east-1 and us-east-2 are
 * AWS's real ids (seen in AWS responses); every other region gets a made-up, stable id derived
 * from the region name (see `vpceHostedZoneId`), since AWS's ids for them are not on record.
 */
export const VPCE_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
  'us-east-1': 'Z7HUB22UULQXV',
  'us-east-2': 'ZC8PG0KIFKBRI',
};

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const ZONE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A stable Route 53-style zone id (`Z` + 13 upper-case alphanumerics) derived from `seed`. */
export function madeUpZoneId(seed: string): string {
  let out = 'Z';
  let h = fnv1a(seed);
  for (let i = 0; i < 13; i++) {
    if (i % 6 === 0) h = fnv1a(`${seed}#${i}#${h}`);
    out += ZONE_ALPHABET[h % ZONE_ALPHABET.length];
    h = Math.floor(h / ZONE_ALPHABET.length);
  }
  return out;
}

/** The hosted zone id of the regional and zonal endpoint names in `region`. */
export function vpceHostedZoneId(region: string): string {
  return VPCE_HOSTED_ZONE_IDS[region] ?? madeUpZoneId(`vpce.amazonaws.com/${region}`);
}

/**
 * The id of the private hosted zone that holds an endpoint's private DNS name. AWS creates an
 * AWS-managed zone per endpoint whose id is not otherwise visible; Underpass derives a stable,
 * made-up one from the endpoint id.
 */
export function privateHostedZoneId(endpointId: string): string {
  return madeUpZoneId(`private/${endpointId}`);
}

type EndpointDnsView = Pick<EndpointDoc, 'id' | 'type' | 'dnsSuffix' | 'privateDnsEnabled' | 'interfaces'>;
type ServiceDnsView = Pick<EndpointServiceDoc, 'id' | 'privateDnsName'>;

/** `DnsEntries` of an endpoint: empty for gateway and Gateway Load Balancer endpoints. */
export function dnsEntriesFor(endpoint: EndpointDnsView, service: ServiceDnsView | undefined, region: string): DnsEntry[] {
  if (endpoint.type !== 'Interface' || !service) return [];
  const zone = vpceHostedZoneId(region);
  const names = { endpointId: endpoint.id, dnsSuffix: endpoint.dnsSuffix, serviceId: service.id, region };
  const entries: DnsEntry[] = [{ DnsName: regionalEndpointName(names), HostedZoneId: zone }];
  const zones = [...new Set((endpoint.interfaces ?? []).map((i) => i.availabilityZone))]
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const az of zones) entries.push({ DnsName: zonalEndpointName(names, az), HostedZoneId: zone });
  if (endpoint.privateDnsEnabled && service.privateDnsName) {
    entries.push({ DnsName: service.privateDnsName, HostedZoneId: privateHostedZoneId(endpoint.id) });
  }
  return entries;
}
