/**
 * Input checks of the provider operations: load balancer ARNs, private DNS names, allowed
 * principals, IP address types and Regions. Each failure is an ApiError with AWS's code and a
 * message that names the bad value.
 */
import { ApiError } from '../../../../core/errors.js';
import { findRegion } from '../../../../core/regions.js';
import type { RequestContext } from '../../../api/context.js';
import type { EndpointServiceDoc, LoadBalancerDoc, ServicePermission } from '../../../resources.js';

export type LbKind = 'network' | 'gateway';

const LB_ARN = /^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/(net|gwy|app)\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{16})$/;

const LB_LABEL: Record<LbKind, string> = { network: 'Network Load Balancer', gateway: 'Gateway Load Balancer' };

function malformed(kind: LbKind, arn: string): ApiError {
  const message = `The ${LB_LABEL[kind]} ARN '${arn}' is malformed (expecting arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/${kind === 'network' ? 'net' : 'gwy'}/<name>/<id>)`;
  // EC2 has a Malformed code for NLB ARNs only; GWLB ARNs get the generic one.
  return kind === 'network' ? new ApiError('InvalidNetworkLoadBalancerArn.Malformed', message) : new ApiError('InvalidParameterValue', message);
}

function notFound(kind: LbKind, arn: string): ApiError {
  return kind === 'network'
    ? new ApiError('InvalidNetworkLoadBalancerArn.NotFound', `The Network Load Balancer ARN '${arn}' does not exist`)
    : new ApiError('InvalidGatewayLoadBalancerArn.NotFound', `The Gateway Load Balancer ARN '${arn}' does not exist`);
}

/**
 * The caller's load balancers of `kind` named by `arns` (duplicates removed, order kept). Another
 * account's or Region's load balancer is NotFound; a load balancer of the other kind is refused.
 */
export async function resolveLoadBalancers(ctx: RequestContext, kind: LbKind, arns: string[]): Promise<LoadBalancerDoc[]> {
  const out: LoadBalancerDoc[] = [];
  for (const arn of arns) {
    const m = LB_ARN.exec(arn);
    if (!m) throw malformed(kind, arn);
    if (out.some((lb) => lb.id === arn)) continue;
    const lb = await ctx.tx.get('load-balancer', arn);
    if (!lb || lb.account !== ctx.account || lb.region !== ctx.region) throw notFound(kind, arn);
    if (lb.type !== kind) {
      throw new ApiError('InvalidParameter', `Load balancer '${arn}' is a ${lb.type === 'network' ? 'Network' : 'Gateway'} Load Balancer; ${kind === 'network' ? 'NetworkLoadBalancerArns takes only Network Load Balancers' : 'GatewayLoadBalancerArns takes only Gateway Load Balancers'}`);
    }
    if (lb.state === 'failed') throw new ApiError('InvalidParameter', `Load balancer '${arn}' is in state failed and cannot back an endpoint service`);
    out.push(lb);
  }
  return out;
}

/** Refuses load balancers that already back another endpoint service (one that is not Deleting or Deleted). */
export async function checkNotInOtherService(ctx: RequestContext, lbs: LoadBalancerDoc[], self?: string): Promise<void> {
  if (lbs.length === 0) return;
  const services = await ctx.tx.list('endpoint-service', ctx.account);
  for (const lb of lbs) {
    const other = services.find((s) => s.id !== self && s.state !== 'Deleted' && s.state !== 'Deleting'
      && (s.networkLoadBalancerArns.includes(lb.id) || s.gatewayLoadBalancerArns.includes(lb.id)));
    if (other) {
      throw new ApiError('InvalidParameter', `Load balancer '${lb.id}' is already associated with the endpoint service ${other.id}; a load balancer can back only one endpoint service`);
    }
  }
}

/** True when every load balancer of the service can carry IPv6 (dual-stack). */
export function allDualstack(lbs: LoadBalancerDoc[]): boolean {
  return lbs.every((lb) => lb.ipAddressType === 'dualstack' || lb.ipAddressType === 'dualstack-without-public-ipv4');
}

/** Validates the supported IP address types of a service against its load balancers. */
export function checkIpAddressTypes(types: string[], lbs: LoadBalancerDoc[]): void {
  for (const t of types) {
    if (t !== 'ipv4' && t !== 'ipv6') {
      throw new ApiError('InvalidParameterValue', `Invalid supported IP address type '${t}': expecting ipv4 or ipv6`);
    }
  }
  if (types.length === 0) throw new ApiError('InvalidParameter', 'An endpoint service must support at least one IP address type (ipv4, ipv6)');
  if (types.includes('ipv6') && !allDualstack(lbs)) {
    const v4 = lbs.filter((lb) => !allDualstack([lb])).map((lb) => lb.id);
    throw new ApiError('InvalidParameter', `The supported IP address type ipv6 requires dual-stack load balancers; these are IPv4 only: ${v4.join(', ')}`);
  }
}

/**
 * Supported Regions: the service's own Region is always supported; cross-Region access is a later
 * issue, so any other Region is refused (an unknown one as an invalid value).
 */
export function checkSupportedRegions(ctx: RequestContext, regions: string[]): void {
  for (const r of regions) {
    if (r === ctx.region) continue;
    if (!findRegion(r)) throw new ApiError('InvalidParameterValue', `Invalid Region '${r}' in SupportedRegions`);
    throw new ApiError('InvalidParameter', `Cross-Region access is not supported by Underpass yet: an endpoint service in ${ctx.region} cannot be offered to ${r} (only ${ctx.region})`);
  }
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A provider's private DNS name: lowercase, at least two labels of letters, digits and inner
 * hyphens (each ≤ 63 characters), ≤ 255 characters in all, an optional `*` as the whole first label.
 */
export function checkPrivateDnsName(name: string): void {
  const fail = (why: string) => new ApiError('InvalidParameterValue', `Invalid private DNS name '${name}': ${why}`);
  if (name.length === 0) throw fail('it is empty');
  if (name.length > 255) throw fail('it is longer than 255 characters');
  if (name !== name.toLowerCase()) throw fail('it must be lowercase');
  if (name.endsWith('.')) throw fail('it must not end with a dot');
  const labels = name.split('.');
  if (labels.length < 2) throw fail('it must be a domain name with at least two labels, such as api.example.com');
  labels.forEach((label, i) => {
    if (label === '*') {
      if (i !== 0) throw fail('a wildcard (*) is allowed only as the first label');
      return;
    }
    if (label.length === 0) throw fail('it has an empty label');
    if (label.length > 63) throw fail(`the label '${label.slice(0, 20)}…' is longer than 63 characters`);
    if (!LABEL.test(label)) throw fail(`the label '${label}' may contain only a-z, 0-9 and inner hyphens`);
  });
  if (labels.length === 2 && labels[0] === '*') throw fail('a wildcard needs a domain of at least two labels below it, such as *.example.com');
}

/** The principal type of an allowed-principal entry, or an InvalidPrincipal error. */
export function principalTypeOf(principal: string): ServicePermission['principalType'] {
  if (principal === '*') return 'All';
  const m = /^arn:aws:iam::(\d{12}):(root|user\/.+|role\/.+)$/.exec(principal);
  if (!m) {
    throw new ApiError('InvalidPrincipal', `Invalid principal '${principal}': expecting '*', arn:aws:iam::<12-digit account>:root, arn:aws:iam::<account>:user/<name> or arn:aws:iam::<account>:role/<name>`);
  }
  const rest = m[2]!;
  if (rest === 'root') return 'Account';
  const [kind, ...names] = rest.split('/');
  if (names.length > 1) {
    throw new ApiError('InvalidPrincipal', `Invalid principal '${principal}': principal ARNs with paths are not supported; use ${kind}/<name>`);
  }
  const name = names[0]!;
  if (!/^[\w+=,.@-]+$/.test(name) || name.length > 64) {
    throw new ApiError('InvalidPrincipal', `Invalid principal '${principal}': '${name}' is not a valid IAM ${kind} name`);
  }
  return kind === 'user' ? 'User' : 'Role';
}

/** A service the caller may still change: not Deleting or Deleted. */
export function checkModifiable(service: EndpointServiceDoc): void {
  if (service.state === 'Deleting' || service.state === 'Deleted') {
    throw new ApiError('IncorrectState', `The endpoint service ${service.id} is in state ${service.state} and cannot be modified`);
  }
}
