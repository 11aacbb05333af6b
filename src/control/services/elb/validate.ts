/**
 * ELBv2 input checks shared by the operations: resource names, ARNs (parsing and owned lookups
 * that answer the ELB NotFound codes), tags, and target IP ranges.
 */
import { ApiError } from '../../../core/errors.js';
import { cidrContainsIp, ipToInt, parseCidr } from '../../../core/cidr.js';
import type { RequestContext } from '../../api/context.js';
import type { ListenerDoc, LoadBalancerDoc, Tag, TargetGroupDoc } from '../../resources.js';

export const MAX_ELB_TAGS = 50;

/** Name rules of load balancers and target groups: 1–32 alphanumerics and hyphens, no hyphen at either end. */
export function checkName(kind: 'Load balancer' | 'Target group', name: string): void {
  if (name.length === 0) throw new ApiError('ValidationError', `${kind} name cannot be empty`);
  if (name.length > 32) throw new ApiError('ValidationError', `${kind} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw new ApiError('ValidationError', `${kind} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) throw new ApiError('ValidationError', `${kind} name '${name}' cannot begin or end with '-'`);
  if (kind === 'Load balancer' && name.toLowerCase().startsWith('internal-')) {
    throw new ApiError('ValidationError', `Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}

export type ArnKind = 'load-balancer' | 'target-group' | 'listener';

const ARN_RE = {
  'load-balancer': /^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/(net|gwy|app)\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{16})$/,
  'target-group': /^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):targetgroup\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{16})$/,
  listener: /^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):listener\/(net|gwy|app)\/([A-Za-z0-9-]{1,32})\/([0-9a-f]{16})\/([0-9a-f]{16})$/,
} as const;

const LABEL: Record<ArnKind, string> = { 'load-balancer': 'load balancer', 'target-group': 'target group', listener: 'listener' };

/** Which ELB resource an ARN names, or undefined when it is not a well-formed ELBv2 ARN. */
export function arnKind(arn: string): ArnKind | undefined {
  for (const k of Object.keys(ARN_RE) as ArnKind[]) if (ARN_RE[k].test(arn)) return k;
  return undefined;
}

export function checkArn(kind: ArnKind, arn: string): void {
  if (!ARN_RE[kind].test(arn)) throw new ApiError('ValidationError', `'${arn}' is not a valid ${LABEL[kind]} ARN`);
}

export function lbNotFound(arn?: string): ApiError {
  return new ApiError('LoadBalancerNotFound', arn ? `Load balancer '${arn}' not found` : 'One or more load balancers not found');
}
export function tgNotFound(arn?: string): ApiError {
  return new ApiError('TargetGroupNotFound', arn ? `Target group '${arn}' not found` : 'One or more target groups not found');
}
export function listenerNotFound(arn?: string): ApiError {
  return new ApiError('ListenerNotFound', arn ? `Listener '${arn}' not found` : 'One or more listeners not found');
}

/** The caller's load balancer; another account's answers LoadBalancerNotFound like a missing one. */
export async function ownedLoadBalancer(ctx: RequestContext, arn: string): Promise<LoadBalancerDoc> {
  checkArn('load-balancer', arn);
  const doc = await ctx.tx.get('load-balancer', arn);
  if (!doc || doc.account !== ctx.account) throw lbNotFound(arn);
  return doc;
}

export async function ownedTargetGroup(ctx: RequestContext, arn: string): Promise<TargetGroupDoc> {
  checkArn('target-group', arn);
  const doc = await ctx.tx.get('target-group', arn);
  if (!doc || doc.account !== ctx.account) throw tgNotFound(arn);
  return doc;
}

export async function ownedListener(ctx: RequestContext, arn: string): Promise<ListenerDoc> {
  checkArn('listener', arn);
  const doc = await ctx.tx.get('listener', arn);
  if (!doc || doc.account !== ctx.account) throw listenerNotFound(arn);
  return doc;
}

/** ELBv2 tag rules: DuplicateTagKeys, TooManyTags, no `aws:` keys. */
export function checkTags(tags: Array<{ Key?: string; Value?: string }> | undefined): Tag[] {
  const out: Tag[] = [];
  for (const t of tags ?? []) {
    const key = t.Key ?? '';
    if (key === '') throw new ApiError('ValidationError', 'Tag keys must not be empty');
    if (key.toLowerCase().startsWith('aws:')) throw new ApiError('ValidationError', `Tag key '${key}' is reserved: keys starting with 'aws:' are for AWS use`);
    if (out.some((o) => o.Key === key)) throw new ApiError('DuplicateTagKeys', `Tag key was specified more than once: ${key}`);
    out.push({ Key: key, Value: t.Value ?? '' });
  }
  if (out.length > MAX_ELB_TAGS) throw new ApiError('TooManyTags', `A resource can have at most ${MAX_ELB_TAGS} tags; the request has ${out.length}`);
  return out;
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => parseCidr(c)!);

/** True for RFC 1918 and RFC 6598 addresses, the ranges an `ip` target outside the VPC may use. */
export function isPrivateRange(ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && PRIVATE_RANGES.some((c) => cidrContainsIp(c, n));
}

export function inCidr(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipToInt(ip);
  return c !== undefined && n !== undefined && cidrContainsIp(c, n);
}

/** `true`/`false` attribute values. */
export function isBool(v: string): boolean {
  return v === 'true' || v === 'false';
}

export function intIn(v: string, min: number, max: number): boolean {
  if (!/^-?\d{1,9}$/.test(v)) return false;
  const n = Number(v);
  return n >= min && n <= max;
}
