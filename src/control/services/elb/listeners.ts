/** CreateListener, DescribeListeners, ModifyListener, DeleteListener (NLB: TCP, UDP, TCP_UDP; GWLB: no protocol or port). */
import { ApiError } from '../../../core/errors.js';
import { hex } from '../../../core/ids.js';
import type { Handler, RequestContext } from '../../api/context.js';
import { paginate } from '../../api/paginate.js';
import type { ListenerAction, ListenerDoc, LoadBalancerDoc, TargetGroupDoc } from '../../resources.js';
import { defaultListenerAttributes } from './attributes.js';
import { accountListeners, forwardedGroups, presentListener } from './present.js';
import { checkArn, checkTags, listenerNotFound, ownedListener, ownedLoadBalancer, ownedTargetGroup } from './validate.js';

interface ActionInput {
  Type: string;
  TargetGroupArn?: string;
  Order?: number;
  ForwardConfig?: { TargetGroups?: Array<{ TargetGroupArn?: string; Weight?: number }>; TargetGroupStickinessConfig?: { Enabled?: boolean } };
  [other: string]: unknown;
}

interface ListenerInput {
  Protocol?: string;
  Port?: number;
  SslPolicy?: string;
  Certificates?: unknown[];
  DefaultActions?: ActionInput[];
  AlpnPolicy?: string[];
  MutualAuthentication?: unknown;
}

/** Which target group protocols a network listener protocol may forward to. */
const COMPATIBLE: Record<string, string[]> = {
  TCP: ['TCP', 'TCP_UDP'],
  UDP: ['UDP', 'TCP_UDP'],
  TCP_UDP: ['TCP_UDP'],
};

function checkProtocolAndPort(lb: LoadBalancerDoc, input: ListenerInput, create: boolean): void {
  if (input.MutualAuthentication !== undefined) throw new ApiError('ValidationError', 'Mutual authentication is supported only by HTTPS listeners of Application Load Balancers');
  if (lb.type === 'gateway') {
    if (input.Protocol !== undefined || input.Port !== undefined) {
      throw new ApiError('ValidationError', 'Listeners of Gateway Load Balancers take no protocol and no port');
    }
  } else {
    if (create && input.Protocol === undefined) throw new ApiError('ValidationError', 'A protocol must be specified for listeners of Network Load Balancers');
    if (create && input.Port === undefined) throw new ApiError('ValidationError', 'A port must be specified for listeners of Network Load Balancers');
    const p = input.Protocol;
    if (p === 'TLS') {
      throw new ApiError('UnsupportedProtocol',
        'TLS listeners are not supported by Underpass yet: they need a certificate (ACM), which Underpass does not provide. Use a TCP listener and terminate TLS on the targets');
    }
    if (p !== undefined && !COMPATIBLE[p]) {
      throw new ApiError('UnsupportedProtocol', `Protocol '${p}' is not supported for listeners of Network Load Balancers in Underpass: use TCP, UDP or TCP_UDP`);
    }
  }
  if (input.SslPolicy !== undefined || input.Certificates?.length || input.AlpnPolicy?.length) {
    throw new ApiError('ValidationError', 'SslPolicy, Certificates and AlpnPolicy apply to TLS and HTTPS listeners only');
  }
}

/** The single forward action's target group, checked against the load balancer and protocol. */
async function resolveActions(ctx: RequestContext, lb: LoadBalancerDoc, protocol: string | undefined, actions: ActionInput[], self?: string): Promise<{ actions: ListenerAction[]; tg: TargetGroupDoc }> {
  if (actions.length !== 1) {
    throw new ApiError('ValidationError', `Listeners of ${lb.type === 'network' ? 'Network' : 'Gateway'} Load Balancers need exactly one default action (a forward action); got ${actions.length}`);
  }
  const a = actions[0]!;
  if (a.Type !== 'forward') {
    throw new ApiError('InvalidLoadBalancerAction', `The action type '${a.Type}' is not supported for load balancers with type '${lb.type}': use 'forward'`);
  }
  for (const k of ['AuthenticateOidcConfig', 'AuthenticateCognitoConfig', 'RedirectConfig', 'FixedResponseConfig', 'JwtValidationConfig']) {
    if (a[k] !== undefined) throw new ApiError('InvalidLoadBalancerAction', `${k} cannot be given in a forward action`);
  }
  let arn = a.TargetGroupArn;
  const fc = a.ForwardConfig?.TargetGroups ?? [];
  if (fc.length > 1) {
    throw new ApiError('InvalidLoadBalancerAction', `A forward action of a ${lb.type} load balancer forwards to exactly one target group; got ${fc.length}`);
  }
  if (fc.length === 1) {
    const fcArn = fc[0]!.TargetGroupArn;
    if (!fcArn) throw new ApiError('ValidationError', 'ForwardConfig target groups need a TargetGroupArn');
    if (arn !== undefined && arn !== fcArn) {
      throw new ApiError('InvalidLoadBalancerAction', 'TargetGroupArn and ForwardConfig name different target groups: give one target group');
    }
    arn = fcArn;
  }
  if (arn === undefined) throw new ApiError('ValidationError', 'A forward action needs a TargetGroupArn (or a ForwardConfig with one target group)');
  const tg = await ownedTargetGroup(ctx, arn);
  if (tg.vpcId !== lb.vpcId) {
    throw new ApiError('InvalidConfigurationRequest', `Target group '${tg.id}' is in VPC '${tg.vpcId ?? ''}', but load balancer '${lb.id}' is in VPC '${lb.vpcId}'`);
  }
  if (lb.type === 'gateway') {
    if (tg.protocol !== 'GENEVE') {
      throw new ApiError('IncompatibleProtocols', `Listeners of Gateway Load Balancers forward to GENEVE target groups; target group '${tg.id}' uses ${tg.protocol}`);
    }
  } else if (protocol !== undefined && !(COMPATIBLE[protocol] ?? []).includes(tg.protocol)) {
    throw new ApiError('IncompatibleProtocols',
      `Listener protocol '${protocol}' is not compatible with target group protocol '${tg.protocol}' (target group '${tg.id}'); a ${protocol} listener forwards to ${(COMPATIBLE[protocol] ?? []).join(' or ')} target groups`);
  }
  const others = (await accountListeners(ctx.tx, ctx.account)).filter((l) => l.id !== self && l.loadBalancerArn !== lb.id && forwardedGroups(l).includes(tg.id));
  if (others.length) {
    throw new ApiError('TargetGroupAssociationLimit', `The following target groups cannot be associated with more than one load balancer: ${tg.id}`);
  }
  const stored: ListenerAction = { Type: 'forward', TargetGroupArn: tg.id };
  if (a.Order !== undefined) stored.Order = a.Order;
  return { actions: [stored], tg };
}

async function checkPortFree(ctx: RequestContext, lb: LoadBalancerDoc, port: number | undefined, self?: string): Promise<void> {
  const mine = (await accountListeners(ctx.tx, ctx.account)).filter((l) => l.loadBalancerArn === lb.id && l.id !== self);
  if (lb.type === 'gateway') {
    if (mine.length) throw new ApiError('DuplicateListener', `Gateway Load Balancer '${lb.id}' already has a listener; it can have only one`);
    return;
  }
  if (mine.some((l) => l.port === port)) throw new ApiError('DuplicateListener', `A listener already exists on port ${port} of load balancer '${lb.id}'`);
}

export const createListener: Handler = async (ctx, input: ListenerInput & { LoadBalancerArn: string; DefaultActions: ActionInput[]; Tags?: Array<{ Key?: string; Value?: string }> }) => {
  const lb = await ownedLoadBalancer(ctx, input.LoadBalancerArn);
  checkProtocolAndPort(lb, input, true);
  const { actions } = await resolveActions(ctx, lb, input.Protocol, input.DefaultActions);
  const tags = checkTags(input.Tags);
  const existing = (await accountListeners(ctx.tx, ctx.account)).find((l) => l.loadBalancerArn === lb.id && l.port === input.Port);
  if (existing && existing.protocol === input.Protocol && JSON.stringify(existing.defaultActions) === JSON.stringify(actions)) {
    return { Listeners: [presentListener(existing)] };
  }
  await checkPortFree(ctx, lb, input.Port);
  const [, lbName, lbId] = /loadbalancer\/(?:net|gwy)\/([^/]+)\/([0-9a-f]{16})$/.exec(lb.id)!;
  const listener: ListenerDoc = {
    kind: 'listener',
    id: lb.id.replace(/:loadbalancer\/(net|gwy)\/.*$/, `:listener/$1/${lbName}/${lbId}/${hex(ctx.random, 16)}`),
    account: ctx.account,
    region: ctx.region,
    createdAt: ctx.now.toISOString(),
    tags,
    loadBalancerArn: lb.id,
    port: input.Port,
    protocol: input.Protocol,
    defaultActions: actions,
    attributes: defaultListenerAttributes(),
    actionsSetAt: ctx.now.toISOString(),
  };
  await ctx.tx.put(listener);
  return { Listeners: [presentListener(listener)] };
};

export const describeListeners: Handler = async (ctx, input: { LoadBalancerArn?: string; ListenerArns?: string[]; Marker?: string; PageSize?: number }) => {
  const arns = input.ListenerArns ?? [];
  if (input.LoadBalancerArn !== undefined && arns.length) throw new ApiError('ValidationError', 'Specify a load balancer ARN or listener ARNs, not both');
  if (input.LoadBalancerArn === undefined && !arns.length) throw new ApiError('ValidationError', 'You must specify either listener ARNs or a load balancer ARN');
  let listeners = await accountListeners(ctx.tx, ctx.account);
  if (input.LoadBalancerArn !== undefined) {
    const lb = await ownedLoadBalancer(ctx, input.LoadBalancerArn);
    listeners = listeners.filter((l) => l.loadBalancerArn === lb.id);
  } else {
    for (const a of arns) checkArn('listener', a);
    const missing = arns.filter((a) => !listeners.some((l) => l.id === a));
    if (missing.length) throw listenerNotFound(missing.length === 1 ? missing[0] : undefined);
    listeners = listeners.filter((l) => arns.includes(l.id));
  }
  const page = paginate(listeners, { scope: 'DescribeListeners', maxResults: input.PageSize, token: input.Marker, code: 'ValidationError', min: 1, max: 400 });
  return { Listeners: page.items.map(presentListener), NextMarker: page.next };
};

export const modifyListener: Handler = async (ctx, input: ListenerInput & { ListenerArn: string }) => {
  const l = await ownedListener(ctx, input.ListenerArn);
  const lb = await ctx.tx.get('load-balancer', l.loadBalancerArn);
  if (!lb) throw listenerNotFound(l.id);
  checkProtocolAndPort(lb, input, false);
  const protocol = input.Protocol ?? l.protocol;
  const port = input.Port ?? l.port;
  const next: ListenerDoc = { ...l, protocol, port };
  if (input.DefaultActions !== undefined) {
    const { actions } = await resolveActions(ctx, lb, protocol, input.DefaultActions, l.id);
    if (JSON.stringify(actions) !== JSON.stringify(l.defaultActions)) next.actionsSetAt = ctx.now.toISOString();
    next.defaultActions = actions;
  } else if (input.Protocol !== undefined) {
    const tgArn = forwardedGroups(l)[0];
    if (tgArn) {
      const tg = await ctx.tx.get('target-group', tgArn);
      if (tg && !(COMPATIBLE[protocol ?? ''] ?? []).includes(tg.protocol)) {
        throw new ApiError('IncompatibleProtocols', `Listener protocol '${protocol}' is not compatible with target group protocol '${tg.protocol}' (target group '${tg.id}')`);
      }
    }
  }
  if (port !== l.port) await checkPortFree(ctx, lb, port, l.id);
  await ctx.tx.put(next);
  return { Listeners: [presentListener(next)] };
};

export const deleteListener: Handler = async (ctx, input: { ListenerArn: string }) => {
  const l = await ownedListener(ctx, input.ListenerArn);
  await ctx.tx.delete(l.id);
  return {};
};
