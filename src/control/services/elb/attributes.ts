/**
 * Load balancer, target group and listener attributes: the keys each kind supports with AWS's
 * defaults and value rules, and the Describe/Modify…Attributes operations.
 */
import { ApiError } from '../../../core/errors.js';
import type { Handler } from '../../api/context.js';
import type { ListenerDoc, LoadBalancerDoc, TargetGroupDoc } from '../../resources.js';
import { intIn, isBool, ownedListener, ownedLoadBalancer, ownedTargetGroup } from './validate.js';

/** A value rule: undefined when valid, else why not. */
type Rule = (v: string) => string | undefined;

const bool: Rule = (v) => (isBool(v) ? undefined : "must be 'true' or 'false'");
const int = (min: number, max: number): Rule => (v) => (intIn(v, min, max) ? undefined : `must be an integer from ${min} to ${max}`);
const oneOf = (...values: string[]): Rule => (v) => (values.includes(v) ? undefined : `must be one of: ${values.join(', ')}`);
const any: Rule = () => undefined;
const countOrOff: Rule = (v) => (v === 'off' || intIn(v, 1, 1_000_000) ? undefined : "must be 'off' or a positive integer");
const percentOrOff: Rule = (v) => (v === 'off' || intIn(v, 1, 100) ? undefined : "must be 'off' or an integer from 1 to 100");

interface AttrSpec { default: string; rule: Rule }

/** Load balancer attributes by type, in the order DescribeLoadBalancerAttributes lists them. */
export function loadBalancerAttributeSpecs(lb: Pick<LoadBalancerDoc, 'type' | 'scheme'>): Record<string, AttrSpec> {
  if (lb.type === 'gateway') {
    return {
      'deletion_protection.enabled': { default: 'false', rule: bool },
      'load_balancing.cross_zone.enabled': { default: 'false', rule: bool },
    };
  }
  return {
    'access_logs.s3.enabled': { default: 'false', rule: bool },
    'access_logs.s3.bucket': { default: '', rule: any },
    'access_logs.s3.prefix': { default: '', rule: any },
    'deletion_protection.enabled': { default: 'false', rule: bool },
    'load_balancing.cross_zone.enabled': { default: 'false', rule: bool },
    'ipv6.deny_all_igw_traffic': { default: lb.scheme === 'internal' ? 'true' : 'false', rule: bool },
    'dns_record.client_routing_policy': {
      default: 'any_availability_zone',
      rule: oneOf('availability_zone_affinity', 'partial_availability_zone_affinity', 'any_availability_zone'),
    },
    'zonal_shift.config.enabled': { default: 'false', rule: bool },
    'secondary_ips.auto_assigned.per_subnet': { default: '0', rule: int(0, 7) },
  };
}

export function defaultLoadBalancerAttributes(lb: Pick<LoadBalancerDoc, 'type' | 'scheme'>): Record<string, string> {
  return Object.fromEntries(Object.entries(loadBalancerAttributeSpecs(lb)).map(([k, s]) => [k, s.default]));
}

function isNetworkProtocol(p: string): boolean {
  return p !== 'GENEVE';
}

/** Target group attributes by protocol and target type, in Describe order. */
export function targetGroupAttributeSpecs(tg: Pick<TargetGroupDoc, 'protocol' | 'targetType'>): Record<string, AttrSpec> {
  if (!isNetworkProtocol(tg.protocol)) {
    return {
      'deregistration_delay.timeout_seconds': { default: '300', rule: int(0, 3600) },
      'stickiness.enabled': { default: 'false', rule: bool },
      'stickiness.type': { default: 'source_ip_dest_ip_proto', rule: oneOf('source_ip_dest_ip', 'source_ip_dest_ip_proto') },
      'target_failover.on_deregistration': { default: 'no_rebalance', rule: oneOf('rebalance', 'no_rebalance') },
      'target_failover.on_unhealthy': { default: 'no_rebalance', rule: oneOf('rebalance', 'no_rebalance') },
    };
  }
  const udp = tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP';
  return {
    'proxy_protocol_v2.enabled': { default: 'false', rule: bool },
    'preserve_client_ip.enabled': { default: tg.targetType === 'instance' || udp ? 'true' : 'false', rule: bool },
    'deregistration_delay.timeout_seconds': { default: '300', rule: int(0, 3600) },
    'deregistration_delay.connection_termination.enabled': { default: udp ? 'true' : 'false', rule: bool },
    'stickiness.enabled': { default: 'false', rule: bool },
    'stickiness.type': { default: 'source_ip', rule: oneOf('source_ip') },
    'load_balancing.cross_zone.enabled': { default: 'use_load_balancer_configuration', rule: oneOf('true', 'false', 'use_load_balancer_configuration') },
    'target_health_state.unhealthy.connection_termination.enabled': { default: 'true', rule: bool },
    'target_health_state.unhealthy.draining_interval_seconds': { default: '0', rule: int(0, 360000) },
    'target_group_health.dns_failover.minimum_healthy_targets.count': { default: '1', rule: countOrOff },
    'target_group_health.dns_failover.minimum_healthy_targets.percentage': { default: 'off', rule: percentOrOff },
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': { default: '1', rule: countOrOff },
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': { default: 'off', rule: percentOrOff },
  };
}

export function defaultTargetGroupAttributes(tg: Pick<TargetGroupDoc, 'protocol' | 'targetType'>): Record<string, string> {
  return Object.fromEntries(Object.entries(targetGroupAttributeSpecs(tg)).map(([k, s]) => [k, s.default]));
}

export function listenerAttributeSpecs(): Record<string, AttrSpec> {
  return { 'tcp.idle_timeout.seconds': { default: '350', rule: int(60, 6000) } };
}

export function defaultListenerAttributes(): Record<string, string> {
  return { 'tcp.idle_timeout.seconds': '350' };
}

interface AttrInput { Key?: string; Value?: string }

/** Applies `changes` to `current` after checking every key and value; the merged map. */
function applyAttributes(
  specs: Record<string, AttrSpec>,
  current: Record<string, string>,
  changes: AttrInput[],
  unsupported: (key: string) => string,
  label: string,
): Record<string, string> {
  if (changes.length === 0) throw new ApiError('ValidationError', 'At least one attribute must be specified');
  const next = { ...current };
  const seen = new Set<string>();
  for (const a of changes) {
    const key = a.Key;
    if (key === undefined || key === '') throw new ApiError('ValidationError', `${label} attribute key must be specified`);
    if (seen.has(key)) throw new ApiError('ValidationError', `${label} attribute key '${key}' was specified more than once`);
    seen.add(key);
    const spec = specs[key];
    if (!spec) throw new ApiError('InvalidConfigurationRequest', unsupported(key));
    const value = a.Value ?? '';
    const why = spec.rule(value);
    if (why) throw new ApiError('InvalidConfigurationRequest', `${label} attribute '${key}' value '${value}' is not valid: it ${why}`);
    next[key] = value;
  }
  return next;
}

function asList(specs: Record<string, AttrSpec>, values: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.keys(specs).map((k) => ({ Key: k, Value: values[k] ?? specs[k]!.default }));
}

export const describeLoadBalancerAttributes: Handler = async (ctx, input: { LoadBalancerArn: string }) => {
  const lb = await ownedLoadBalancer(ctx, input.LoadBalancerArn);
  return { Attributes: asList(loadBalancerAttributeSpecs(lb), lb.attributes) };
};

export const modifyLoadBalancerAttributes: Handler = async (ctx, input: { LoadBalancerArn: string; Attributes: AttrInput[] }) => {
  const lb = await ownedLoadBalancer(ctx, input.LoadBalancerArn);
  const specs = loadBalancerAttributeSpecs(lb);
  const next = applyAttributes(specs, { ...defaultLoadBalancerAttributes(lb), ...lb.attributes }, input.Attributes,
    (key) => `Load balancer attribute key '${key}' is not supported on load balancers with type '${lb.type}'`, 'Load balancer');
  const before = Number(lb.attributes['secondary_ips.auto_assigned.per_subnet'] ?? '0');
  if (next['secondary_ips.auto_assigned.per_subnet'] !== undefined && Number(next['secondary_ips.auto_assigned.per_subnet']) < before) {
    throw new ApiError('InvalidConfigurationRequest', `Load balancer attribute 'secondary_ips.auto_assigned.per_subnet' cannot be decreased (currently ${before})`);
  }
  if (next['access_logs.s3.enabled'] === 'true' && !next['access_logs.s3.bucket']) {
    throw new ApiError('InvalidConfigurationRequest', "Access logs need a bucket: set 'access_logs.s3.bucket' when 'access_logs.s3.enabled' is 'true'");
  }
  await ctx.tx.put({ ...lb, attributes: next });
  return { Attributes: asList(specs, next) };
};

export const describeTargetGroupAttributes: Handler = async (ctx, input: { TargetGroupArn: string }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  return { Attributes: asList(targetGroupAttributeSpecs(tg), tg.attributes) };
};

export const modifyTargetGroupAttributes: Handler = async (ctx, input: { TargetGroupArn: string; Attributes: AttrInput[] }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  const specs = targetGroupAttributeSpecs(tg);
  const next = applyAttributes(specs, { ...defaultTargetGroupAttributes(tg), ...tg.attributes }, input.Attributes,
    (key) => `Target group attribute key '${key}' is not supported on target groups with the ${tg.protocol} protocol`, 'Target group');
  const udp = tg.protocol === 'UDP' || tg.protocol === 'TCP_UDP';
  if (udp && next['preserve_client_ip.enabled'] === 'false') {
    throw new ApiError('InvalidConfigurationRequest', `Client IP preservation cannot be disabled for target groups with the ${tg.protocol} protocol`);
  }
  if (next['target_health_state.unhealthy.connection_termination.enabled'] === 'true'
    && next['target_health_state.unhealthy.draining_interval_seconds'] !== undefined
    && next['target_health_state.unhealthy.draining_interval_seconds'] !== '0') {
    throw new ApiError('InvalidConfigurationRequest',
      "'target_health_state.unhealthy.draining_interval_seconds' can be set only when 'target_health_state.unhealthy.connection_termination.enabled' is 'false'");
  }
  if (tg.protocol === 'GENEVE' && next['target_failover.on_deregistration'] !== next['target_failover.on_unhealthy']) {
    throw new ApiError('InvalidConfigurationRequest', "'target_failover.on_deregistration' and 'target_failover.on_unhealthy' must have the same value");
  }
  await ctx.tx.put({ ...tg, attributes: next });
  return { Attributes: asList(specs, next) };
};

export const describeListenerAttributes: Handler = async (ctx, input: { ListenerArn: string }) => {
  const l = await ownedListener(ctx, input.ListenerArn);
  return { Attributes: asList(listenerAttributeSpecs(), l.attributes) };
};

export const modifyListenerAttributes: Handler = async (ctx, input: { ListenerArn: string; Attributes: AttrInput[] }) => {
  const l: ListenerDoc = await ownedListener(ctx, input.ListenerArn);
  if (l.protocol === 'UDP') {
    throw new ApiError('InvalidConfigurationRequest', "Listener attribute 'tcp.idle_timeout.seconds' is not supported on UDP listeners");
  }
  const specs = listenerAttributeSpecs();
  const next = applyAttributes(specs, { ...defaultListenerAttributes(), ...l.attributes }, input.Attributes,
    (key) => `Listener attribute key '${key}' is not supported on ${l.protocol ?? 'Gateway Load Balancer'} listeners`, 'Listener');
  await ctx.tx.put({ ...l, attributes: next });
  return { Attributes: asList(specs, next) };
};
