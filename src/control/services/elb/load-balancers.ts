/** CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer for network and gateway load balancers. */
import { ApiError } from '../../../core/errors.js';
import { ipToInt, isReservedInSubnet, parseCidr } from '../../../core/cidr.js';
import { hex, elbArn } from '../../../core/ids.js';
import type { Handler, RequestContext } from '../../api/context.js';
import { paginate } from '../../api/paginate.js';
import type { LoadBalancerDoc, LoadBalancerZone, SecurityGroupDoc, SubnetDoc } from '../../resources.js';
import { allocateEni, releaseEni } from '../shared.js';
import { defaultLoadBalancerAttributes } from './attributes.js';
import { presentLoadBalancer } from './present.js';
import { checkArn, checkName, checkTags, inCidr, lbNotFound } from './validate.js';

/** Route 53 hosted zones of Network Load Balancer DNS names, per region (AWS's published values). */
const NLB_HOSTED_ZONES: Record<string, string> = {
  'us-east-1': 'Z26RNL4JYFTOTI', 'us-east-2': 'ZLMOA37VPKANP', 'us-west-1': 'Z24FKFUX50B4VW', 'us-west-2': 'Z18D5FSROUN65G',
  'ca-central-1': 'Z2EPGBW3API2WT', 'eu-west-1': 'Z2IFOLAFXWLO4F', 'eu-west-2': 'ZD4D7Y8KGAS4G', 'eu-west-3': 'Z1CMS0P5QUZ6D5',
  'eu-central-1': 'Z3F0SRJ5LGBH90', 'eu-north-1': 'Z1UDT6IFJ4EJM', 'ap-south-1': 'ZVDDRBQ08TROA', 'ap-northeast-1': 'Z31USIVHYNEOWT',
  'ap-northeast-2': 'ZIBE1TIR4HY56', 'ap-southeast-1': 'ZKVM4W9LS7TM', 'ap-southeast-2': 'ZCT6FZBF4DROD', 'sa-east-1': 'ZTK26PT1VY4CU',
};

export function nlbHostedZone(region: string): string {
  return NLB_HOSTED_ZONES[region] ?? NLB_HOSTED_ZONES['us-east-1']!;
}

interface SubnetMappingInput { SubnetId?: string; AllocationId?: string; PrivateIPv4Address?: string; IPv6Address?: string; SourceNatIpv6Prefix?: string }

interface CreateInput {
  Name: string;
  Subnets?: string[];
  SubnetMappings?: SubnetMappingInput[];
  SecurityGroups?: string[];
  Scheme?: 'internet-facing' | 'internal';
  Tags?: Array<{ Key?: string; Value?: string }>;
  Type?: 'application' | 'network' | 'gateway';
  IpAddressType?: string;
  CustomerOwnedIpv4Pool?: string;
  EnablePrefixForIpv6SourceNat?: string;
  IpamPools?: unknown;
}

async function subnetOf(ctx: RequestContext, id: string): Promise<SubnetDoc> {
  const s = /^subnet-[0-9a-f]{8,17}$/.test(id) ? await ctx.tx.get('subnet', id) : undefined;
  if (!s || s.account !== ctx.account) throw new ApiError('SubnetNotFound', `The subnet ID '${id}' is not valid`);
  return s;
}

async function securityGroupOf(ctx: RequestContext, id: string, vpcId: string): Promise<SecurityGroupDoc> {
  const sg = /^sg-[0-9a-f]{8,17}$/.test(id) ? await ctx.tx.get('security-group', id) : undefined;
  if (!sg || sg.account !== ctx.account) throw new ApiError('InvalidSecurityGroup', `Security group '${id}' does not exist`);
  if (sg.vpcId !== vpcId) throw new ApiError('InvalidSecurityGroup', `Security group '${id}' is in VPC '${sg.vpcId}', not in the load balancer's VPC '${vpcId}'`);
  return sg;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

export const createLoadBalancer: Handler = async (ctx, input: CreateInput) => {
  const type = input.Type ?? 'application';
  if (type === 'application') {
    throw new ApiError('ValidationError', "Underpass serves network and gateway load balancers only: set Type to 'network' or 'gateway' (Application Load Balancers are not supported)");
  }
  checkName('Load balancer', input.Name);
  if (input.CustomerOwnedIpv4Pool !== undefined) throw new ApiError('ValidationError', 'CustomerOwnedIpv4Pool is for Application Load Balancers on Outposts only');
  if (input.IpamPools !== undefined) throw new ApiError('ValidationError', 'IpamPools is not supported by Underpass: load balancer node addresses come from the subnets');
  if (input.EnablePrefixForIpv6SourceNat === 'on') throw new ApiError('ValidationError', 'EnablePrefixForIpv6SourceNat is not supported by Underpass (IPv4 only)');
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  if (ipAddressType === 'dualstack-without-public-ipv4') {
    throw new ApiError('ValidationError', "IP address type 'dualstack-without-public-ipv4' is supported only by Application Load Balancers");
  }
  let scheme: 'internet-facing' | 'internal' = input.Scheme ?? 'internet-facing';
  if (type === 'gateway') {
    if (input.Scheme !== undefined) throw new ApiError('InvalidConfigurationRequest', 'Gateway Load Balancers do not support a scheme');
    if (input.SecurityGroups?.length) throw new ApiError('InvalidConfigurationRequest', 'Security groups are not supported for load balancers with type \'gateway\'');
    scheme = 'internal';
  }
  const tags = checkTags(input.Tags);

  if (input.Subnets?.length && input.SubnetMappings?.length) {
    throw new ApiError('ValidationError', 'You can specify subnets or subnet mappings, not both');
  }
  const mappings: SubnetMappingInput[] = input.SubnetMappings?.length
    ? input.SubnetMappings
    : (input.Subnets ?? []).map((s) => ({ SubnetId: s }));
  if (mappings.length === 0) throw new ApiError('ValidationError', 'At least one subnet must be specified');
  const subnets: SubnetDoc[] = [];
  for (const m of mappings) {
    if (!m.SubnetId) throw new ApiError('ValidationError', 'Every subnet mapping needs a SubnetId');
    if (m.AllocationId !== undefined) throw new ApiError('InvalidConfigurationRequest', 'Elastic IP allocations are not supported by Underpass: load balancer nodes have private addresses only');
    if (m.IPv6Address !== undefined || m.SourceNatIpv6Prefix !== undefined) throw new ApiError('InvalidConfigurationRequest', 'IPv6 subnet mapping addresses are not supported by Underpass');
    const s = await subnetOf(ctx, m.SubnetId);
    if (subnets.some((x) => x.id === s.id)) throw new ApiError('ValidationError', `Subnet '${s.id}' is specified more than once`);
    if (subnets.length && s.vpcId !== subnets[0]!.vpcId) {
      throw new ApiError('InvalidConfigurationRequest', `All subnets must belong to the same VPC: '${s.id}' is in '${s.vpcId}', '${subnets[0]!.id}' in '${subnets[0]!.vpcId}'`);
    }
    if (subnets.some((x) => x.availabilityZone === s.availabilityZone)) {
      throw new ApiError('InvalidConfigurationRequest', `A load balancer cannot be attached to multiple subnets in the same Availability Zone (${s.availabilityZone})`);
    }
    if (m.PrivateIPv4Address !== undefined) {
      if (type === 'gateway') throw new ApiError('InvalidConfigurationRequest', 'Gateway Load Balancers do not accept private IPv4 addresses in subnet mappings');
      if (!inCidr(s.cidrBlock, m.PrivateIPv4Address)) {
        throw new ApiError('InvalidConfigurationRequest', `Private IPv4 address '${m.PrivateIPv4Address}' is not in the CIDR block ${s.cidrBlock} of subnet '${s.id}'`);
      }
      if (isReservedInSubnet(parseCidr(s.cidrBlock)!, ipToInt(m.PrivateIPv4Address)!)) {
        throw new ApiError('InvalidConfigurationRequest',
          `Private IPv4 address '${m.PrivateIPv4Address}' is reserved by AWS in subnet '${s.id}' (the first four addresses and the last one of ${s.cidrBlock})`);
      }
    }
    subnets.push(s);
  }
  const vpcId = subnets[0]!.vpcId;
  const securityGroups = [...new Set(input.SecurityGroups ?? [])];
  for (const g of securityGroups) await securityGroupOf(ctx, g, vpcId);

  const mine = (await ctx.tx.list('load-balancer', ctx.account)).filter((l) => l.region === ctx.region);
  const existing = mine.find((l) => l.name === input.Name);
  if (existing) {
    const same = existing.type === type && existing.scheme === scheme && existing.ipAddressType === ipAddressType
      && sameSet(existing.zones.map((z) => z.subnetId), subnets.map((s) => s.id)) && sameSet(existing.securityGroups, securityGroups);
    if (same) return { LoadBalancers: [presentLoadBalancer(existing)] };
    throw new ApiError('DuplicateLoadBalancerName', `A load balancer with the name '${input.Name}' already exists with different settings`);
  }

  const id = hex(ctx.random, 16);
  const arn = elbArn(ctx.region, ctx.account, `loadbalancer/${type === 'network' ? 'net' : 'gwy'}/${input.Name}/${id}`);
  const zones: LoadBalancerZone[] = [];
  for (const [i, s] of subnets.entries()) {
    const pinned = mappings[i]!.PrivateIPv4Address;
    if (pinned !== undefined) {
      const taken = (await ctx.tx.list('network-interface', s.account)).some((e) => e.subnetId === s.id && e.privateIpAddress === pinned);
      if (taken) throw new ApiError('InvalidConfigurationRequest', `Private IPv4 address '${pinned}' is already in use in subnet '${s.id}'`);
    }
    let eni;
    try {
      eni = await allocateEni(ctx, {
        subnet: s,
        interfaceType: type === 'network' ? 'network_load_balancer' : 'gateway_load_balancer',
        description: `ELB ${type === 'network' ? 'net' : 'gwy'}/${input.Name}/${id}`,
        requesterId: 'amazon-elb',
        groupIds: securityGroups,
        ownerResourceId: arn,
        privateIpAddress: pinned,
      });
    } catch (e) {
      if (e instanceof ApiError) throw new ApiError('InvalidSubnet', `Cannot place a load balancer node in subnet '${s.id}': ${e.message}`);
      throw e;
    }
    zones.push({
      subnetId: s.id, availabilityZone: s.availabilityZone, availabilityZoneId: s.availabilityZoneId,
      networkInterfaceId: eni.id, privateIpv4Address: eni.privateIpAddress,
    });
  }
  const lb: LoadBalancerDoc = {
    kind: 'load-balancer',
    id: arn,
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    name: input.Name,
    type,
    scheme,
    ipAddressType,
    vpcId,
    dnsName: type === 'network' ? `${input.Name}-${id}.elb.${ctx.region}.amazonaws.com` : '',
    canonicalHostedZoneId: type === 'network' ? nlbHostedZone(ctx.region) : '',
    state: 'provisioning',
    zones,
    securityGroups,
    enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: securityGroups.length ? 'on' : undefined,
    attributes: defaultLoadBalancerAttributes({ type, scheme }),
  };
  await ctx.tx.put(lb);
  return { LoadBalancers: [presentLoadBalancer(lb)] };
};

export const describeLoadBalancers: Handler = async (ctx, input: { LoadBalancerArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }) => {
  const arns = input.LoadBalancerArns ?? [];
  const names = input.Names ?? [];
  if (arns.length && names.length) throw new ApiError('ValidationError', 'Load balancer names and load balancer ARNs cannot be specified at the same time');
  if (arns.length > 20) throw new ApiError('ValidationError', `At most 20 load balancer ARNs can be given; got ${arns.length}`);
  if (names.length > 20) throw new ApiError('ValidationError', `At most 20 load balancer names can be given; got ${names.length}`);
  let lbs = (await ctx.tx.list('load-balancer', ctx.account)).filter((l) => l.region === ctx.region);
  if (arns.length) {
    for (const a of arns) checkArn('load-balancer', a);
    const missing = arns.filter((a) => !lbs.some((l) => l.id === a));
    if (missing.length) throw lbNotFound(missing.length === 1 ? missing[0] : undefined);
    lbs = lbs.filter((l) => arns.includes(l.id));
  } else if (names.length) {
    const missing = names.filter((n) => !lbs.some((l) => l.name === n));
    if (missing.length) throw new ApiError('LoadBalancerNotFound', `Load balancers '[${missing.join(', ')}]' not found`);
    lbs = lbs.filter((l) => names.includes(l.name));
  }
  const page = paginate(lbs, { scope: 'DescribeLoadBalancers', maxResults: input.PageSize, token: input.Marker, code: 'ValidationError', min: 1, max: 400 });
  return { LoadBalancers: page.items.map(presentLoadBalancer), NextMarker: page.next };
};

/** Releases the node ENIs and deletes the load balancer with its listeners. */
export async function removeLoadBalancer(ctx: Pick<RequestContext, 'tx'>, lb: LoadBalancerDoc): Promise<void> {
  for (const l of await ctx.tx.list('listener', lb.account)) if (l.loadBalancerArn === lb.id) await ctx.tx.delete(l.id);
  for (const z of lb.zones) await releaseEni(ctx, z.networkInterfaceId);
  await ctx.tx.delete(lb.id);
}

export const deleteLoadBalancer: Handler = async (ctx, input: { LoadBalancerArn: string }) => {
  checkArn('load-balancer', input.LoadBalancerArn);
  const lb = await ctx.tx.get('load-balancer', input.LoadBalancerArn);
  // AWS: deleting a load balancer that does not exist (or was already deleted) succeeds.
  if (!lb || lb.account !== ctx.account) return {};
  if (lb.attributes['deletion_protection.enabled'] === 'true') {
    throw new ApiError('OperationNotPermitted', `Load balancer '${lb.id}' cannot be deleted because deletion protection is enabled`);
  }
  const services = await ctx.tx.list('endpoint-service');
  if (services.some((s) => s.state !== 'Deleted' && (s.networkLoadBalancerArns.includes(lb.id) || s.gatewayLoadBalancerArns.includes(lb.id)))) {
    throw new ApiError('ResourceInUse', `Load balancer '${lb.id}' cannot be deleted because it is currently associated with another service`);
  }
  await removeLoadBalancer(ctx, lb);
  return {};
};
