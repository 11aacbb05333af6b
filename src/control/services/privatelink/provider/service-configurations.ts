/**
 * Create/Modify/Describe/DeleteVpcEndpointServiceConfiguration(s) and
 * ModifyVpcEndpointServicePayerResponsibility: the provider's endpoint services.
 */
import { ApiError } from '../../../../core/errors.js';
import { newId, randomMixedString, randomString } from '../../../../core/ids.js';
import { applyFilters } from '../../../api/filters.js';
import type { Filter } from '../../../api/filters.js';
import type { Handler, RequestContext } from '../../../api/context.js';
import { paginate } from '../../../api/paginate.js';
import { tagsForCreate, type TagSpecification } from '../../../api/tags.js';
import type { EndpointServiceDoc, PrivateDnsNameConfiguration } from '../../../resources.js';
import { checkIdFormat, ID_KINDS, requireOwned } from '../../shared.js';
import { serviceNameFor } from '../access.js';
import { presentServiceConfiguration, serviceLoadBalancers } from './present.js';
import {
  checkIpAddressTypes, checkModifiable, checkNotInOtherService, checkPrivateDnsName, checkSupportedRegions,
  resolveLoadBalancers,
} from './validate.js';

/** Endpoint states that keep a service from being deleted. */
export const ACTIVE_ENDPOINT_STATES = new Set(['available', 'pending', 'pendingAcceptance']);

function newPrivateDnsConfig(ctx: RequestContext): PrivateDnsNameConfiguration {
  return {
    state: 'pendingVerification',
    type: 'TXT',
    name: `_${randomString(ctx.random, 20)}`,
    value: `vpce:${randomMixedString(ctx.random, 20)}`,
  };
}

function unique(list: string[] | undefined): string[] {
  return [...new Set(list ?? [])];
}

interface CreateInput {
  AcceptanceRequired?: boolean;
  PrivateDnsName?: string;
  NetworkLoadBalancerArns?: string[];
  GatewayLoadBalancerArns?: string[];
  SupportedIpAddressTypes?: string[];
  SupportedRegions?: string[];
  ClientToken?: string;
  TagSpecifications?: TagSpecification[];
}

export const createVpcEndpointServiceConfiguration: Handler = async (ctx, input: CreateInput) => {
  const nlbArns = input.NetworkLoadBalancerArns ?? [];
  const gwlbArns = input.GatewayLoadBalancerArns ?? [];
  if (nlbArns.length === 0 && gwlbArns.length === 0) {
    throw new ApiError('InvalidParameter', 'Exactly one of NetworkLoadBalancerArns or GatewayLoadBalancerArns is required; neither was given');
  }
  if (nlbArns.length > 0 && gwlbArns.length > 0) {
    throw new ApiError('InvalidParameter', 'Exactly one of NetworkLoadBalancerArns or GatewayLoadBalancerArns is required; a service cannot mix Network and Gateway Load Balancers');
  }
  const kind = nlbArns.length > 0 ? 'network' : 'gateway';
  const serviceType = kind === 'network' ? 'Interface' : 'GatewayLoadBalancer';
  const lbs = await resolveLoadBalancers(ctx, kind, kind === 'network' ? nlbArns : gwlbArns);
  await checkNotInOtherService(ctx, lbs);
  if (input.PrivateDnsName !== undefined) {
    if (serviceType !== 'Interface') throw new ApiError('InvalidParameter', 'Private DNS names are not supported for Gateway Load Balancer endpoint services');
    checkPrivateDnsName(input.PrivateDnsName);
  }
  const ipTypes = input.SupportedIpAddressTypes ? unique(input.SupportedIpAddressTypes) : ['ipv4'];
  checkIpAddressTypes(ipTypes, lbs);
  checkSupportedRegions(ctx, unique(input.SupportedRegions));
  const tags = tagsForCreate(input.TagSpecifications, 'vpc-endpoint-service');

  const id = newId('vpce-svc', ctx.random);
  const now = ctx.now.toISOString();
  const doc: EndpointServiceDoc = {
    kind: 'endpoint-service',
    id,
    account: ctx.account,
    region: ctx.region,
    createdAt: now,
    tags,
    serviceName: serviceNameFor(ctx.region, id),
    serviceType,
    state: 'Pending',
    stateChangedAt: now,
    // The API's default, like the console's, is to require acceptance.
    acceptanceRequired: input.AcceptanceRequired ?? true,
    networkLoadBalancerArns: kind === 'network' ? lbs.map((lb) => lb.id) : [],
    gatewayLoadBalancerArns: kind === 'gateway' ? lbs.map((lb) => lb.id) : [],
    supportedIpAddressTypes: ipTypes,
    permissions: [],
  };
  if (input.PrivateDnsName !== undefined) {
    doc.privateDnsName = input.PrivateDnsName;
    doc.privateDnsNameConfiguration = newPrivateDnsConfig(ctx);
  }
  await ctx.tx.put(doc);
  return { ServiceConfiguration: await presentServiceConfiguration(ctx.tx, doc), ClientToken: input.ClientToken };
};

interface ModifyInput {
  ServiceId: string;
  PrivateDnsName?: string;
  RemovePrivateDnsName?: boolean;
  AcceptanceRequired?: boolean;
  AddNetworkLoadBalancerArns?: string[];
  RemoveNetworkLoadBalancerArns?: string[];
  AddGatewayLoadBalancerArns?: string[];
  RemoveGatewayLoadBalancerArns?: string[];
  AddSupportedIpAddressTypes?: string[];
  RemoveSupportedIpAddressTypes?: string[];
  AddSupportedRegions?: string[];
  RemoveSupportedRegions?: string[];
}

export const modifyVpcEndpointServiceConfiguration: Handler = async (ctx, input: ModifyInput) => {
  const current = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  checkModifiable(current);
  const doc: EndpointServiceDoc = structuredClone(current);
  const isInterface = doc.serviceType === 'Interface';

  if (input.PrivateDnsName !== undefined && input.RemovePrivateDnsName === true) {
    throw new ApiError('InvalidParameterCombination', 'PrivateDnsName and RemovePrivateDnsName cannot be used together');
  }

  // Load balancers.
  const addNlb = unique(input.AddNetworkLoadBalancerArns);
  const removeNlb = unique(input.RemoveNetworkLoadBalancerArns);
  const addGwlb = unique(input.AddGatewayLoadBalancerArns);
  const removeGwlb = unique(input.RemoveGatewayLoadBalancerArns);
  if (isInterface && (addGwlb.length > 0 || removeGwlb.length > 0)) {
    throw new ApiError('InvalidParameter', `The endpoint service ${doc.id} is an Interface service backed by Network Load Balancers; it takes no Gateway Load Balancers`);
  }
  if (!isInterface && (addNlb.length > 0 || removeNlb.length > 0)) {
    throw new ApiError('InvalidParameter', `The endpoint service ${doc.id} is a GatewayLoadBalancer service; it takes no Network Load Balancers`);
  }
  const kind = isInterface ? 'network' : 'gateway';
  const add = isInterface ? addNlb : addGwlb;
  const remove = isInterface ? removeNlb : removeGwlb;
  const both = add.find((a) => remove.includes(a));
  if (both) throw new ApiError('InvalidParameter', `Load balancer '${both}' cannot be both added to and removed from the service`);
  const added = await resolveLoadBalancers(ctx, kind, add);
  await checkNotInOtherService(ctx, added, doc.id);
  const arns = isInterface ? doc.networkLoadBalancerArns : doc.gatewayLoadBalancerArns;
  for (const arn of remove) {
    if (!arns.includes(arn)) throw new ApiError('InvalidParameter', `Load balancer '${arn}' is not associated with the endpoint service ${doc.id}`);
  }
  const nextArns = arns.filter((a) => !remove.includes(a)).concat(added.map((lb) => lb.id).filter((a) => !arns.includes(a)));
  if (nextArns.length === 0) {
    throw new ApiError('InvalidParameter', `The endpoint service ${doc.id} needs at least one load balancer; the last one cannot be removed`);
  }
  if (isInterface) doc.networkLoadBalancerArns = nextArns;
  else doc.gatewayLoadBalancerArns = nextArns;

  // IP address types, checked against the resulting load balancers.
  const addTypes = unique(input.AddSupportedIpAddressTypes);
  const removeTypes = unique(input.RemoveSupportedIpAddressTypes);
  for (const t of [...addTypes, ...removeTypes]) {
    if (t !== 'ipv4' && t !== 'ipv6') throw new ApiError('InvalidParameterValue', `Invalid supported IP address type '${t}': expecting ipv4 or ipv6`);
  }
  const bothType = addTypes.find((t) => removeTypes.includes(t));
  if (bothType) throw new ApiError('InvalidParameter', `The IP address type ${bothType} cannot be both added and removed`);
  for (const t of removeTypes) {
    if (!doc.supportedIpAddressTypes.includes(t)) throw new ApiError('InvalidParameter', `The endpoint service ${doc.id} does not support the IP address type ${t}`);
  }
  doc.supportedIpAddressTypes = doc.supportedIpAddressTypes.filter((t) => !removeTypes.includes(t))
    .concat(addTypes.filter((t) => !doc.supportedIpAddressTypes.includes(t)));
  checkIpAddressTypes(doc.supportedIpAddressTypes, await serviceLoadBalancers(ctx.tx, doc));

  // Regions: only the service's own, which cannot be removed.
  checkSupportedRegions(ctx, unique(input.AddSupportedRegions));
  for (const r of unique(input.RemoveSupportedRegions)) {
    if (r === ctx.region) throw new ApiError('InvalidParameter', `The Region ${r} is the endpoint service's own Region and cannot be removed from its supported Regions`);
    checkSupportedRegions(ctx, [r]);
  }

  if (input.AcceptanceRequired !== undefined) doc.acceptanceRequired = input.AcceptanceRequired;

  if (input.PrivateDnsName !== undefined) {
    if (!isInterface) throw new ApiError('InvalidParameter', 'Private DNS names are not supported for Gateway Load Balancer endpoint services');
    checkPrivateDnsName(input.PrivateDnsName);
    doc.privateDnsName = input.PrivateDnsName;
    doc.privateDnsNameConfiguration = newPrivateDnsConfig(ctx);
  } else if (input.RemovePrivateDnsName === true) {
    delete doc.privateDnsName;
    delete doc.privateDnsNameConfiguration;
  }

  await ctx.tx.put(doc);
  return { Return: true };
};

interface DescribeInput { ServiceIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }

export const describeVpcEndpointServiceConfigurations: Handler = async (ctx, input: DescribeInput) => {
  let services: EndpointServiceDoc[];
  if (input.ServiceIds && input.ServiceIds.length > 0) {
    services = [];
    for (const id of unique(input.ServiceIds)) services.push(await requireOwned(ctx, 'endpoint-service', id));
  } else {
    services = (await ctx.tx.list('endpoint-service', ctx.account)).filter((s) => s.region === ctx.region);
  }
  const filtered = applyFilters(services, input.Filters, {
    'service-name': (s) => s.serviceName,
    'service-id': (s) => s.id,
    'service-state': (s) => s.state,
    'supported-ip-address-types': (s) => s.supportedIpAddressTypes,
  }, (s) => s.tags);
  const page = paginate(filtered, {
    scope: 'DescribeVpcEndpointServiceConfigurations', maxResults: input.MaxResults, token: input.NextToken, min: 5, max: 1000,
  });
  const out = [];
  for (const s of page.items) out.push(await presentServiceConfiguration(ctx.tx, s));
  return { ServiceConfigurations: out, NextToken: page.next };
};

function unsuccessful(id: string, code: string, message: string): Record<string, unknown> {
  return { ResourceId: id, Error: { Code: code, Message: message } };
}

export const deleteVpcEndpointServiceConfigurations: Handler = async (ctx, input: { ServiceIds: string[] }) => {
  const failures: Record<string, unknown>[] = [];
  const endpoints = await ctx.tx.list('endpoint');
  for (const id of unique(input.ServiceIds)) {
    try {
      checkIdFormat('endpoint-service', id);
    } catch (e) {
      failures.push(unsuccessful(id, ID_KINDS['endpoint-service'].malformed, (e as Error).message));
      continue;
    }
    const service = await ctx.tx.get('endpoint-service', id);
    if (!service || service.account !== ctx.account || service.state === 'Deleted') {
      failures.push(unsuccessful(id, 'InvalidVpcEndpointService.NotFound', `The VpcEndpointService Id '${id}' does not exist`));
      continue;
    }
    if (service.state === 'Deleting') continue;
    if (endpoints.some((e) => e.serviceId === id && ACTIVE_ENDPOINT_STATES.has(e.state))) {
      failures.push(unsuccessful(id, 'ExistingVpcEndpointConnections', 'Service has existing active VPC Endpoint connections!'));
      continue;
    }
    await ctx.tx.put({ ...structuredClone(service), state: 'Deleting', stateChangedAt: ctx.now.toISOString() });
  }
  return { Unsuccessful: failures };
};

export const modifyVpcEndpointServicePayerResponsibility: Handler = async (ctx, input: { ServiceId: string; PayerResponsibility: 'ServiceOwner' }) => {
  const service = await requireOwned(ctx, 'endpoint-service', input.ServiceId);
  checkModifiable(service);
  if (input.PayerResponsibility !== 'ServiceOwner') {
    throw new ApiError('InvalidParameterValue', `Invalid PayerResponsibility '${String(input.PayerResponsibility)}': the only value is ServiceOwner`);
  }
  if (service.payerResponsibility !== 'ServiceOwner') {
    await ctx.tx.put({ ...structuredClone(service), payerResponsibility: 'ServiceOwner' });
  }
  return { ReturnValue: true };
};
