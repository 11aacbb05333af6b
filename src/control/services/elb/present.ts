/** Stored ELB documents → the ELBv2 API shapes (LoadBalancer, TargetGroup, Listener), and the relations between them. */
import type { RequestContext } from '../../api/context.js';
import type { Tx } from '../../store/store.js';
import type { ListenerAction, ListenerDoc, LoadBalancerDoc, TargetGroupDoc } from '../../resources.js';

export function presentLoadBalancer(lb: LoadBalancerDoc): Record<string, unknown> {
  const network = lb.type === 'network';
  return {
    LoadBalancerArn: lb.id,
    DNSName: network ? lb.dnsName : undefined,
    CanonicalHostedZoneId: network ? lb.canonicalHostedZoneId : undefined,
    CreatedTime: lb.createdAt,
    LoadBalancerName: lb.name,
    Scheme: network ? lb.scheme : undefined,
    VpcId: lb.vpcId,
    State: { Code: lb.state },
    Type: lb.type,
    AvailabilityZones: lb.zones.map((z) => ({
      ZoneName: z.availabilityZone,
      SubnetId: z.subnetId,
      LoadBalancerAddresses: network ? [{ PrivateIPv4Address: z.privateIpv4Address }] : undefined,
    })),
    SecurityGroups: lb.securityGroups.length ? lb.securityGroups : undefined,
    IpAddressType: lb.ipAddressType,
    EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: lb.securityGroups.length ? lb.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic ?? 'on' : undefined,
  };
}

export function presentTargetGroup(tg: TargetGroupDoc, loadBalancerArns: string[]): Record<string, unknown> {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.id,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThresholdCount,
    UnhealthyThresholdCount: hc.unhealthyThresholdCount,
    HealthCheckPath: hc.path,
    Matcher: hc.matcher !== undefined ? { HttpCode: hc.matcher } : undefined,
    LoadBalancerArns: loadBalancerArns,
    TargetType: tg.targetType,
    IpAddressType: tg.ipAddressType,
  };
}

export function presentAction(a: ListenerAction): Record<string, unknown> {
  return {
    Type: a.Type,
    TargetGroupArn: a.TargetGroupArn,
    Order: a.Order,
    ForwardConfig: a.TargetGroupArn
      ? { TargetGroups: [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } }
      : undefined,
  };
}

export function presentListener(l: ListenerDoc): Record<string, unknown> {
  return {
    ListenerArn: l.id,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    DefaultActions: l.defaultActions.map(presentAction),
  };
}

/** The target groups a listener forwards to. */
export function forwardedGroups(l: ListenerDoc): string[] {
  return l.defaultActions.map((a) => a.TargetGroupArn).filter((x): x is string => x !== undefined);
}

/** Every listener of the account's load balancers (one query; the relations below filter it). */
export async function accountListeners(tx: Tx, account: string): Promise<ListenerDoc[]> {
  return tx.list('listener', account);
}

/** The load balancers whose listeners forward to `tgArn`, in listener order, without repeats. */
export function loadBalancersOf(tgArn: string, listeners: ListenerDoc[]): string[] {
  const out: string[] = [];
  for (const l of listeners) if (forwardedGroups(l).includes(tgArn) && !out.includes(l.loadBalancerArn)) out.push(l.loadBalancerArn);
  return out;
}

/** When a listener started forwarding to `tgArn` (the earliest), or undefined when none does. */
export function inUseSince(tgArn: string, listeners: ListenerDoc[]): string | undefined {
  let since: string | undefined;
  for (const l of listeners) {
    if (!forwardedGroups(l).includes(tgArn)) continue;
    const t = l.actionsSetAt ?? l.createdAt;
    if (since === undefined || t < since) since = t;
  }
  return since;
}

export async function presentTargetGroupIn(ctx: RequestContext, tg: TargetGroupDoc): Promise<Record<string, unknown>> {
  return presentTargetGroup(tg, loadBalancersOf(tg.id, await accountListeners(ctx.tx, tg.account)));
}
