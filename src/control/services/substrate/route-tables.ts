/** Route tables: Create/Describe/Delete, Associate/Disassociate (subnets), and the main table of a VPC. */
import { ApiError } from '../../../core/errors.js';
import { isWellFormedId, newId } from '../../../core/ids.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import { tagsForCreate, type TagSpecification } from '../../api/tags.js';
import type { Route, RouteTableDoc } from '../../resources.js';
import { requireOwned } from '../shared.js';
import { apiTags, copy, describe, ownedByIds } from './common.js';

/** A new route table of `vpcId` with the `local` route; `main` gives it the VPC's main association. */
export function newRouteTable(ctx: RequestContext, vpcId: string, vpcCidr: string, main: boolean, tags: RouteTableDoc['tags'] = []): RouteTableDoc {
  return {
    kind: 'route-table',
    id: newId('rtb', ctx.random),
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    vpcId,
    routes: [{ destinationCidrBlock: vpcCidr, gatewayId: 'local', origin: 'CreateRouteTable', state: 'active' }],
    associations: main ? [{ id: newId('rtbassoc', ctx.random), main: true }] : [],
  };
}

/** The route's target as DescribeRouteTables shows it: `local`, or the gateway endpoint's vpce-… id. */
function routeGateway(r: Route): string | undefined {
  return r.gatewayId ?? r.vpcEndpointId;
}

export function presentRouteTable(t: RouteTableDoc): Record<string, unknown> {
  return {
    RouteTableId: t.id,
    VpcId: t.vpcId,
    OwnerId: t.account,
    Routes: t.routes.map((r) => ({
      DestinationCidrBlock: r.destinationCidrBlock,
      DestinationPrefixListId: r.destinationPrefixListId,
      GatewayId: routeGateway(r),
      Origin: r.origin,
      State: r.state,
    })),
    Associations: t.associations.map((a) => ({
      Main: a.main,
      RouteTableAssociationId: a.id,
      RouteTableId: t.id,
      SubnetId: a.subnetId,
      AssociationState: { State: 'associated' },
    })),
    PropagatingVgws: [],
    Tags: apiTags(t.tags),
  };
}

async function findAssociation(ctx: RequestContext, associationId: string): Promise<{ table: RouteTableDoc; index: number }> {
  if (!isWellFormedId(associationId, 'rtbassoc')) {
    throw new ApiError('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist (expecting "rtbassoc-...")`);
  }
  for (const table of await ctx.tx.list('route-table', ctx.account)) {
    const index = table.associations.findIndex((a) => a.id === associationId);
    if (index >= 0) return { table, index };
  }
  throw new ApiError('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
}

export const routeTableHandlers: Handlers = {
  async CreateRouteTable(ctx, input: { VpcId: string; TagSpecifications?: TagSpecification[]; ClientToken?: string }) {
    const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
    const tags = tagsForCreate(input.TagSpecifications, 'route-table');
    const table = newRouteTable(ctx, vpc.id, vpc.cidrBlock, false, tags);
    await ctx.tx.put(table);
    return { RouteTable: presentRouteTable(table), ClientToken: input.ClientToken };
  },

  async DescribeRouteTables(ctx, input: { RouteTableIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    const items = input.RouteTableIds?.length ? await ownedByIds(ctx, 'route-table', input.RouteTableIds) : await ctx.tx.list('route-table', ctx.account);
    const page = describe({
      operation: 'DescribeRouteTables', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5, max: 100,
      tagsOf: (t) => t.tags,
      fields: {
        'route-table-id': (t) => t.id,
        'vpc-id': (t) => t.vpcId,
        'owner-id': (t) => t.account,
        'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
        'association.route-table-id': (t) => t.associations.map(() => t.id),
        'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
        'association.main': (t) => t.associations.map((a) => a.main),
        'association.gateway-id': () => undefined,
        'route.destination-cidr-block': (t) => t.routes.map((r) => r.destinationCidrBlock),
        'route.destination-prefix-list-id': (t) => t.routes.map((r) => r.destinationPrefixListId),
        'route.gateway-id': (t) => t.routes.map(routeGateway),
        'route.origin': (t) => t.routes.map((r) => r.origin),
        'route.state': (t) => t.routes.map((r) => r.state),
        'route.destination-ipv6-cidr-block': () => undefined,
        'route.vpc-peering-connection-id': () => undefined,
        'route.nat-gateway-id': () => undefined,
        'route.transit-gateway-id': () => undefined,
        'route.instance-id': () => undefined,
      },
    });
    return { RouteTables: page.items.map(presentRouteTable), NextToken: page.nextToken };
  },

  async DeleteRouteTable(ctx, input: { RouteTableId: string }) {
    const table = await requireOwned(ctx, 'route-table', input.RouteTableId);
    if (table.associations.some((a) => a.main)) {
      throw new ApiError('DependencyViolation', `The routeTable '${table.id}' has dependencies and cannot be deleted: it is the main route table of ${table.vpcId}.`);
    }
    if (table.associations.length > 0) {
      throw new ApiError('DependencyViolation',
        `The routeTable '${table.id}' has dependencies and cannot be deleted: it is associated with ${table.associations.map((a) => a.subnetId).join(', ')}.`);
    }
    const endpointRoutes = table.routes.filter((r) => r.vpcEndpointId || r.gatewayId?.startsWith('vpce-'));
    if (endpointRoutes.length > 0) {
      throw new ApiError('DependencyViolation',
        `The routeTable '${table.id}' has dependencies and cannot be deleted: gateway endpoint ${routeGateway(endpointRoutes[0]!)} routes through it (remove the table from the endpoint first).`);
    }
    await ctx.tx.delete(table.id);
    return {};
  },

  async AssociateRouteTable(ctx, input: { RouteTableId: string; SubnetId?: string; GatewayId?: string; PublicIpv4Pool?: string }) {
    if (input.GatewayId !== undefined || input.PublicIpv4Pool !== undefined) {
      throw new ApiError('InvalidParameterValue', 'Underpass associates route tables with subnets only: GatewayId and PublicIpv4Pool are not supported');
    }
    if (input.SubnetId === undefined) throw new ApiError('MissingParameter', 'The request must contain the parameter subnetId');
    const table = copy(await requireOwned(ctx, 'route-table', input.RouteTableId));
    const subnet = await requireOwned(ctx, 'subnet', input.SubnetId);
    if (subnet.vpcId !== table.vpcId) {
      throw new ApiError('InvalidParameterValue', `Route table ${table.id} and subnet ${subnet.id} belong to different networks (${table.vpcId}, ${subnet.vpcId}).`);
    }
    for (const other of await ctx.tx.list('route-table', ctx.account)) {
      if (other.associations.some((a) => a.subnetId === subnet.id)) {
        throw new ApiError('Resource.AlreadyAssociated',
          `the specified association for route table ${table.id} conflicts with an existing association: subnet ${subnet.id} is associated with ${other.id}`);
      }
    }
    const association = { id: newId('rtbassoc', ctx.random), subnetId: subnet.id, main: false };
    table.associations.push(association);
    await ctx.tx.put(table);
    return { AssociationId: association.id, AssociationState: { State: 'associated' } };
  },

  async DisassociateRouteTable(ctx, input: { AssociationId: string }) {
    const { table, index } = await findAssociation(ctx, input.AssociationId);
    if (table.associations[index]!.main) {
      throw new ApiError('InvalidParameterValue', `cannot disassociate the main route table association ${input.AssociationId}`);
    }
    const updated = copy(table);
    updated.associations.splice(index, 1);
    await ctx.tx.put(updated);
    return {};
  },
};

/** Drops the explicit associations of a subnet being deleted (AWS removes them with the subnet). */
export async function dropSubnetAssociations(ctx: RequestContext, subnetId: string): Promise<void> {
  for (const table of await ctx.tx.list('route-table', ctx.account)) {
    if (table.associations.some((a) => a.subnetId === subnetId)) {
      const updated = copy(table);
      updated.associations = updated.associations.filter((a) => a.subnetId !== subnetId);
      await ctx.tx.put(updated);
    }
  }
}
