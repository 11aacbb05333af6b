/**
 * What the metrics and the flow log need to know about each endpoint listener and each target
 * group, derived from the desired state and the observed health. Pure.
 */
import { healthKey, listenerIdOf, type HealthMap } from '../policy/flow-route.js';
import { isBound, type DesiredState } from '../reconcile/desired-state.js';
import type { ListenerLabels } from './flow-record.js';
import type { TargetHealthRow } from './metrics.js';

/** One entry per bound endpoint ENI port. */
export function listenerLabels(d: DesiredState): ListenerLabels[] {
  const lbs = new Map(d.loadBalancers.map((l) => [l.arn, l]));
  const out: ListenerLabels[] = [];
  for (const ep of d.endpoints) {
    for (const b of ep.bindings) {
      if (!isBound(b)) continue;
      const lb = lbs.get(b.loadBalancerArn);
      const node = lb?.nodes.find((n) => n.eniId === b.nodeEniId);
      for (const p of b.ports) {
        out.push({
          listenerId: listenerIdOf(b.eniId, p.port), endpointId: ep.endpointId, endpointAccount: ep.account, vpcId: ep.vpcId,
          subnetId: b.subnetId, eniId: b.eniId, eniIp: b.ip, zoneId: b.zoneId, port: p.port, serviceId: ep.serviceId,
          serviceAccount: lb?.account ?? '', loadBalancerArn: b.loadBalancerArn, targetGroupArn: p.targetGroupArn,
          nodeZoneId: node?.zoneId ?? b.zoneId, nodeIp: b.nodeIp,
        });
      }
    }
  }
  return out;
}

/** Healthy and unhealthy targets per target group, load balancer and node zone (all zones' targets with cross-zone). */
export function targetHealthRows(d: DesiredState, health: HealthMap): TargetHealthRow[] {
  const lbs = new Map(d.loadBalancers.map((l) => [l.arn, l]));
  const rows: TargetHealthRow[] = [];
  for (const tg of d.targetGroups) {
    for (const use of tg.loadBalancers) {
      for (const node of lbs.get(use.loadBalancerArn)?.nodes ?? []) {
        let healthy = 0;
        let unhealthy = 0;
        for (const t of tg.targets) {
          if (!use.crossZone && t.zoneId !== node.zoneId && t.zoneId !== 'all') continue;
          const h = health[healthKey(tg.arn, t.id, t.port)];
          if (h === 'healthy') healthy++;
          else if (h === 'unhealthy') unhealthy++;
        }
        rows.push({ targetGroupArn: tg.arn, loadBalancerArn: use.loadBalancerArn, zoneId: node.zoneId, healthy, unhealthy });
      }
    }
  }
  return rows;
}
