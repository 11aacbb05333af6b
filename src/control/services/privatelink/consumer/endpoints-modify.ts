/**
 * ModifyVpcEndpoint. Interface: add/remove subnets (one ENI each, same zone rules as create; a
 * changed SubnetConfiguration address replaces that ENI), add/remove security groups (the ENIs
 * follow), private DNS, policy, IP address type, DNS record type. Gateway: add/remove route tables
 * (their prefix-list routes follow), policy or ResetPolicy. Gateway Load Balancer endpoints keep
 * their one subnet and have no groups, policy or private DNS. Allowed while pendingAcceptance,
 * pending or available.
 */
import { ApiError } from '../../../../core/errors.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import type { EndpointDoc, EndpointInterface, EndpointServiceDoc, VpcDoc } from '../../../resources.js';
import { releaseEni, requireOwned } from '../../shared.js';
import { awsPrefixLists } from '../../substrate/prefix-lists.js';
import {
  MAX_GROUPS_PER_ENDPOINT, addGatewayRoute, allocateEndpointEni, checkDnsOptions, checkEndpointSubnets, checkFixedAddress,
  checkIpTypes, checkPrivateDns, checkRouteTables, checkSecurityGroups, invalidParameter, removeGatewayRoutes,
  requireDistinct, type DnsOptionsSpecification,
} from './common.js';
import { defaultPolicyFor, validatePolicyDocument } from './policy.js';

interface ModifyInput {
  VpcEndpointId: string;
  ResetPolicy?: boolean;
  PolicyDocument?: string;
  AddRouteTableIds?: string[];
  RemoveRouteTableIds?: string[];
  AddSubnetIds?: string[];
  RemoveSubnetIds?: string[];
  AddSecurityGroupIds?: string[];
  RemoveSecurityGroupIds?: string[];
  IpAddressType?: string;
  DnsOptions?: DnsOptionsSpecification;
  PrivateDnsEnabled?: boolean;
  SubnetConfigurations?: Array<{ SubnetId?: string; Ipv4?: string; Ipv6?: string }>;
}

const MODIFIABLE = new Set(['pendingAcceptance', 'pending', 'available']);

function given(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== undefined;
}

function refuse(input: ModifyInput, members: Array<keyof ModifyInput>, type: string, why: string): void {
  for (const m of members) {
    if (given(input[m])) throw invalidParameter(`${m} cannot be used with ${type} endpoints: ${why}.`);
  }
}

function noOverlap(add: string[] | undefined, remove: string[] | undefined, what: string): void {
  const r = new Set(remove ?? []);
  for (const id of add ?? []) {
    if (r.has(id)) throw invalidParameter(`The ${what} '${id}' is both added and removed in one request`);
  }
}

function newPolicy(input: ModifyInput, type: 'Interface' | 'Gateway', current: string | undefined): string | undefined {
  if (input.ResetPolicy === true && input.PolicyDocument !== undefined) {
    throw new ApiError('InvalidParameterCombination', 'ResetPolicy and PolicyDocument cannot be used together: ResetPolicy restores the default policy.');
  }
  if (input.ResetPolicy === true) return defaultPolicyFor(type);
  if (input.PolicyDocument !== undefined) return validatePolicyDocument(input.PolicyDocument);
  return current;
}

export const modifyVpcEndpoint: Handler = async (ctx, raw) => {
  const input = raw as ModifyInput;
  const endpoint = structuredClone(await requireOwned(ctx, 'endpoint', input.VpcEndpointId));
  if (!MODIFIABLE.has(endpoint.state)) {
    throw new ApiError('IncorrectState', `The VPC endpoint ${endpoint.id} is ${endpoint.state}; it can be modified only while pendingAcceptance, pending or available.`);
  }
  const vpc = await requireOwned(ctx, 'vpc', endpoint.vpcId);
  checkDnsOptions(input.DnsOptions, endpoint.type);
  noOverlap(input.AddSubnetIds, input.RemoveSubnetIds, 'subnet ID');
  noOverlap(input.AddSecurityGroupIds, input.RemoveSecurityGroupIds, 'security group');
  noOverlap(input.AddRouteTableIds, input.RemoveRouteTableIds, 'route table ID');
  let updated: EndpointDoc;
  if (endpoint.type === 'Gateway') updated = await modifyGateway(ctx, input, endpoint, vpc);
  else updated = await modifyInterfaceOrGwlb(ctx, input, endpoint, vpc);
  await ctx.tx.put(updated);
  return { Return: true };
};

async function modifyGateway(ctx: RequestContext, input: ModifyInput, endpoint: EndpointDoc, vpc: VpcDoc): Promise<EndpointDoc> {
  refuse(input, ['AddSubnetIds', 'RemoveSubnetIds', 'SubnetConfigurations', 'AddSecurityGroupIds', 'RemoveSecurityGroupIds'], 'Gateway',
    'a gateway endpoint has no network interfaces; use AddRouteTableId.N / RemoveRouteTableId.N');
  if (input.PrivateDnsEnabled === true) throw invalidParameter('PrivateDnsEnabled applies only to Interface endpoints; a Gateway endpoint has no private DNS.');
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') {
    throw invalidParameter(`IP address type ${input.IpAddressType} is not supported for Gateway endpoints by Underpass (IPv4 only).`);
  }
  endpoint.policyDocument = newPolicy(input, 'Gateway', endpoint.policyDocument);
  const remove = input.RemoveRouteTableIds ?? [];
  requireDistinct(remove, 'route table ID');
  for (const id of remove) {
    if (!endpoint.routeTableIds.includes(id)) {
      throw invalidParameter(`The route table '${id}' is not associated with the VPC endpoint ${endpoint.id}`);
    }
  }
  const add = input.AddRouteTableIds ?? [];
  for (const id of add) {
    if (endpoint.routeTableIds.includes(id)) {
      throw invalidParameter(`The route table '${id}' is already associated with the VPC endpoint ${endpoint.id}`);
    }
  }
  const prefixList = awsPrefixLists(ctx.region).find((p) => p.name === endpoint.serviceName);
  if (!prefixList) throw new ApiError('InternalError', `no AWS prefix list named ${endpoint.serviceName} in ${ctx.region}`);
  const tables = await checkRouteTables(ctx, vpc, add, prefixList.id);
  for (const id of remove) await removeGatewayRoutes(ctx.tx, id, endpoint.id);
  for (const t of tables) await addGatewayRoute(ctx.tx, t, prefixList.id, endpoint.id);
  endpoint.routeTableIds = endpoint.routeTableIds.filter((id) => !remove.includes(id)).concat(tables.map((t) => t.id));
  return endpoint;
}

async function serviceOf(ctx: RequestContext, endpoint: EndpointDoc): Promise<EndpointServiceDoc> {
  const service = endpoint.serviceId ? await ctx.tx.get('endpoint-service', endpoint.serviceId) : undefined;
  if (!service || service.state === 'Deleting' || service.state === 'Deleted') {
    throw new ApiError('IncorrectState', `The VPC endpoint service ${endpoint.serviceName} of endpoint ${endpoint.id} is no longer available; the endpoint cannot be changed.`);
  }
  return service;
}

function sync(endpoint: EndpointDoc, interfaces: EndpointInterface[]): void {
  endpoint.interfaces = interfaces;
  endpoint.subnetIds = interfaces.map((i) => i.subnetId);
  endpoint.networkInterfaceIds = interfaces.map((i) => i.networkInterfaceId);
}

async function modifyInterfaceOrGwlb(ctx: RequestContext, input: ModifyInput, endpoint: EndpointDoc, vpc: VpcDoc): Promise<EndpointDoc> {
  const type = endpoint.type;
  refuse(input, ['AddRouteTableIds', 'RemoveRouteTableIds'], type, 'route tables are for Gateway endpoints');
  if (type === 'GatewayLoadBalancer') {
    refuse(input, ['AddSubnetIds', 'RemoveSubnetIds', 'SubnetConfigurations'], type, 'the subnet of a Gateway Load Balancer endpoint cannot be changed after creation');
    refuse(input, ['AddSecurityGroupIds', 'RemoveSecurityGroupIds'], type, 'Gateway Load Balancer endpoints do not support security groups');
    refuse(input, ['PolicyDocument', 'ResetPolicy'], type, 'Gateway Load Balancer endpoints do not support endpoint policies');
    if (input.PrivateDnsEnabled === true) throw invalidParameter('PrivateDnsEnabled applies only to Interface endpoints; Gateway Load Balancer endpoints have no private DNS.');
  }
  const subnetChange = given(input.AddSubnetIds) || given(input.RemoveSubnetIds) || given(input.SubnetConfigurations);
  const needsService = subnetChange || input.PrivateDnsEnabled === true || input.IpAddressType !== undefined || input.DnsOptions?.DnsRecordIpType !== undefined;
  const service = needsService ? await serviceOf(ctx, endpoint) : undefined;

  // Security groups first: new ENIs get the resulting set.
  if (given(input.AddSecurityGroupIds) || given(input.RemoveSecurityGroupIds)) {
    const remove = input.RemoveSecurityGroupIds ?? [];
    for (const id of remove) {
      if (!endpoint.groupIds.includes(id)) throw invalidParameter(`The security group '${id}' is not associated with the VPC endpoint ${endpoint.id}`);
    }
    const add = input.AddSecurityGroupIds ?? [];
    for (const id of add) {
      if (endpoint.groupIds.includes(id)) throw invalidParameter(`The security group '${id}' is already associated with the VPC endpoint ${endpoint.id}`);
    }
    await checkSecurityGroups(ctx, vpc, add);
    const groups = endpoint.groupIds.filter((g) => !remove.includes(g)).concat(add);
    if (groups.length === 0) {
      throw invalidParameter(`The VPC endpoint ${endpoint.id} must keep at least one security group; add another before removing the last one.`);
    }
    if (groups.length > MAX_GROUPS_PER_ENDPOINT) {
      throw invalidParameter(`An endpoint can have at most ${MAX_GROUPS_PER_ENDPOINT} security groups; this change would give it ${groups.length}.`);
    }
    endpoint.groupIds = groups;
    for (const eniId of endpoint.networkInterfaceIds) {
      const eni = await ctx.tx.get('network-interface', eniId);
      if (eni) await ctx.tx.put({ ...structuredClone(eni), groupIds: [...groups] });
    }
  }

  if (subnetChange && service) {
    const remove = input.RemoveSubnetIds ?? [];
    requireDistinct(remove, 'subnet ID');
    let interfaces = [...(endpoint.interfaces ?? [])];
    for (const id of remove) {
      if (!endpoint.subnetIds.includes(id)) throw invalidParameter(`The subnet '${id}' is not a subnet of the VPC endpoint ${endpoint.id}`);
    }
    const fixed = new Map<string, string>();
    for (const [i, c] of (input.SubnetConfigurations ?? []).entries()) {
      if (!c.SubnetId) throw new ApiError('MissingParameter', `SubnetConfiguration.${i + 1}.SubnetId is required`);
      if (c.Ipv6 !== undefined) throw invalidParameter(`SubnetConfiguration.${i + 1}.Ipv6 cannot be used: Underpass subnets are IPv4-only`);
      if (c.Ipv4 !== undefined) fixed.set(c.SubnetId, c.Ipv4);
    }
    const add = input.AddSubnetIds ?? [];
    for (const id of add) {
      if (endpoint.subnetIds.includes(id)) throw invalidParameter(`The subnet '${id}' is already a subnet of the VPC endpoint ${endpoint.id}`);
    }
    for (const id of fixed.keys()) {
      const known = (endpoint.subnetIds.includes(id) && !remove.includes(id)) || add.includes(id);
      if (!known) throw invalidParameter(`SubnetConfiguration names subnet '${id}', which is neither a subnet of the VPC endpoint ${endpoint.id} nor added by this request`);
    }
    const kept = interfaces.filter((i) => !remove.includes(i.subnetId));
    const newSubnets = await checkEndpointSubnets(ctx, { vpc, service, serviceName: endpoint.serviceName, subnetIds: add, kept });
    // Removed subnets: their ENIs go now (AWS deletes them as part of the change).
    for (const i of interfaces.filter((x) => remove.includes(x.subnetId))) {
      if (await ctx.tx.get('network-interface', i.networkInterfaceId)) await releaseEni(ctx, i.networkInterfaceId);
    }
    interfaces = kept;
    // Changed addresses of kept subnets replace that ENI.
    for (const [subnetId, ip] of fixed) {
      const idx = interfaces.findIndex((i) => i.subnetId === subnetId);
      const current = interfaces[idx];
      if (!current || current.privateIpAddress === ip) continue;
      const subnet = await requireOwned(ctx, 'subnet', subnetId);
      checkFixedAddress(subnet, ip);
      await releaseEni(ctx, current.networkInterfaceId);
      interfaces[idx] = await allocateEndpointEni(ctx, endpoint, subnet, ip);
    }
    for (const subnet of newSubnets) {
      const ip = fixed.get(subnet.id);
      interfaces.push(await allocateEndpointEni(ctx, endpoint, subnet, ip === undefined ? undefined : checkFixedAddress(subnet, ip)));
    }
    sync(endpoint, interfaces);
  }

  if (type === 'Interface') {
    // AWS documents ResetPolicy for gateway endpoints; on an interface endpoint it restores the interface default.
    endpoint.policyDocument = newPolicy(input, 'Interface', endpoint.policyDocument);
    if (input.PrivateDnsEnabled === true && !endpoint.privateDnsEnabled && service) {
      checkPrivateDns({ vpc, service, serviceName: endpoint.serviceName, pendingAcceptance: endpoint.state === 'pendingAcceptance' });
    }
    if (input.PrivateDnsEnabled !== undefined) endpoint.privateDnsEnabled = input.PrivateDnsEnabled;
  }
  if (input.IpAddressType !== undefined || input.DnsOptions?.DnsRecordIpType !== undefined) {
    const ipAddressType = input.IpAddressType ?? endpoint.ipAddressType;
    const dnsRecordIpType = input.DnsOptions?.DnsRecordIpType
      ?? (input.IpAddressType !== undefined ? (ipAddressType === 'ipv6' ? 'ipv6' : 'ipv4') : endpoint.dnsRecordIpType);
    checkIpTypes({ ipAddressType, dnsRecordIpType, service, serviceName: endpoint.serviceName, subnetIds: endpoint.subnetIds });
    endpoint.ipAddressType = ipAddressType;
    if (type === 'Interface') endpoint.dnsRecordIpType = dnsRecordIpType;
  }
  return endpoint;
}
