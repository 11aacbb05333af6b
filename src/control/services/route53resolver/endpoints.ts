/**
 * Resolver endpoints: Create (an ENI per address, in its subnet, with the endpoint's security
 * groups), Get, List, Delete, ListResolverEndpointIpAddresses. CREATING → OPERATIONAL and
 * DELETING → gone run in the transition tick (index.ts).
 */
import { ApiError, isApiError } from '../../../core/errors.js';
import { cidrContainsIp, ipToInt, isReservedInSubnet, parseCidr } from '../../../core/cidr.js';
import type { Handlers, RequestContext } from '../../api/context.js';
import type { ResolverEndpointDoc, ResolverEndpointIp, SubnetDoc } from '../../resources.js';
import { allocateEni } from '../shared.js';
import {
  applyResolverFilters, checkName, checkTags, newEndpointId, newIpId, ownEndpoint, page, resolverArn, type ResolverFilter,
} from './common.js';
import { presentEndpoint, presentIp } from './present.js';

/** Who the Resolver ENIs are requester-managed by (DescribeNetworkInterfaces RequesterId). */
export const RESOLVER_REQUESTER_ID = 'Route53Resolver';

interface CreateInput {
  CreatorRequestId: string;
  Name?: string;
  SecurityGroupIds: string[];
  Direction: 'INBOUND' | 'OUTBOUND' | 'INBOUND_DELEGATION';
  IpAddresses: Array<{ SubnetId: string; Ip?: string; Ipv6?: string }>;
  OutpostArn?: string;
  PreferredInstanceType?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  ResolverEndpointType?: 'IPV4' | 'IPV6' | 'DUALSTACK';
  Protocols?: string[];
}

function invalid(message: string): ApiError {
  return new ApiError('InvalidParameterException', message);
}

/** The options Underpass does not serve, refused by name. */
function refuseUnserved(input: CreateInput): void {
  if (input.Direction === 'INBOUND_DELEGATION') throw invalid('Direction INBOUND_DELEGATION is not supported by Underpass: use INBOUND or OUTBOUND');
  if (input.ResolverEndpointType !== undefined && input.ResolverEndpointType !== 'IPV4') {
    throw invalid(`ResolverEndpointType ${input.ResolverEndpointType} is not supported by Underpass: its ENIs are IPv4 only`);
  }
  if (input.Protocols && input.Protocols.some((p) => p !== 'Do53')) throw invalid('Underpass serves the Do53 protocol only (not DoH or DoH-FIPS)');
  if (input.OutpostArn !== undefined || input.PreferredInstanceType !== undefined) throw invalid('Underpass has no Outposts: leave OutpostArn and PreferredInstanceType out');
  if (input.IpAddresses.some((a) => a.Ipv6 !== undefined)) throw invalid('Ipv6 addresses are not supported by Underpass: its ENIs are IPv4 only');
}

async function subnetsOf(ctx: RequestContext, input: CreateInput): Promise<Map<string, SubnetDoc>> {
  const subnets = new Map<string, SubnetDoc>();
  for (const a of input.IpAddresses) {
    if (subnets.has(a.SubnetId)) continue;
    const sn = await ctx.tx.get('subnet', a.SubnetId);
    if (!sn || sn.account !== ctx.account) throw new ApiError('ResourceNotFoundException', `Subnet with ID '${a.SubnetId}' does not exist.`);
    subnets.set(sn.id, sn);
  }
  const vpcs = new Set([...subnets.values()].map((s) => s.vpcId));
  if (vpcs.size > 1) throw invalid(`The subnets of a Resolver endpoint must be in one VPC; these are in ${[...vpcs].sort().join(' and ')}`);
  return subnets;
}

function checkAddresses(input: CreateInput, subnets: Map<string, SubnetDoc>): void {
  const seen = new Set<string>();
  for (const a of input.IpAddresses) {
    if (a.Ip === undefined) continue;
    const sn = subnets.get(a.SubnetId)!;
    const cidr = parseCidr(sn.cidrBlock)!;
    const n = ipToInt(a.Ip);
    if (n === undefined) throw invalid(`'${a.Ip}' is not an IPv4 address`);
    if (!cidrContainsIp(cidr, n) || isReservedInSubnet(cidr, n)) {
      throw invalid(`The IP address ${a.Ip} is not a usable address of subnet ${sn.id} (${sn.cidrBlock}; AWS reserves the first four and the last)`);
    }
    if (seen.has(a.Ip)) throw invalid(`The IP address ${a.Ip} is given twice`);
    seen.add(a.Ip);
  }
}

async function createResolverEndpoint(ctx: RequestContext, input: CreateInput): Promise<Record<string, unknown>> {
  refuseUnserved(input);
  checkName(input.Name);
  const tags = checkTags(input.Tags);
  if (input.SecurityGroupIds.length === 0) throw invalid('A Resolver endpoint needs at least one security group');
  const subnets = await subnetsOf(ctx, input);
  const vpcId = [...subnets.values()][0]!.vpcId;
  for (const id of new Set(input.SecurityGroupIds)) {
    const sg = await ctx.tx.get('security-group', id);
    if (!sg || sg.account !== ctx.account) throw new ApiError('ResourceNotFoundException', `Security group with ID '${id}' does not exist.`);
    if (sg.vpcId !== vpcId) throw invalid(`Security group ${id} is in ${sg.vpcId}, not in the endpoint's VPC ${vpcId}`);
  }
  checkAddresses(input, subnets);
  const direction = input.Direction as 'INBOUND' | 'OUTBOUND';
  const id = newEndpointId(ctx, direction);
  const now = ctx.now.toISOString();
  const ips: ResolverEndpointIp[] = [];
  for (const a of input.IpAddresses) {
    const ipId = newIpId(ctx);
    try {
      const eni = await allocateEni(ctx, {
        subnet: subnets.get(a.SubnetId)!, interfaceType: 'interface', description: `Route 53 Resolver: ${id}:${ipId}`,
        requesterId: RESOLVER_REQUESTER_ID, groupIds: [...new Set(input.SecurityGroupIds)], ownerResourceId: id,
        ...(a.Ip !== undefined && { privateIpAddress: a.Ip }),
      });
      ips.push({ ipId, subnetId: a.SubnetId, ip: eni.privateIpAddress, networkInterfaceId: eni.id, createdAt: now });
    } catch (e) {
      // The allocator answers EC2's codes (address in use, subnet full); Resolver says InvalidRequestException.
      if (isApiError(e)) throw new ApiError('InvalidRequestException', e.message);
      throw e;
    }
  }
  const doc: ResolverEndpointDoc = {
    kind: 'resolver-endpoint', id, account: ctx.account, region: ctx.region, createdAt: now, tags,
    arn: resolverArn(ctx, 'resolver-endpoint', id),
    ...(input.Name !== undefined && { name: input.Name }),
    creatorRequestId: input.CreatorRequestId, direction, securityGroupIds: [...new Set(input.SecurityGroupIds)], vpcId,
    status: 'CREATING', statusMessage: '[Trace id: underpass] Creating the Resolver Endpoint', stateChangedAt: now, modifiedAt: now, ips,
  };
  await ctx.tx.put(doc);
  return { ResolverEndpoint: presentEndpoint(doc) };
}

async function getResolverEndpoint(ctx: RequestContext, input: { ResolverEndpointId: string }): Promise<Record<string, unknown>> {
  return { ResolverEndpoint: presentEndpoint(await ownEndpoint(ctx, input.ResolverEndpointId)) };
}

async function listResolverEndpoints(ctx: RequestContext, input: { MaxResults?: number; NextToken?: string; Filters?: ResolverFilter[] }): Promise<Record<string, unknown>> {
  const all = await ctx.tx.list('resolver-endpoint', ctx.account);
  const kept = applyResolverFilters('ListResolverEndpoints', all, input.Filters, {
    CreatorRequestId: (e) => e.creatorRequestId,
    Direction: (e) => e.direction,
    HostVPCId: (e) => e.vpcId,
    IpAddressCount: (e) => e.ips.length,
    Name: (e) => e.name,
    SecurityGroupIds: (e) => e.securityGroupIds,
    Status: (e) => e.status,
  });
  const p = page('ListResolverEndpoints', kept, input);
  return { ...(p.NextToken !== undefined && { NextToken: p.NextToken }), ...(p.MaxResults !== undefined && { MaxResults: p.MaxResults }), ResolverEndpoints: p.items.map(presentEndpoint) };
}

async function deleteResolverEndpoint(ctx: RequestContext, input: { ResolverEndpointId: string }): Promise<Record<string, unknown>> {
  const ep = await ownEndpoint(ctx, input.ResolverEndpointId);
  if (ep.status === 'DELETING') return { ResolverEndpoint: presentEndpoint(ep) };
  if (ep.direction === 'OUTBOUND') {
    const rules = (await ctx.tx.list('resolver-rule', ctx.account)).filter((r) => r.resolverEndpointId === ep.id);
    if (rules.length) {
      throw new ApiError('InvalidRequestException', `Resolver endpoint ${ep.id} is used by the rule(s) ${rules.map((r) => r.id).join(', ')}: delete them or point them elsewhere first`);
    }
  }
  const now = ctx.now.toISOString();
  const next: ResolverEndpointDoc = { ...ep, status: 'DELETING', statusMessage: '[Trace id: underpass] Deleting the Resolver Endpoint', stateChangedAt: now, modifiedAt: now };
  await ctx.tx.put(next);
  return { ResolverEndpoint: presentEndpoint(next) };
}

async function listResolverEndpointIpAddresses(ctx: RequestContext, input: { ResolverEndpointId: string; MaxResults?: number; NextToken?: string }): Promise<Record<string, unknown>> {
  const ep = await ownEndpoint(ctx, input.ResolverEndpointId);
  const p = page(`ListResolverEndpointIpAddresses ${ep.id}`, ep.ips, input);
  return { ...(p.NextToken !== undefined && { NextToken: p.NextToken }), ...(p.MaxResults !== undefined && { MaxResults: p.MaxResults }), IpAddresses: p.items.map((ip) => presentIp(ep, ip)) };
}

export const endpointHandlers: Handlers = {
  CreateResolverEndpoint: createResolverEndpoint,
  GetResolverEndpoint: getResolverEndpoint,
  ListResolverEndpoints: listResolverEndpoints,
  DeleteResolverEndpoint: deleteResolverEndpoint,
  ListResolverEndpointIpAddresses: listResolverEndpointIpAddresses,
};
