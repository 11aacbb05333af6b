/** ELBv2: network and gateway load balancers, target groups, targets, listeners, attributes, tags. */
import type { Handlers } from '../../api/context.js';
import { elapsed, type Tick } from '../tick.js';
import {
  describeListenerAttributes, describeLoadBalancerAttributes, describeTargetGroupAttributes,
  modifyListenerAttributes, modifyLoadBalancerAttributes, modifyTargetGroupAttributes,
} from './attributes.js';
import { createListener, deleteListener, describeListeners, modifyListener } from './listeners.js';
import { createLoadBalancer, deleteLoadBalancer, describeLoadBalancers } from './load-balancers.js';
import { addTags, describeTags, removeTags } from './tags.js';
import { createTargetGroup, deleteTargetGroup, describeTargetGroups, modifyTargetGroup } from './target-groups.js';
import { deregisterTargets, describeTargetHealth, registerTargets } from './targets.js';

export const elbHandlers: Handlers = {
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  ModifyTargetGroup: modifyTargetGroup,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetGroupAttributes: describeTargetGroupAttributes,
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: deleteListener,
  DescribeListenerAttributes: describeListenerAttributes,
  ModifyListenerAttributes: modifyListenerAttributes,
  AddTags: addTags,
  RemoveTags: removeTags,
  DescribeTags: describeTags,
};

/** Load balancers: provisioning → active after the state delay. Draining targets past their delay: removed. */
export const elbTick: Tick = async (tx, now, config) => {
  let waiting = false;
  for (const lb of await tx.list('load-balancer')) {
    if (lb.state !== 'provisioning') continue;
    if (elapsed(lb.createdAt, now, config.stateDelayMs)) await tx.put({ ...lb, state: 'active' }); else waiting = true;
  }
  for (const tg of await tx.list('target-group')) {
    const kept = tg.targets.filter((t) => t.drainingUntil === undefined || new Date(t.drainingUntil).getTime() > now.getTime());
    if (kept.length !== tg.targets.length) await tx.put({ ...tg, targets: kept });
    if (kept.some((t) => t.drainingUntil !== undefined)) waiting = true;
  }
  return waiting;
};
