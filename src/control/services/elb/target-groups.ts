/** CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup (NLB and GWLB target groups). */
import { ApiError } from '../../../core/errors.js';
import { elbArn, hex } from '../../../core/ids.js';
import type { Handler, RequestContext } from '../../api/context.js';
import { paginate } from '../../api/paginate.js';
import type { HealthCheck, TargetGroupDoc } from '../../resources.js';
import { defaultTargetGroupAttributes } from './attributes.js';
import { accountListeners, loadBalancersOf, presentTargetGroup, presentTargetGroupIn } from './present.js';
import { checkArn, checkName, checkTags, ownedLoadBalancer, ownedTargetGroup, tgNotFound } from './validate.js';

export interface HealthCheckInput {
  HealthCheckProtocol?: string;
  HealthCheckPort?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}

const NLB_PROTOCOLS = ['TCP', 'UDP', 'TCP_UDP', 'TLS'];

function isHttp(p: string): boolean {
  return p === 'HTTP' || p === 'HTTPS';
}

function defaultTimeout(tgProtocol: string, hcProtocol: string): number {
  if (tgProtocol === 'GENEVE') return 5;
  return hcProtocol === 'HTTP' ? 6 : 10;
}

/** `200`, `200,202`, `200-299`: every code within [min, max]. */
function validMatcher(code: string, min: number, max: number): boolean {
  return code.split(',').every((part) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    return lo >= min && hi <= max && lo <= hi;
  });
}

/**
 * The health check of a target group from the request, over `base` (the current settings on
 * ModifyTargetGroup) or AWS's defaults for the protocol (CreateTargetGroup).
 */
export function buildHealthCheck(tg: Pick<TargetGroupDoc, 'protocol' | 'targetType'>, input: HealthCheckInput, base?: HealthCheck): HealthCheck {
  const protocol = input.HealthCheckProtocol ?? base?.protocol ?? 'TCP';
  if (!['TCP', 'HTTP', 'HTTPS'].includes(protocol)) {
    throw new ApiError('ValidationError', `Health check protocol '${protocol}' is not supported: use TCP, HTTP or HTTPS for target groups with the ${tg.protocol} protocol`);
  }
  const protocolChanged = base !== undefined && protocol !== base.protocol;
  const port = input.HealthCheckPort ?? base?.port ?? (tg.protocol === 'GENEVE' ? '80' : 'traffic-port');
  if (port !== 'traffic-port' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new ApiError('ValidationError', `Health check port '${port}' is not valid: use 'traffic-port' or a port from 1 to 65535`);
  }
  const enabled = input.HealthCheckEnabled ?? base?.enabled ?? true;
  if (!enabled) {
    throw new ApiError('InvalidConfigurationRequest', `Health checks cannot be disabled for target groups with target type '${tg.targetType}'`);
  }
  const interval = input.HealthCheckIntervalSeconds ?? base?.intervalSeconds ?? (tg.protocol === 'GENEVE' ? 10 : 30);
  const timeout = input.HealthCheckTimeoutSeconds ?? (protocolChanged || !base ? defaultTimeout(tg.protocol, protocol) : base.timeoutSeconds);
  if (timeout >= interval) {
    throw new ApiError('ValidationError', `Health check timeout (${timeout} s) must be smaller than the interval (${interval} s)`);
  }
  const hc: HealthCheck = {
    enabled,
    protocol,
    port,
    intervalSeconds: interval,
    timeoutSeconds: timeout,
    healthyThresholdCount: input.HealthyThresholdCount ?? base?.healthyThresholdCount ?? 5,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? base?.unhealthyThresholdCount ?? 2,
  };
  if (isHttp(protocol)) {
    const path = input.HealthCheckPath ?? (protocolChanged ? undefined : base?.path) ?? '/';
    if (!path.startsWith('/')) throw new ApiError('ValidationError', `Health check path '${path}' must begin with '/'`);
    if (input.Matcher?.GrpcCode !== undefined) throw new ApiError('ValidationError', 'gRPC matchers are supported only by Application Load Balancer target groups');
    const matcher = input.Matcher?.HttpCode ?? (protocolChanged ? undefined : base?.matcher) ?? '200-399';
    const max = tg.protocol === 'GENEVE' ? 399 : 599;
    if (!validMatcher(matcher, 200, max)) {
      throw new ApiError('ValidationError', `Health check matcher '${matcher}' is not valid: give HTTP codes from 200 to ${max} as '200', '200,202' or '200-299'`);
    }
    hc.path = path;
    hc.matcher = matcher;
  } else {
    if (input.HealthCheckPath !== undefined) throw new ApiError('ValidationError', `A health check path is supported only for HTTP and HTTPS health checks, not ${protocol}`);
    if (input.Matcher !== undefined) throw new ApiError('ValidationError', `A health check matcher is supported only for HTTP and HTTPS health checks, not ${protocol}`);
  }
  return hc;
}

interface CreateInput extends HealthCheckInput {
  Name: string;
  Protocol?: string;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
  IpAddressType?: string;
  TargetControlPort?: number;
}

export const createTargetGroup: Handler = async (ctx, input: CreateInput) => {
  checkName('Target group', input.Name);
  const targetType = (input.TargetType ?? 'instance') as TargetGroupDoc['targetType'];
  if (targetType === 'lambda' || targetType === 'alb') {
    throw new ApiError('ValidationError', `Target type '${targetType}' is not supported: Underpass serves network and gateway load balancers, whose target groups take 'ip' or 'instance' targets`);
  }
  const protocol = input.Protocol;
  if (protocol === undefined) throw new ApiError('ValidationError', `A protocol must be specified for target groups with target type '${targetType}'`);
  if (isHttp(protocol)) {
    throw new ApiError('ValidationError', `Protocol '${protocol}' is for Application Load Balancer target groups: Underpass serves network and gateway load balancers (use TCP, UDP, TCP_UDP, TLS or GENEVE)`);
  }
  if (!NLB_PROTOCOLS.includes(protocol) && protocol !== 'GENEVE') {
    throw new ApiError('ValidationError', `Protocol '${protocol}' is not supported by Underpass: use TCP, UDP, TCP_UDP, TLS or GENEVE`);
  }
  if (input.ProtocolVersion !== undefined) throw new ApiError('ValidationError', 'ProtocolVersion is supported only for HTTP and HTTPS target groups');
  if (input.TargetControlPort !== undefined) throw new ApiError('ValidationError', 'TargetControlPort is not supported by Underpass');
  if (input.Port === undefined) throw new ApiError('ValidationError', `A port must be specified for target groups with target type '${targetType}'`);
  if (protocol === 'GENEVE' && input.Port !== 6081) {
    throw new ApiError('ValidationError', `Target groups with the GENEVE protocol must use port 6081, not ${input.Port}`);
  }
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  if (ipAddressType !== 'ipv4') throw new ApiError('ValidationError', `IP address type '${ipAddressType}' is not supported by Underpass: target groups are IPv4`);
  if (input.VpcId === undefined) throw new ApiError('ValidationError', `A VPC ID must be specified for target groups with target type '${targetType}'`);
  const vpc = /^vpc-[0-9a-f]{8,17}$/.test(input.VpcId) ? await ctx.tx.get('vpc', input.VpcId) : undefined;
  if (!vpc || vpc.account !== ctx.account) throw new ApiError('ValidationError', `The VPC ID '${input.VpcId}' is not found`);
  const healthCheck = buildHealthCheck({ protocol, targetType }, input);
  const tags = checkTags(input.Tags);

  const existing = (await ctx.tx.list('target-group', ctx.account)).find((t) => t.region === ctx.region && t.name === input.Name);
  if (existing) {
    const same = existing.protocol === protocol && existing.port === input.Port && existing.vpcId === input.VpcId
      && existing.targetType === targetType && JSON.stringify(existing.healthCheck) === JSON.stringify(healthCheck);
    if (same) return { TargetGroups: [await presentTargetGroupIn(ctx, existing)] };
    throw new ApiError('DuplicateTargetGroupName', `A target group with the same name '${input.Name}' exists, but with different settings`);
  }
  const tg: TargetGroupDoc = {
    kind: 'target-group',
    id: elbArn(ctx.region, ctx.account, `targetgroup/${input.Name}/${hex(ctx.random, 16)}`),
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    name: input.Name,
    protocol,
    port: input.Port,
    vpcId: input.VpcId,
    targetType,
    ipAddressType,
    healthCheck,
    attributes: defaultTargetGroupAttributes({ protocol, targetType }),
    targets: [],
  };
  await ctx.tx.put(tg);
  return { TargetGroups: [presentTargetGroup(tg, [])] };
};

export const describeTargetGroups: Handler = async (ctx, input: { LoadBalancerArn?: string; TargetGroupArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }) => {
  const arns = input.TargetGroupArns ?? [];
  const names = input.Names ?? [];
  const given = [input.LoadBalancerArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length;
  if (given > 1) throw new ApiError('ValidationError', 'Specify only one of LoadBalancerArn, TargetGroupArns or Names');
  const listeners = await accountListeners(ctx.tx, ctx.account);
  let tgs = (await ctx.tx.list('target-group', ctx.account)).filter((t) => t.region === ctx.region);
  if (input.LoadBalancerArn !== undefined) {
    const lb = await ownedLoadBalancer(ctx, input.LoadBalancerArn);
    tgs = tgs.filter((t) => loadBalancersOf(t.id, listeners).includes(lb.id));
  } else if (arns.length) {
    for (const a of arns) checkArn('target-group', a);
    const missing = arns.filter((a) => !tgs.some((t) => t.id === a));
    if (missing.length) throw tgNotFound(missing.length === 1 ? missing[0] : undefined);
    tgs = tgs.filter((t) => arns.includes(t.id));
  } else if (names.length) {
    const missing = names.filter((n) => !tgs.some((t) => t.name === n));
    if (missing.length) throw new ApiError('TargetGroupNotFound', `Target groups '[${missing.join(', ')}]' not found`);
    tgs = tgs.filter((t) => names.includes(t.name));
  }
  const page = paginate(tgs, { scope: 'DescribeTargetGroups', maxResults: input.PageSize, token: input.Marker, code: 'ValidationError', min: 1, max: 400 });
  return { TargetGroups: page.items.map((t) => presentTargetGroup(t, loadBalancersOf(t.id, listeners))), NextMarker: page.next };
};

export const modifyTargetGroup: Handler = async (ctx, input: HealthCheckInput & { TargetGroupArn: string }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  const healthCheck = buildHealthCheck(tg, input, tg.healthCheck);
  const next = { ...tg, healthCheck };
  await ctx.tx.put(next);
  return { TargetGroups: [await presentTargetGroupIn(ctx, next)] };
};

export async function targetGroupInUse(ctx: Pick<RequestContext, 'tx'>, tg: TargetGroupDoc): Promise<boolean> {
  return loadBalancersOf(tg.id, await accountListeners(ctx.tx, tg.account)).length > 0;
}

export const deleteTargetGroup: Handler = async (ctx, input: { TargetGroupArn: string }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  if (await targetGroupInUse(ctx, tg)) {
    throw new ApiError('ResourceInUse', `Target group '${tg.id}' is currently in use by a listener or a rule`);
  }
  await ctx.tx.delete(tg.id);
  return {};
};
