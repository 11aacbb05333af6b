/** VPCs: CreateVpc (with its main route table and default security group), DescribeVpcs, DeleteVpc, Modify/DescribeVpcAttribute. */
import { ApiError } from '../../../core/errors.js';
import { cidrsOverlap, formatCidr, parseCidr } from '../../../core/cidr.js';
import { newId } from '../../../core/ids.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import { tagsForCreate, type TagSpecification } from '../../api/tags.js';
import type { VpcDoc } from '../../resources.js';
import { requireOwned } from '../shared.js';
import { apiTags, copy, describe, ownedByIds } from './common.js';
import { fnv1aHex } from './prefix-lists.js';
import { newRouteTable } from './route-tables.js';
import { newSecurityGroup } from './security-groups.js';

export function presentVpc(v: VpcDoc): Record<string, unknown> {
  return {
    VpcId: v.id,
    OwnerId: v.account,
    State: v.state,
    CidrBlock: v.cidrBlock,
    CidrBlockAssociationSet: [{ AssociationId: v.cidrAssociationId, CidrBlock: v.cidrBlock, CidrBlockState: { State: 'associated' } }],
    DhcpOptionsId: v.dhcpOptionsId,
    InstanceTenancy: v.instanceTenancy,
    IsDefault: false,
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    Tags: apiTags(v.tags),
  };
}

/** Ranges AWS refuses for VPCs: "this network", loopback, link-local, multicast and reserved. */
const RESERVED_RANGES = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].map((c) => parseCidr(c)!);

/** Validates a VPC's primary IPv4 block: a valid CIDR between /16 and /28, outside the reserved ranges. */
export function checkVpcCidr(cidr: string): void {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new ApiError('InvalidParameterValue', `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
  if (parsed.prefix < 16 || parsed.prefix > 28) {
    throw new ApiError('InvalidVpc.Range', `The CIDR '${cidr}' is invalid: a VPC's block must be between /16 and /28.`);
  }
  const reserved = RESERVED_RANGES.find((r) => cidrsOverlap(r, parsed));
  if (reserved) {
    throw new ApiError('InvalidVpc.Range', `The CIDR '${cidr}' is invalid: it overlaps the reserved range ${formatCidr(reserved)}.`);
  }
}

/** Every account has one DHCP options set per region; its id is derived from the account. */
function dhcpOptionsId(account: string, region: string): string {
  return `dopt-${fnv1aHex(`${account}/${region}/dopt`)}`;
}

interface CreateVpcInput {
  CidrBlock?: string;
  Ipv6Pool?: string; Ipv6CidrBlock?: string; Ipv4IpamPoolId?: string; Ipv4NetmaskLength?: number; Ipv6IpamPoolId?: string;
  Ipv6NetmaskLength?: number; AmazonProvidedIpv6CidrBlock?: boolean; VpcEncryptionControl?: unknown;
  InstanceTenancy?: string;
  TagSpecifications?: TagSpecification[];
}

async function createVpc(ctx: RequestContext, input: CreateVpcInput) {
  const unsupported = (['Ipv6Pool', 'Ipv6CidrBlock', 'Ipv4IpamPoolId', 'Ipv4NetmaskLength', 'Ipv6IpamPoolId', 'Ipv6NetmaskLength', 'VpcEncryptionControl'] as const)
    .filter((k) => input[k] !== undefined);
  if (input.AmazonProvidedIpv6CidrBlock) unsupported.push('AmazonProvidedIpv6CidrBlock' as never);
  if (unsupported.length > 0) {
    throw new ApiError('InvalidParameterValue', `Underpass VPCs are IPv4 only with an explicit CidrBlock; not supported: ${unsupported.join(', ')}`);
  }
  if (input.CidrBlock === undefined) throw new ApiError('MissingParameter', "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
  checkVpcCidr(input.CidrBlock);
  if (input.InstanceTenancy === 'host') {
    throw new ApiError('InvalidParameterValue', "Value (host) for parameter instanceTenancy is invalid. A VPC's tenancy must be default or dedicated.");
  }
  const tags = tagsForCreate(input.TagSpecifications, 'vpc');
  const vpcId = newId('vpc', ctx.random);
  const rtb = newRouteTable(ctx, vpcId, input.CidrBlock, true);
  const sg = newSecurityGroup(ctx, { vpcId, groupName: 'default', description: 'default VPC security group', isDefault: true, tags: [] });
  const vpc: VpcDoc = {
    kind: 'vpc',
    id: vpcId,
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    cidrBlock: input.CidrBlock,
    cidrAssociationId: newId('vpc-cidr-assoc', ctx.random),
    state: 'pending',
    instanceTenancy: input.InstanceTenancy ?? 'default',
    enableDnsSupport: true,
    enableDnsHostnames: false,
    enableNetworkAddressUsageMetrics: false,
    dhcpOptionsId: dhcpOptionsId(ctx.account, ctx.region),
    mainRouteTableId: rtb.id,
    defaultSecurityGroupId: sg.id,
  };
  await ctx.tx.put(vpc);
  await ctx.tx.put(rtb);
  await ctx.tx.put(sg);
  return { Vpc: presentVpc(vpc) };
}

/** Why the VPC cannot be deleted yet, or undefined. */
async function vpcDependencies(ctx: RequestContext, vpc: VpcDoc): Promise<string | undefined> {
  const inVpc = <T extends { vpcId?: string }>(docs: T[]) => docs.filter((d) => d.vpcId === vpc.id);
  const subnets = inVpc(await ctx.tx.list('subnet', ctx.account));
  if (subnets.length) return `It still has subnets (${subnets.map((s) => s.id).join(', ')})`;
  const groups = inVpc(await ctx.tx.list('security-group', ctx.account)).filter((g) => g.id !== vpc.defaultSecurityGroupId);
  if (groups.length) return `It still has security groups (${groups.map((g) => g.id).join(', ')})`;
  const tables = inVpc(await ctx.tx.list('route-table', ctx.account)).filter((r) => r.id !== vpc.mainRouteTableId);
  if (tables.length) return `It still has route tables (${tables.map((r) => r.id).join(', ')})`;
  const endpoints = inVpc(await ctx.tx.list('endpoint', ctx.account)).filter((e) => e.state !== 'deleted');
  if (endpoints.length) return `It still has VPC endpoints (${endpoints.map((e) => e.id).join(', ')})`;
  const lbs = inVpc(await ctx.tx.list('load-balancer', ctx.account));
  if (lbs.length) return `It still has load balancers (${lbs.map((l) => l.name).join(', ')})`;
  const enis = (await ctx.tx.list('network-interface')).filter((e) => e.vpcId === vpc.id);
  if (enis.length) return `It still has network interfaces (${enis.map((e) => e.id).join(', ')})`;
  return undefined;
}

const VPC_ATTRIBUTES = ['EnableDnsSupport', 'EnableDnsHostnames', 'EnableNetworkAddressUsageMetrics'] as const;

export const vpcHandlers: Handlers = {
  CreateVpc: createVpc,

  async DescribeVpcs(ctx, input: { VpcIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    const items = input.VpcIds?.length ? await ownedByIds(ctx, 'vpc', input.VpcIds) : await ctx.tx.list('vpc', ctx.account);
    const page = describe({
      operation: 'DescribeVpcs', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      tagsOf: (v) => v.tags,
      fields: {
        'vpc-id': (v) => v.id,
        cidr: (v) => v.cidrBlock,
        'cidr-block-association.cidr-block': (v) => v.cidrBlock,
        'cidr-block-association.association-id': (v) => v.cidrAssociationId,
        'cidr-block-association.state': () => 'associated',
        'dhcp-options-id': (v) => v.dhcpOptionsId,
        'instance-tenancy': (v) => v.instanceTenancy,
        'is-default': () => false,
        'owner-id': (v) => v.account,
        state: (v) => v.state,
        'ipv6-cidr-block-association.ipv6-cidr-block': () => undefined,
        'ipv6-cidr-block-association.ipv6-pool': () => undefined,
        'ipv6-cidr-block-association.association-id': () => undefined,
        'ipv6-cidr-block-association.state': () => undefined,
      },
    });
    return { Vpcs: page.items.map(presentVpc), NextToken: page.nextToken };
  },

  async DeleteVpc(ctx, input: { VpcId: string }) {
    const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
    const why = await vpcDependencies(ctx, vpc);
    if (why) throw new ApiError('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted. ${why}.`);
    await ctx.tx.delete(vpc.mainRouteTableId);
    await ctx.tx.delete(vpc.defaultSecurityGroupId);
    await ctx.tx.delete(vpc.id);
    return {};
  },

  async ModifyVpcAttribute(ctx, input: { VpcId: string; EnableDnsSupport?: { Value?: boolean }; EnableDnsHostnames?: { Value?: boolean }; EnableNetworkAddressUsageMetrics?: { Value?: boolean } }) {
    const given = VPC_ATTRIBUTES.filter((a) => input[a] !== undefined);
    if (given.length === 0) {
      throw new ApiError('MissingParameter', 'The request must contain exactly one of EnableDnsSupport, EnableDnsHostnames or EnableNetworkAddressUsageMetrics');
    }
    if (given.length > 1) {
      throw new ApiError('InvalidParameterCombination', `Fields for multiple attribute types specified: ${given.map((a) => a[0]!.toLowerCase() + a.slice(1)).join(', ')}`);
    }
    const attr = given[0]!;
    const value = input[attr]!.Value;
    if (value === undefined) throw new ApiError('MissingParameter', `The request must contain the parameter ${attr}.Value`);
    const vpc = copy(await requireOwned(ctx, 'vpc', input.VpcId));
    if (attr === 'EnableDnsHostnames') {
      if (value && !vpc.enableDnsSupport) {
        throw new ApiError('InvalidParameterValue', `Cannot enable DNS hostnames for VPC '${vpc.id}' while DNS support (enableDnsSupport) is disabled`);
      }
      vpc.enableDnsHostnames = value;
    } else if (attr === 'EnableDnsSupport') {
      vpc.enableDnsSupport = value;
    } else {
      vpc.enableNetworkAddressUsageMetrics = value;
    }
    await ctx.tx.put(vpc);
    return {};
  },

  async DescribeVpcAttribute(ctx, input: { VpcId: string; Attribute: 'enableDnsSupport' | 'enableDnsHostnames' | 'enableNetworkAddressUsageMetrics' }) {
    const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
    switch (input.Attribute) {
      case 'enableDnsSupport': return { VpcId: vpc.id, EnableDnsSupport: { Value: vpc.enableDnsSupport } };
      case 'enableDnsHostnames': return { VpcId: vpc.id, EnableDnsHostnames: { Value: vpc.enableDnsHostnames } };
      case 'enableNetworkAddressUsageMetrics': return { VpcId: vpc.id, EnableNetworkAddressUsageMetrics: { Value: vpc.enableNetworkAddressUsageMetrics ?? false } };
      default: throw new ApiError('InvalidParameterValue', `Value (${String(input.Attribute)}) for parameter attribute is invalid.`);
    }
  },
};
