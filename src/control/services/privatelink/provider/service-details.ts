/**
 * DescribeVpcEndpointServices: what the caller may connect to — its own Available services, the
 * Available services whose permissions admit it, and the AWS gateway services (S3, DynamoDB). A
 * name the caller may not use answers exactly like a name that does not exist.
 */
import { ApiError } from '../../../../core/errors.js';
import { availabilityZones, findRegion } from '../../../../core/regions.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import { applyFilters, type Filter } from '../../../api/filters.js';
import { paginate } from '../../../api/paginate.js';
import type { Tag } from '../../../resources.js';
import { canUseService } from '../access.js';
import { AWS_GATEWAY_SERVICES, findUsableService, type UsableService } from './lookup.js';
import { presentCustomerServiceDetail } from './present.js';

interface Entry { name: string; owner: string; type: string; ipTypes: string[]; tags: Tag[]; detail: Record<string, unknown> }

function awsDetail(region: string, svc: string): Record<string, unknown> {
  const zones = availabilityZones(region);
  return {
    ServiceName: `com.amazonaws.${region}.${svc}`,
    ServiceType: [{ ServiceType: 'Gateway' }],
    ServiceRegion: region,
    AvailabilityZoneIds: zones.map((z) => z.zoneId),
    AvailabilityZones: zones.map((z) => z.zoneName),
    Owner: 'amazon',
    BaseEndpointDnsNames: [`${svc}.${region}.amazonaws.com`],
    VpcEndpointPolicySupported: true,
    AcceptanceRequired: false,
    ManagesVpcEndpoints: false,
    Tags: [],
    SupportedIpAddressTypes: ['ipv4'],
  };
}

async function entryFor(ctx: RequestContext, usable: UsableService): Promise<Entry> {
  if (usable.kind === 'aws') {
    const svc = usable.name.slice(`com.amazonaws.${ctx.region}.`.length);
    return { name: usable.name, owner: 'amazon', type: 'Gateway', ipTypes: ['ipv4'], tags: [], detail: awsDetail(ctx.region, svc) };
  }
  const s = usable.service;
  const tags = s.account === ctx.account ? s.tags : [];
  return {
    name: s.serviceName, owner: s.account, type: s.serviceType, ipTypes: s.supportedIpAddressTypes, tags,
    detail: await presentCustomerServiceDetail(ctx.tx, s, ctx.account),
  };
}

interface DescribeInput { ServiceNames?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string; ServiceRegions?: string[] }

export const describeVpcEndpointServices: Handler = async (ctx, input: DescribeInput) => {
  for (const r of input.ServiceRegions ?? []) {
    if (r === ctx.region) continue;
    if (!findRegion(r)) throw new ApiError('InvalidParameterValue', `Invalid Region '${r}' in ServiceRegions`);
    throw new ApiError('InvalidParameter', `Cross-Region endpoint services are not supported by Underpass yet: this server serves ${ctx.region} only, not ${r}`);
  }
  const caller = { account: ctx.account, principalArn: ctx.principalArn };
  let entries: Entry[] = [];
  if (input.ServiceNames && input.ServiceNames.length > 0) {
    for (const name of [...new Set(input.ServiceNames)]) {
      const usable = await findUsableService(ctx.tx, caller, name, ctx.region);
      if (!usable) throw new ApiError('InvalidServiceName', `The Vpc Endpoint Service '${name}' does not exist`);
      entries.push(await entryFor(ctx, usable));
    }
  } else {
    for (const svc of AWS_GATEWAY_SERVICES) {
      const name = `com.amazonaws.${ctx.region}.${svc}`;
      entries.push(await entryFor(ctx, { kind: 'aws', name, type: 'Gateway', prefixListName: name }));
    }
    for (const s of await ctx.tx.list('endpoint-service')) {
      if (s.region !== ctx.region || s.state !== 'Available' || !canUseService(s, caller)) continue;
      entries.push(await entryFor(ctx, { kind: 'customer', service: s }));
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  entries = applyFilters(entries, input.Filters, {
    owner: (e) => e.owner,
    'service-name': (e) => e.name,
    'service-type': (e) => e.type,
    'service-region': () => ctx.region,
    'supported-ip-address-types': (e) => e.ipTypes,
  }, (e) => e.tags);
  const page = paginate(entries, { scope: 'DescribeVpcEndpointServices', maxResults: input.MaxResults, token: input.NextToken, min: 1, max: 1000 });
  return {
    ServiceNames: page.items.map((e) => e.name),
    ServiceDetails: page.items.map((e) => e.detail),
    NextToken: page.next,
  };
};
