/** Subnets: CreateSubnet (CIDR inside the VPC, no overlap, in a zone of the region), DescribeSubnets, DeleteSubnet. */
import { ApiError } from '../../../core/errors.js';
import { cidrContains, cidrsOverlap, parseCidr, usableAddressCount } from '../../../core/cidr.js';
import { newId } from '../../../core/ids.js';
import { availabilityZones, findZone } from '../../../core/regions.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import { tagsForCreate, type TagSpecification } from '../../api/tags.js';
import type { SubnetDoc } from '../../resources.js';
import { requireOwned } from '../shared.js';
import { apiTags, describe, ownedByIds, resourceArn } from './common.js';
import { dropSubnetAssociations } from './route-tables.js';

/** Addresses left for new ENIs: the usable ones less the ENIs already in the subnet. */
export function availableIpCount(subnet: SubnetDoc, enisInSubnet: number): number {
  return Math.max(0, usableAddressCount(parseCidr(subnet.cidrBlock)!) - enisInSubnet);
}

/** ENI counts per subnet id, over every ENI of `account`. */
export async function eniCounts(ctx: RequestContext, account: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await ctx.tx.list('network-interface', account)) counts.set(e.subnetId, (counts.get(e.subnetId) ?? 0) + 1);
  return counts;
}

export function presentSubnet(ctx: { region: string }, s: SubnetDoc, enis: number): Record<string, unknown> {
  return {
    SubnetId: s.id,
    SubnetArn: resourceArn(ctx, s.account, 'subnet', s.id),
    VpcId: s.vpcId,
    OwnerId: s.account,
    State: s.state,
    CidrBlock: s.cidrBlock,
    AvailabilityZone: s.availabilityZone,
    AvailabilityZoneId: s.availabilityZoneId,
    AvailableIpAddressCount: availableIpCount(s, enis),
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    MapCustomerOwnedIpOnLaunch: false,
    AssignIpv6AddressOnCreation: false,
    Ipv6Native: false,
    EnableDns64: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    Tags: apiTags(s.tags),
  };
}

interface CreateSubnetInput {
  VpcId: string;
  CidrBlock?: string;
  AvailabilityZone?: string;
  AvailabilityZoneId?: string;
  Ipv6CidrBlock?: string; OutpostArn?: string; Ipv6Native?: boolean; Ipv4IpamPoolId?: string; Ipv4NetmaskLength?: number;
  Ipv6IpamPoolId?: string; Ipv6NetmaskLength?: number;
  TagSpecifications?: TagSpecification[];
}

async function createSubnet(ctx: RequestContext, input: CreateSubnetInput) {
  const unsupported = (['Ipv6CidrBlock', 'OutpostArn', 'Ipv4IpamPoolId', 'Ipv4NetmaskLength', 'Ipv6IpamPoolId', 'Ipv6NetmaskLength'] as const)
    .filter((k) => input[k] !== undefined);
  if (input.Ipv6Native) unsupported.push('Ipv6Native' as never);
  if (unsupported.length > 0) {
    throw new ApiError('InvalidParameterValue', `Underpass subnets are IPv4 only with an explicit CidrBlock; not supported: ${unsupported.join(', ')}`);
  }
  if (input.CidrBlock === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter cidrBlock');
  const cidr = parseCidr(input.CidrBlock);
  if (!cidr) throw new ApiError('InvalidParameterValue', `Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (input.AvailabilityZone !== undefined && input.AvailabilityZoneId !== undefined) {
    throw new ApiError('InvalidParameterCombination', 'The parameters AvailabilityZone and AvailabilityZoneId cannot be used together: give one of them');
  }
  const zones = availabilityZones(ctx.region);
  let zone = zones[0]!;
  if (input.AvailabilityZone !== undefined || input.AvailabilityZoneId !== undefined) {
    const param = input.AvailabilityZone !== undefined ? 'availabilityZone' : 'availabilityZoneId';
    const value = (input.AvailabilityZone ?? input.AvailabilityZoneId)!;
    const found = findZone(ctx.region, value);
    const matches = found && (param === 'availabilityZone' ? found.zoneName === value : found.zoneId === value);
    if (!found || !matches) {
      const list = zones.map((z) => (param === 'availabilityZone' ? z.zoneName : z.zoneId)).join(', ');
      throw new ApiError('InvalidParameterValue',
        `Value (${value}) for parameter ${param} is invalid. Subnets can currently only be created in the following availability zones: ${list}.`);
    }
    zone = found;
  }
  const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
  const vpcCidr = parseCidr(vpc.cidrBlock)!;
  if (cidr.prefix < 16 || cidr.prefix > 28 || !cidrContains(vpcCidr, cidr)) {
    throw new ApiError('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid: a subnet's block must lie inside its VPC's ${vpc.cidrBlock} and be between /16 and /28.`);
  }
  const siblings = (await ctx.tx.list('subnet', ctx.account)).filter((s) => s.vpcId === vpc.id);
  const clash = siblings.find((s) => cidrsOverlap(parseCidr(s.cidrBlock)!, cidr));
  if (clash) throw new ApiError('InvalidSubnet.Conflict', `The CIDR '${input.CidrBlock}' conflicts with another subnet (${clash.id}, ${clash.cidrBlock}).`);
  if (input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined) {
    // AWS picks a zone for you; Underpass takes the zone with the fewest subnets of this VPC.
    zone = zones.reduce((best, z) => (siblings.filter((s) => s.availabilityZoneId === z.zoneId).length
      < siblings.filter((s) => s.availabilityZoneId === best.zoneId).length ? z : best), zones[0]!);
  }
  const tags = tagsForCreate(input.TagSpecifications, 'subnet');
  const subnet: SubnetDoc = {
    kind: 'subnet',
    id: newId('subnet', ctx.random),
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    vpcId: vpc.id,
    cidrBlock: input.CidrBlock,
    availabilityZone: zone.zoneName,
    availabilityZoneId: zone.zoneId,
    state: 'pending',
  };
  await ctx.tx.put(subnet);
  return { Subnet: presentSubnet(ctx, subnet, 0) };
}

export const subnetHandlers: Handlers = {
  CreateSubnet: createSubnet,

  async DescribeSubnets(ctx, input: { SubnetIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    const items = input.SubnetIds?.length ? await ownedByIds(ctx, 'subnet', input.SubnetIds) : await ctx.tx.list('subnet', ctx.account);
    const counts = await eniCounts(ctx, ctx.account);
    const page = describe({
      operation: 'DescribeSubnets', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      tagsOf: (s) => s.tags,
      fields: {
        'subnet-id': (s) => s.id,
        'subnet-arn': (s) => resourceArn(ctx, s.account, 'subnet', s.id),
        'vpc-id': (s) => s.vpcId,
        'availability-zone': (s) => s.availabilityZone,
        'availability-zone-id': (s) => s.availabilityZoneId,
        'available-ip-address-count': (s) => availableIpCount(s, counts.get(s.id) ?? 0),
        'cidr-block': (s) => s.cidrBlock,
        cidr: (s) => s.cidrBlock,
        cidrBlock: (s) => s.cidrBlock,
        'default-for-az': () => false,
        defaultForAz: () => false,
        'map-public-ip-on-launch': () => false,
        'ipv6-native': () => false,
        'owner-id': (s) => s.account,
        state: (s) => s.state,
        'ipv6-cidr-block-association.ipv6-cidr-block': () => undefined,
        'ipv6-cidr-block-association.association-id': () => undefined,
        'ipv6-cidr-block-association.state': () => undefined,
      },
    });
    return { Subnets: page.items.map((s) => presentSubnet(ctx, s, counts.get(s.id) ?? 0)), NextToken: page.nextToken };
  },

  async DeleteSubnet(ctx, input: { SubnetId: string }) {
    const subnet = await requireOwned(ctx, 'subnet', input.SubnetId);
    const enis = (await ctx.tx.list('network-interface')).filter((e) => e.subnetId === subnet.id);
    if (enis.length > 0) {
      throw new ApiError('DependencyViolation',
        `The subnet '${subnet.id}' has dependencies and cannot be deleted. Network interfaces still in it: ${enis.map((e) => e.id).join(', ')}.`);
    }
    await dropSubnetAssociations(ctx, subnet.id);
    await ctx.tx.delete(subnet.id);
    return {};
  },
};
