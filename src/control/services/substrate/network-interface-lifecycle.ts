/**
 * The account's own ENIs (InterfaceType `interface`): CreateNetworkInterface,
 * DeleteNetworkInterface, and ModifyNetworkInterfaceAttribute for Description and Groups. Each is
 * a workload slot the data plane can run a process in (`underpass exec`). Requester-managed ENIs
 * (endpoints, load balancer nodes) are refused the way AWS refuses them.
 */
import { ApiError } from '../../../core/errors.js';
import { cidrContainsIp, ipToInt, isReservedInSubnet, parseCidr } from '../../../core/cidr.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import { tagsForCreate, type TagSpecification } from '../../api/tags.js';
import type { NetworkInterfaceDoc, SecurityGroupDoc, SubnetDoc } from '../../resources.js';
import { allocateEni, releaseEni, requireOwned } from '../shared.js';
import { copy } from './common.js';
import { presentNetworkInterface } from './network-interfaces.js';

/** AWS's default quota of security groups per network interface. */
export const MAX_GROUPS_PER_ENI = 5;

/** AWS's limit on an ENI description. */
const MAX_DESCRIPTION = 255;

interface CreateNetworkInterfaceInput {
  SubnetId: string;
  Description?: string;
  PrivateIpAddress?: string;
  Groups?: string[];
  PrivateIpAddresses?: Array<{ PrivateIpAddress?: string; Primary?: boolean }>;
  SecondaryPrivateIpAddressCount?: number;
  Ipv6Addresses?: unknown[]; Ipv6AddressCount?: number; Ipv4Prefixes?: unknown[]; Ipv4PrefixCount?: number;
  Ipv6Prefixes?: unknown[]; Ipv6PrefixCount?: number; InterfaceType?: string; EnablePrimaryIpv6?: boolean;
  ConnectionTrackingSpecification?: unknown; Operator?: unknown;
  TagSpecifications?: TagSpecification[];
  ClientToken?: string;
}

/** The members Underpass does not serve (IPv6, prefixes, secondary addresses, EFA/trunk): a clear refusal instead of silence. */
function refuseUnsupported(input: CreateNetworkInterfaceInput): void {
  const given = (['Ipv6Addresses', 'Ipv4Prefixes', 'Ipv6Prefixes', 'InterfaceType', 'ConnectionTrackingSpecification', 'Operator'] as const)
    .filter((k) => input[k] !== undefined && !(Array.isArray(input[k]) && (input[k] as unknown[]).length === 0)) as string[];
  for (const k of ['Ipv6AddressCount', 'Ipv4PrefixCount', 'Ipv6PrefixCount', 'SecondaryPrivateIpAddressCount'] as const) {
    if ((input[k] ?? 0) !== 0) given.push(k);
  }
  if (input.EnablePrimaryIpv6) given.push('EnablePrimaryIpv6');
  if ((input.PrivateIpAddresses?.length ?? 0) > 1) given.push('PrivateIpAddresses (secondary addresses)');
  if (given.length > 0) {
    throw new ApiError('InvalidParameterValue',
      `Underpass network interfaces are IPv4 with one private address and InterfaceType interface; not supported: ${given.join(', ')}`);
  }
}

/** The requested primary address: PrivateIpAddress, or the one entry of PrivateIpAddresses. */
function requestedAddress(input: CreateNetworkInterfaceInput): string | undefined {
  const listed = input.PrivateIpAddresses?.[0];
  if (listed && listed.Primary === false) {
    throw new ApiError('InvalidParameterValue', 'The only address in PrivateIpAddresses must be the primary one');
  }
  if (listed?.PrivateIpAddress !== undefined && input.PrivateIpAddress !== undefined && listed.PrivateIpAddress !== input.PrivateIpAddress) {
    throw new ApiError('InvalidParameterCombination',
      `Two primary addresses were given: PrivateIpAddress ${input.PrivateIpAddress} and PrivateIpAddresses ${listed.PrivateIpAddress}`);
  }
  return input.PrivateIpAddress ?? listed?.PrivateIpAddress;
}

/** A fixed primary address: IPv4, inside the subnet, not one of the five AWS reserves (taken ones are refused by allocateEni). */
function checkAddress(subnet: SubnetDoc, ip: string): void {
  const n = ipToInt(ip);
  if (n === undefined) throw new ApiError('InvalidParameterValue', `Invalid value '${ip}' for parameter privateIpAddress: not an IPv4 address`);
  const cidr = parseCidr(subnet.cidrBlock)!;
  if (!cidrContainsIp(cidr, n)) {
    throw new ApiError('InvalidParameterValue', `Address ${ip} does not fall within the subnet's address range (${subnet.cidrBlock} of ${subnet.id})`);
  }
  if (isReservedInSubnet(cidr, n)) {
    throw new ApiError('InvalidParameterValue',
      `Address ${ip} is reserved by AWS in subnet ${subnet.id}: the first four addresses and the last one of a subnet cannot be assigned`);
  }
}

function checkDescription(description: string): string {
  if (description.length > MAX_DESCRIPTION) {
    throw new ApiError('InvalidParameterValue', `The description is ${description.length} characters long; at most ${MAX_DESCRIPTION} are allowed`);
  }
  return description;
}

/**
 * The caller's security groups for an ENI in `vpcId`, duplicates dropped. A group of another VPC
 * answers as AWS does for CreateNetworkInterface: InvalidGroup.NotFound, "two resources that
 * belong to different networks".
 */
async function groupsFor(ctx: RequestContext, vpcId: string, ids: string[]): Promise<SecurityGroupDoc[]> {
  const unique = [...new Set(ids)];
  if (unique.length > MAX_GROUPS_PER_ENI) {
    throw new ApiError('SecurityGroupsPerInterfaceLimitExceeded',
      `You have exceeded the maximum number of security groups allowed per network interface (${MAX_GROUPS_PER_ENI}; ${unique.length} given)`);
  }
  const groups: SecurityGroupDoc[] = [];
  for (const id of unique) {
    const g = await requireOwned(ctx, 'security-group', id);
    if (g.vpcId !== vpcId) {
      throw new ApiError('InvalidGroup.NotFound',
        `You have specified two resources that belong to different networks: security group ${g.id} is in ${g.vpcId}, the network interface in ${vpcId}.`);
    }
    groups.push(g);
  }
  return groups;
}

/** The VPC's default security group (the ENI's groups when the request names none). */
async function defaultGroup(ctx: RequestContext, vpcId: string): Promise<SecurityGroupDoc> {
  const vpc = await ctx.tx.get('vpc', vpcId);
  const g = vpc && await ctx.tx.get('security-group', vpc.defaultSecurityGroupId);
  if (!g) throw new Error(`VPC ${vpcId} has no default security group`);
  return g;
}

function present(ctx: RequestContext, eni: NetworkInterfaceDoc, groups: SecurityGroupDoc[]): Record<string, unknown> {
  return presentNetworkInterface(ctx.region, eni, new Map(groups.map((g) => [g.id, g.groupName])));
}

/** The caller's ENI, refused with `deny` when `refuse` holds for it. */
async function ownEni(
  ctx: RequestContext, id: string, refuse: (eni: NetworkInterfaceDoc) => boolean, deny: (eni: NetworkInterfaceDoc) => ApiError,
): Promise<NetworkInterfaceDoc> {
  const eni = await requireOwned(ctx, 'network-interface', id);
  if (refuse(eni)) throw deny(eni);
  return eni;
}

interface ModifyNetworkInterfaceAttributeInput {
  NetworkInterfaceId: string;
  Description?: { Value?: string };
  Groups?: string[];
  SourceDestCheck?: unknown; Attachment?: unknown; EnaSrdSpecification?: unknown; EnablePrimaryIpv6?: boolean;
  ConnectionTrackingSpecification?: unknown; AssociatePublicIpAddress?: boolean; AssociatedSubnetIds?: string[];
}

const UNSUPPORTED_ATTRIBUTES = ['SourceDestCheck', 'Attachment', 'EnaSrdSpecification', 'EnablePrimaryIpv6',
  'ConnectionTrackingSpecification', 'AssociatePublicIpAddress', 'AssociatedSubnetIds'] as const;

export const networkInterfaceLifecycleHandlers: Handlers = {
  async CreateNetworkInterface(ctx, input: CreateNetworkInterfaceInput) {
    refuseUnsupported(input);
    const subnet = await requireOwned(ctx, 'subnet', input.SubnetId);
    const ip = requestedAddress(input);
    if (ip !== undefined) checkAddress(subnet, ip);
    const groups = input.Groups?.length ? await groupsFor(ctx, subnet.vpcId, input.Groups) : [await defaultGroup(ctx, subnet.vpcId)];
    const eni = await allocateEni(ctx, {
      subnet,
      interfaceType: 'interface',
      description: checkDescription(input.Description ?? ''),
      groupIds: groups.map((g) => g.id),
      privateIpAddress: ip,
      tags: tagsForCreate(input.TagSpecifications, 'network-interface'),
    });
    return { NetworkInterface: present(ctx, eni, groups), ClientToken: input.ClientToken };
  },

  async DeleteNetworkInterface(ctx, input: { NetworkInterfaceId: string }) {
    // AWS answers this for an attached ENI, which every requester-managed one is (observed with VPC endpoint ENIs).
    const eni = await ownEni(ctx, input.NetworkInterfaceId, (e) => e.requesterManaged || e.status === 'in-use',
      (e) => new ApiError('InvalidParameterValue', `Network interface '${e.id}' is currently in use.`));
    await releaseEni(ctx, eni.id);
    return {};
  },

  async ModifyNetworkInterfaceAttribute(ctx, input: ModifyNetworkInterfaceAttributeInput) {
    const unsupported = UNSUPPORTED_ATTRIBUTES.filter((k) => input[k] !== undefined && !(Array.isArray(input[k]) && (input[k] as unknown[]).length === 0));
    if (unsupported.length > 0) {
      throw new ApiError('InvalidParameterValue', `Underpass modifies only the Description and the security groups of a network interface; not supported: ${unsupported.join(', ')}`);
    }
    const given = [input.Description !== undefined && 'Description', input.Groups !== undefined && 'Groups'].filter(Boolean);
    if (given.length !== 1) {
      throw new ApiError('InvalidParameterCombination', given.length === 0
        ? 'No attribute to modify: give one of Description or SecurityGroupId.N'
        : 'Only one attribute can be modified at a time: give Description or SecurityGroupId.N, not both');
    }
    // AWS refuses changes to requester-managed ENIs with AuthFailure, HTTP 400 (observed for VPC endpoint ENIs).
    const eni = copy(await ownEni(ctx, input.NetworkInterfaceId, (e) => e.requesterManaged,
      () => new ApiError('AuthFailure', 'You do not have permission to access the specified resource.', 400)));
    if (input.Description !== undefined) {
      eni.description = checkDescription(input.Description.Value ?? '');
    } else {
      if (input.Groups!.length === 0) throw new ApiError('MissingParameter', 'The request must contain at least one security group (SecurityGroupId.N)');
      eni.groupIds = (await groupsFor(ctx, eni.vpcId, input.Groups!)).map((g) => g.id);
    }
    await ctx.tx.put(eni);
    return {};
  },
};
