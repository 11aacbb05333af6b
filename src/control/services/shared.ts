/**
 * Lookups and allocations every resource family shares: owned-resource getters that answer AWS's
 * Malformed/NotFound codes, and ENI allocation in a subnet.
 */
import { ApiError, type ErrorCode } from '../../core/errors.js';
import { allocateAddress, parseCidr } from '../../core/cidr.js';
import { isWellFormedId, newId, hex } from '../../core/ids.js';
import type { RequestContext } from '../api/context.js';
import type { Kind, StoredResource, NetworkInterfaceDoc, InterfaceType, ResourceOf, SubnetDoc, Tag } from '../resources.js';

interface IdKind { prefix: string; malformed: ErrorCode; notFound: ErrorCode; label: string }

export const ID_KINDS = {
  vpc: { prefix: 'vpc', malformed: 'InvalidVpcID.Malformed', notFound: 'InvalidVpcID.NotFound', label: 'vpc ID' },
  subnet: { prefix: 'subnet', malformed: 'InvalidSubnetID.Malformed', notFound: 'InvalidSubnetID.NotFound', label: 'subnet ID' },
  'security-group': { prefix: 'sg', malformed: 'InvalidGroupId.Malformed', notFound: 'InvalidGroup.NotFound', label: 'security group' },
  'route-table': { prefix: 'rtb', malformed: 'InvalidRouteTableId.Malformed', notFound: 'InvalidRouteTableID.NotFound', label: 'route table ID' },
  'network-interface': { prefix: 'eni', malformed: 'InvalidNetworkInterfaceId.Malformed', notFound: 'InvalidNetworkInterfaceID.NotFound', label: 'network interface ID' },
  endpoint: { prefix: 'vpce', malformed: 'InvalidVpcEndpointId.Malformed', notFound: 'InvalidVpcEndpointId.NotFound', label: 'VpcEndPoint ID' },
  'endpoint-service': { prefix: 'vpce-svc', malformed: 'InvalidVpcEndpointServiceId.Malformed', notFound: 'InvalidVpcEndpointServiceId.NotFound', label: 'VpcEndpointService Id' },
} as const satisfies Partial<Record<Kind, IdKind>>;

export type IdKindName = keyof typeof ID_KINDS;

/** Throws `<Kind>.Malformed` unless `id` has the kind's format. */
export function checkIdFormat(kind: IdKindName, id: string): void {
  const k = ID_KINDS[kind];
  if (!isWellFormedId(id, k.prefix)) throw new ApiError(k.malformed, `Invalid id: "${id}" (expecting "${k.prefix}-...")`);
}

/**
 * The caller's own resource with this id. Another account's resource answers NotFound, exactly
 * like a missing one, as AWS does.
 */
export async function requireOwned<K extends IdKindName>(ctx: RequestContext, kind: K, id: string): Promise<ResourceOf<K>> {
  checkIdFormat(kind, id);
  const doc = (await ctx.tx.get(kind, id)) as StoredResource | undefined;
  if (!doc || doc.account !== ctx.account) {
    const k = ID_KINDS[kind];
    throw new ApiError(k.notFound, `The ${k.label} '${id}' does not exist`);
  }
  return doc as ResourceOf<K>;
}

export interface EniRequest {
  subnet: SubnetDoc;
  interfaceType: InterfaceType;
  description: string;
  /** Who manages the ENI (see NetworkInterfaceDoc.requesterId); absent for an ENI the account creates itself. */
  requesterId?: string;
  groupIds: string[];
  /** The owning resource; absent for an ENI the account creates itself (it owns itself). */
  ownerResourceId?: string;
  /** A fixed address (SubnetMappings, SubnetConfigurations, PrivateIpAddress); else the lowest free one. */
  privateIpAddress?: string;
  /** Tags on creation (TagSpecifications of CreateNetworkInterface). */
  tags?: Tag[];
}

/**
 * Allocates an ENI with an address of the subnet: requester-managed (`in-use`) when the request
 * names a requester, else the account's own (`available`). Throws when the subnet is full or the
 * address taken.
 */
export async function allocateEni(ctx: RequestContext, req: EniRequest): Promise<NetworkInterfaceDoc> {
  const cidr = parseCidr(req.subnet.cidrBlock)!;
  const used = new Set((await ctx.tx.listWhere('network-interface', req.subnet.account, 'subnetId', req.subnet.id))
    .map((e) => e.privateIpAddress));
  let ip = req.privateIpAddress;
  if (ip !== undefined) {
    // EC2's code for an address another ENI of the subnet holds (RunInstances, CreateNetworkInterface).
    if (used.has(ip)) throw new ApiError('InvalidIPAddress.InUse', `The specified address is already in use: ${ip} in subnet ${req.subnet.id}`);
  } else {
    ip = allocateAddress(cidr, used);
    if (ip === undefined) {
      throw new ApiError('InvalidParameterValue', `There are not enough free addresses in subnet '${req.subnet.id}' to satisfy the requested number of instances.`);
    }
  }
  const mac = `02:${hex(ctx.random, 10).match(/../g)!.join(':')}`;
  const id = newId('eni', ctx.random);
  const requesterManaged = req.requesterId !== undefined;
  const eni: NetworkInterfaceDoc = {
    kind: 'network-interface',
    id,
    account: req.subnet.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags: req.tags ?? [],
    vpcId: req.subnet.vpcId,
    subnetId: req.subnet.id,
    availabilityZone: req.subnet.availabilityZone,
    availabilityZoneId: req.subnet.availabilityZoneId,
    privateIpAddress: ip,
    interfaceType: req.interfaceType,
    description: req.description,
    ...(requesterManaged && { requesterId: req.requesterId }),
    requesterManaged,
    groupIds: req.groupIds,
    status: requesterManaged ? 'in-use' : 'available',
    ownerResourceId: req.ownerResourceId ?? id,
    macAddress: mac,
  };
  await ctx.tx.put(eni);
  return eni;
}

export async function releaseEni(ctx: { tx: RequestContext['tx'] }, eniId: string): Promise<void> {
  await ctx.tx.delete(eniId);
}
