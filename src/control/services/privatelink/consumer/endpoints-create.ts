/**
 * CreateVpcEndpoint: interface endpoints (one ENI per subnet, one subnet per zone, only zones the
 * service serves), gateway endpoints (a prefix-list route in each route table, available at once)
 * and Gateway Load Balancer endpoints (exactly one subnet, no security groups, no policy).
 */
import { ApiError } from '../../../../core/errors.js';
import { newId, randomString } from '../../../../core/ids.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import { tagsForCreate, type TagSpecification } from '../../../api/tags.js';
import type { EndpointDoc, EndpointInterface, EndpointServiceDoc, SubnetDoc, VpcDoc } from '../../../resources.js';
import { requireOwned } from '../../shared.js';
import { awsPrefixLists } from '../../substrate/prefix-lists.js';
import { findUsableService, type UsableService } from '../provider/lookup.js';
import {
  MAX_GATEWAY_ENDPOINTS_PER_REGION, MAX_GROUPS_PER_ENDPOINT, MAX_INTERFACE_ENDPOINTS_PER_VPC, addGatewayRoute,
  allocateEndpointEni, checkDnsOptions, checkEndpointSubnets, checkFixedAddress, checkIpTypes, checkPrivateDns,
  checkRouteTables, checkSecurityGroups, invalidParameter, type DnsOptionsSpecification, type EndpointType,
} from './common.js';
import { defaultPolicyFor, validatePolicyDocument } from './policy.js';
import { presentEndpoint } from './present.js';

interface SubnetConfiguration { SubnetId?: string; Ipv4?: string; Ipv6?: string }

export interface CreateVpcEndpointInput {
  VpcEndpointType?: string;
  VpcId: string;
  ServiceName?: string;
  PolicyDocument?: string;
  RouteTableIds?: string[];
  SubnetIds?: string[];
  SecurityGroupIds?: string[];
  IpAddressType?: string;
  DnsOptions?: DnsOptionsSpecification;
  ClientToken?: string;
  PrivateDnsEnabled?: boolean;
  TagSpecifications?: TagSpecification[];
  SubnetConfigurations?: SubnetConfiguration[];
  ServiceNetworkArn?: string;
  ResourceConfigurationArn?: string;
  ServiceRegion?: string;
}

const UNSUPPORTED_TYPES: Record<string, string> = {
  Resource: 'resource endpoints (VPC Lattice resource configurations)',
  ServiceNetwork: 'service-network endpoints (VPC Lattice service networks)',
};

/** The type the service offers endpoints of. */
function serviceEndpointType(found: UsableService): EndpointType {
  return found.kind === 'aws' ? 'Gateway' : found.service.serviceType;
}

/** The subnets of the request, from SubnetId.N and SubnetConfiguration.N, with their fixed addresses. */
function requestedSubnets(input: CreateVpcEndpointInput): { ids: string[]; ipv4: Map<string, string> } {
  const ids = [...(input.SubnetIds ?? [])];
  const ipv4 = new Map<string, string>();
  for (const [i, c] of (input.SubnetConfigurations ?? []).entries()) {
    if (!c.SubnetId) throw new ApiError('MissingParameter', `SubnetConfiguration.${i + 1}.SubnetId is required`);
    if (c.Ipv6 !== undefined) {
      throw invalidParameter(`SubnetConfiguration.${i + 1}.Ipv6 cannot be used: Underpass subnets are IPv4-only`);
    }
    if (c.Ipv4 !== undefined) {
      if (ipv4.has(c.SubnetId)) throw invalidParameter(`The subnet '${c.SubnetId}' has more than one SubnetConfiguration`);
      ipv4.set(c.SubnetId, c.Ipv4);
    }
    if (!ids.includes(c.SubnetId)) ids.push(c.SubnetId);
  }
  return { ids, ipv4 };
}

/** The account's endpoints (not deleted) whose `field` is `value` and that `keep` keeps; the store filters by the field. */
async function countEndpoints(ctx: RequestContext, field: 'vpcId' | 'type', value: string, keep: (e: EndpointDoc) => boolean): Promise<number> {
  return (await ctx.tx.listWhere('endpoint', ctx.account, field, value)).filter((e) => e.state !== 'deleted' && keep(e)).length;
}

export const createVpcEndpoint: Handler = async (ctx, raw) => {
  const input = raw as CreateVpcEndpointInput;
  const type = input.VpcEndpointType ?? 'Gateway';
  const unsupported = UNSUPPORTED_TYPES[type];
  if (unsupported) {
    throw invalidParameter(`VpcEndpointType ${type} is not supported by Underpass: ${unsupported} are not implemented. Use Interface, Gateway or GatewayLoadBalancer.`);
  }
  if (input.ServiceNetworkArn !== undefined || input.ResourceConfigurationArn !== undefined) {
    throw invalidParameter(`ServiceNetworkArn and ResourceConfigurationArn apply only to ServiceNetwork and Resource endpoints, not to ${type} endpoints.`);
  }
  if (input.ServiceName === undefined || input.ServiceName === '') {
    throw new ApiError('MissingParameter', `The request must contain the parameter ServiceName (required for ${type} endpoints)`);
  }
  const serviceName = input.ServiceName;
  const vpc = await requireOwned(ctx, 'vpc', input.VpcId);
  if (input.ServiceRegion !== undefined && input.ServiceRegion !== ctx.region) {
    throw invalidParameter(`Cross-Region endpoints are not supported by Underpass: this server serves ${ctx.region} only, and ServiceRegion is ${input.ServiceRegion}.`);
  }
  const found = await findUsableService(ctx.tx, ctx, serviceName, ctx.region);
  if (!found) throw new ApiError('InvalidServiceName', `The Vpc Endpoint Service '${serviceName}' does not exist`);
  const offered = serviceEndpointType(found);
  if (offered !== type) {
    throw invalidParameter(`Endpoint type (${type}) does not match available service types ([${offered}]).`);
  }
  checkDnsOptions(input.DnsOptions, type);
  const tags = tagsForCreate(input.TagSpecifications, 'vpc-endpoint');
  const id = newId('vpce', ctx.random);
  const common = {
    kind: 'endpoint' as const,
    id,
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    vpcId: vpc.id,
    serviceName,
    stateChangedAt: ctx.now.toISOString(),
    dnsSuffix: randomString(ctx.random, 8),
  };

  let endpoint: EndpointDoc;
  if (found.kind === 'aws') {
    endpoint = await createGateway(ctx, input, vpc, found.prefixListName, common);
  } else if (type === 'Interface') {
    endpoint = await createInterface(ctx, input, vpc, found.service, common);
  } else {
    endpoint = await createGwlb(ctx, input, vpc, found.service, common);
  }
  await ctx.tx.put(endpoint);
  return { VpcEndpoint: await presentEndpoint(ctx.tx, endpoint), ClientToken: input.ClientToken };
};

type Common = Pick<EndpointDoc, 'kind' | 'id' | 'account' | 'region' | 'createdAt' | 'tags' | 'vpcId' | 'serviceName' | 'stateChangedAt' | 'dnsSuffix'>;

function refuseFor(type: string, input: CreateVpcEndpointInput, members: Array<keyof CreateVpcEndpointInput>, why: string): void {
  for (const m of members) {
    const v = input[m];
    const given = Array.isArray(v) ? v.length > 0 : v !== undefined;
    if (given) throw invalidParameter(`${m} cannot be used with ${type} endpoints: ${why}.`);
  }
}

async function createGateway(ctx: RequestContext, input: CreateVpcEndpointInput, vpc: VpcDoc, prefixListName: string, common: Common): Promise<EndpointDoc> {
  refuseFor('Gateway', input, ['SubnetIds', 'SubnetConfigurations', 'SecurityGroupIds'], 'a gateway endpoint has no network interfaces; traffic reaches it through route tables (RouteTableId.N)');
  if (input.PrivateDnsEnabled === true) throw invalidParameter('PrivateDnsEnabled applies only to Interface endpoints; a Gateway endpoint has no private DNS.');
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') {
    throw invalidParameter(`IP address type ${input.IpAddressType} is not supported for Gateway endpoints by Underpass (IPv4 only).`);
  }
  const prefixList = awsPrefixLists(ctx.region).find((p) => p.name === prefixListName);
  if (!prefixList) throw new ApiError('InternalError', `no AWS prefix list named ${prefixListName} in ${ctx.region}`);
  const tables = await checkRouteTables(ctx, vpc, input.RouteTableIds ?? [], prefixList.id);
  const policy = input.PolicyDocument !== undefined ? validatePolicyDocument(input.PolicyDocument) : defaultPolicyFor('Gateway');
  if (await countEndpoints(ctx, 'type', 'Gateway', () => true) >= MAX_GATEWAY_ENDPOINTS_PER_REGION) {
    throw new ApiError('VpcEndpointLimitExceeded', `You have reached the limit of ${MAX_GATEWAY_ENDPOINTS_PER_REGION} gateway endpoints in ${ctx.region}. Delete an endpoint before creating another.`);
  }
  for (const t of tables) await addGatewayRoute(ctx.tx, t, prefixList.id, common.id);
  return {
    ...common,
    type: 'Gateway',
    serviceOwner: 'amazon',
    state: 'available',
    policyDocument: policy,
    routeTableIds: tables.map((t) => t.id),
    subnetIds: [],
    groupIds: [],
    networkInterfaceIds: [],
    ipAddressType: 'ipv4',
    dnsRecordIpType: 'ipv4',
    privateDnsEnabled: false,
  };
}

async function interfaceQuota(ctx: RequestContext, vpc: VpcDoc): Promise<void> {
  const n = await countEndpoints(ctx, 'vpcId', vpc.id, (e) => e.type === 'Interface' || e.type === 'GatewayLoadBalancer');
  if (n >= MAX_INTERFACE_ENDPOINTS_PER_VPC) {
    throw new ApiError('VpcEndpointLimitExceeded', `The VPC ${vpc.id} already has ${n} interface and Gateway Load Balancer endpoints, the maximum (${MAX_INTERFACE_ENDPOINTS_PER_VPC}).`);
  }
}

async function allocateAll(ctx: RequestContext, endpoint: EndpointDoc, subnets: SubnetDoc[], ipv4: Map<string, string>): Promise<EndpointInterface[]> {
  const out: EndpointInterface[] = [];
  for (const s of subnets) {
    const fixed = ipv4.get(s.id);
    out.push(await allocateEndpointEni(ctx, endpoint, s, fixed === undefined ? undefined : checkFixedAddress(s, fixed)));
  }
  return out;
}

function initialState(service: EndpointServiceDoc): 'pendingAcceptance' | 'pending' {
  return service.acceptanceRequired ? 'pendingAcceptance' : 'pending';
}

async function createInterface(ctx: RequestContext, input: CreateVpcEndpointInput, vpc: VpcDoc, service: EndpointServiceDoc, common: Common): Promise<EndpointDoc> {
  refuseFor('Interface', input, ['RouteTableIds'], 'route tables are for Gateway endpoints; an interface endpoint gets network interfaces in subnets');
  const { ids, ipv4 } = requestedSubnets(input);
  if (ids.length === 0) {
    throw new ApiError('MissingParameter', 'An Interface endpoint needs at least one subnet: give SubnetId.N (or SubnetConfiguration.N), one per availability zone.');
  }
  const subnets = await checkEndpointSubnets(ctx, { vpc, service, serviceName: common.serviceName, subnetIds: ids, kept: [] });
  const groupIds = input.SecurityGroupIds && input.SecurityGroupIds.length > 0 ? input.SecurityGroupIds : [vpc.defaultSecurityGroupId];
  if (groupIds.length > MAX_GROUPS_PER_ENDPOINT) {
    throw invalidParameter(`An endpoint can have at most ${MAX_GROUPS_PER_ENDPOINT} security groups; ${groupIds.length} were given.`);
  }
  await checkSecurityGroups(ctx, vpc, groupIds);
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  const dnsRecordIpType = input.DnsOptions?.DnsRecordIpType ?? (ipAddressType === 'ipv6' ? 'ipv6' : 'ipv4');
  checkIpTypes({ ipAddressType, dnsRecordIpType, service, serviceName: common.serviceName, subnetIds: ids });
  const state = initialState(service);
  const privateDnsEnabled = input.PrivateDnsEnabled ?? defaultPrivateDns(vpc, service, state);
  if (privateDnsEnabled) checkPrivateDns({ vpc, service, serviceName: common.serviceName, pendingAcceptance: state === 'pendingAcceptance' });
  const policy = input.PolicyDocument !== undefined ? validatePolicyDocument(input.PolicyDocument) : defaultPolicyFor('Interface');
  await interfaceQuota(ctx, vpc);
  const endpoint: EndpointDoc = {
    ...common,
    type: 'Interface',
    serviceId: service.id,
    serviceOwner: service.account,
    state,
    policyDocument: policy,
    routeTableIds: [],
    subnetIds: [],
    groupIds: [...groupIds],
    networkInterfaceIds: [],
    ipAddressType,
    dnsRecordIpType,
    privateDnsEnabled,
    connectionId: newId('vpce-con', ctx.random),
  };
  const interfaces = await allocateAll(ctx, endpoint, subnets, ipv4);
  return { ...endpoint, interfaces, subnetIds: interfaces.map((i) => i.subnetId), networkInterfaceIds: interfaces.map((i) => i.networkInterfaceId) };
}

/**
 * PrivateDnsEnabled when the request leaves it out. AWS's API reference does not state a default
 * any more (older editions said true, which is what AWS services get). Underpass turns it on only
 * when it could succeed — the service has a verified private DNS name, no acceptance is pending
 * and the VPC has both DNS attributes — and leaves it off otherwise instead of failing a request
 * that did not ask for private DNS.
 */
function defaultPrivateDns(vpc: VpcDoc, service: EndpointServiceDoc, state: string): boolean {
  return service.privateDnsName !== undefined && service.privateDnsNameConfiguration?.state === 'verified'
    && state !== 'pendingAcceptance' && vpc.enableDnsSupport && vpc.enableDnsHostnames;
}

async function createGwlb(ctx: RequestContext, input: CreateVpcEndpointInput, vpc: VpcDoc, service: EndpointServiceDoc, common: Common): Promise<EndpointDoc> {
  refuseFor('GatewayLoadBalancer', input, ['RouteTableIds'], 'traffic is steered to a Gateway Load Balancer endpoint by routes you create with CreateRoute VpcEndpointId');
  refuseFor('GatewayLoadBalancer', input, ['SecurityGroupIds'], 'Gateway Load Balancer endpoints do not support security groups');
  refuseFor('GatewayLoadBalancer', input, ['PolicyDocument'], 'Gateway Load Balancer endpoints do not support endpoint policies');
  if (input.PrivateDnsEnabled === true) throw invalidParameter('PrivateDnsEnabled applies only to Interface endpoints; Gateway Load Balancer endpoints have no private DNS.');
  const { ids, ipv4 } = requestedSubnets(input);
  if (ids.length !== 1) {
    throw invalidParameter(`A Gateway Load Balancer endpoint needs exactly one subnet; ${ids.length} were given.`);
  }
  const subnets = await checkEndpointSubnets(ctx, { vpc, service, serviceName: common.serviceName, subnetIds: ids, kept: [] });
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  checkIpTypes({ ipAddressType, dnsRecordIpType: ipAddressType === 'ipv6' ? 'ipv6' : 'ipv4', service, serviceName: common.serviceName, subnetIds: ids });
  await interfaceQuota(ctx, vpc);
  const endpoint: EndpointDoc = {
    ...common,
    type: 'GatewayLoadBalancer',
    serviceId: service.id,
    serviceOwner: service.account,
    state: initialState(service),
    routeTableIds: [],
    subnetIds: [],
    groupIds: [],
    networkInterfaceIds: [],
    ipAddressType,
    dnsRecordIpType: 'ipv4',
    privateDnsEnabled: false,
    connectionId: newId('vpce-con', ctx.random),
  };
  const interfaces = await allocateAll(ctx, endpoint, subnets, ipv4);
  return { ...endpoint, interfaces, subnetIds: interfaces.map((i) => i.subnetId), networkInterfaceIds: interfaces.map((i) => i.networkInterfaceId) };
}
