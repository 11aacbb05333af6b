/**
 * The NLB node's choice of target for a new flow, as AWS documents it:
 * - only registered targets take new flows: `draining` (deregistered) and `unused` never do;
 * - the node's zone only, unless cross-zone load balancing is on (targets registered for zone
 *   `all` serve every zone);
 * - healthy targets only, unless fewer than the routing minimum (default 1, i.e. none) are healthy
 *   in that scope: then the node fails open to every target available to it, whatever its health
 *   ("routing failover", target_group_health.unhealthy_state_routing.*, evaluated per zone when
 *   cross-zone is off, over all zones when on);
 * - `initial` counts as not yet healthy: AWS starts routing to a new target once "the
 *   registration process completes and the targets pass the initial health checks", so an
 *   initial target only takes flows when the node fails open. `unhealthy.draining` and
 *   `unavailable` count as not healthy the same way.
 * The choice is a rendezvous (highest-random-weight) hash of the flow and each target, so it does
 * not depend on the order of the candidates, the same flow always lands on the same target, and a
 * target leaving the pool moves only its own flows. Flow key: protocol 5-tuple plus the TCP
 * sequence number when given (as AWS), or the source address alone with `source_ip` stickiness.
 */

export type TargetHealthState =
  | 'initial' | 'healthy' | 'unhealthy' | 'unhealthy.draining' | 'draining' | 'unused' | 'unavailable';

export interface TargetView {
  /** The target's address (ip targets) or instance id. */
  id: string;
  port: number;
  /** Zone NAME of the provider account (as RegisteredTarget and LoadBalancerZone store it); 'all' for every zone. */
  zone: string | undefined;
  health: TargetHealthState;
  /** `targetKey(id, port)`, precomputed when the view is built; computed per pick when absent. */
  key?: number;
}

export interface FlowKey {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** IP protocol number; 6 (TCP) when absent. */
  protocol?: number;
  /** TCP initial sequence number (or any per-connection value): new connections on a reused 5-tuple pick afresh. */
  seq?: number;
}

/** Routing-failover threshold: fail open when healthy < max(count, ceil(percentage % of the targets in scope)). */
export interface RoutingMinimum { count: number; percentage: number }

export interface PickOptions {
  /** The NLB node's zone NAME (provider account). */
  nodeZone: string;
  crossZone: boolean;
  stickiness: 'none' | 'source_ip';
  /** Mixed into every hash: one per load balancer node keeps picks stable yet not shared across LBs. */
  seed: number;
  /** Default { count: 1, percentage: 0 }: fail open only when no target in scope is healthy. */
  routingMinimum?: RoutingMinimum;
}

export type PickResult<T extends TargetView> =
  | { target: T; failOpen: boolean; reason: string }
  | { target: undefined; failOpen: false; reason: string };

const DEFAULT_MINIMUM: RoutingMinimum = { count: 1, percentage: 0 };

/** Cross-zone as it applies to a target group: its own attribute unless `use_load_balancer_configuration` (the default). */
export function effectiveCrossZone(lbAttrs: Readonly<Record<string, string>>, tgAttrs: Readonly<Record<string, string>>): boolean {
  const tg = tgAttrs['load_balancing.cross_zone.enabled'];
  if (tg === 'true') return true;
  if (tg === 'false') return false;
  return lbAttrs['load_balancing.cross_zone.enabled'] === 'true'; // NLB default: false
}

/** `source_ip` when the group enables stickiness (NLB supports only that type), else 'none'. */
export function stickinessOf(tgAttrs: Readonly<Record<string, string>>): 'none' | 'source_ip' {
  return tgAttrs['stickiness.enabled'] === 'true' && (tgAttrs['stickiness.type'] ?? 'source_ip') === 'source_ip' ? 'source_ip' : 'none';
}

/** The routing-failover threshold from `target_group_health.unhealthy_state_routing.*` ('off' counts as 0). */
export function routingMinimumOf(tgAttrs: Readonly<Record<string, string>>): RoutingMinimum {
  const num = (v: string | undefined, dflt: number): number => (v === undefined ? dflt : v === 'off' ? 0 : Number(v) || 0);
  return {
    count: num(tgAttrs['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count'], 1),
    percentage: num(tgAttrs['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage'], 0),
  };
}

function takesNewFlows(t: TargetView): boolean {
  return t.health !== 'draining' && t.health !== 'unused';
}

function inScope(t: TargetView, opts: PickOptions): boolean {
  return opts.crossZone || t.zone === opts.nodeZone || t.zone === 'all';
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return Math.imul(h ^ 0xff, FNV_PRIME); // separator, so ('1.2.3.4','5') and ('1.2.3.45','') differ
}

function fnvUint32(h: number, n: number): number {
  h = Math.imul(h ^ (n & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((n >>> 8) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((n >>> 16) & 0xff), FNV_PRIME);
  return Math.imul(h ^ (n >>> 24), FNV_PRIME);
}

/** murmur3's 32-bit finalizer: spreads FNV's weak high-order mixing over all bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The flow's hash: 5-tuple (+ sequence number) or, with `source_ip` stickiness, the source address only. */
export function flowHash(flow: FlowKey, stickiness: 'none' | 'source_ip', seed: number): number {
  let h = fnvUint32(FNV_OFFSET, seed);
  h = fnvString(h, flow.srcIp);
  if (stickiness === 'none') {
    h = fnvUint32(h, flow.protocol ?? 6);
    h = fnvUint32(h, flow.srcPort);
    h = fnvString(h, flow.dstIp);
    h = fnvUint32(h, flow.dstPort);
    if (flow.seq !== undefined) h = fnvUint32(h, flow.seq);
  }
  return h >>> 0; // mixed per target by fmix32 when scored
}

/** The target's own hash in the rendezvous choice; store it in `TargetView.key` to save hashing the id per flow. */
export function targetKey(id: string, port: number): number {
  return fnvUint32(fnvString(FNV_OFFSET, id), port) >>> 0;
}

function scopeText(opts: PickOptions): string {
  return opts.crossZone ? 'any zone (cross-zone on)' : `zone ${opts.nodeZone} (cross-zone off)`;
}

/** Chooses the target of a new flow among a target group's registered targets, with the reason. */
export function pickTarget<T extends TargetView>(candidates: readonly T[], flow: FlowKey, opts: PickOptions): PickResult<T> {
  let inScopeCount = 0;
  let healthy = 0;
  let notTaking = 0;
  let elsewhere = 0;
  for (let i = 0; i < candidates.length; i++) {
    const t = candidates[i]!;
    if (!takesNewFlows(t)) notTaking++;
    else if (!inScope(t, opts)) elsewhere++;
    else {
      inScopeCount++;
      if (t.health === 'healthy') healthy++;
    }
  }
  const scope = scopeText(opts);
  if (inScopeCount === 0) {
    if (candidates.length === 0) return { target: undefined, failOpen: false, reason: 'no registered target in the target group' };
    const parts: string[] = [];
    if (elsewhere) parts.push(`${elsewhere} in other zones`);
    if (notTaking) parts.push(`${notTaking} draining or unused`);
    return { target: undefined, failOpen: false, reason: `no registered target in ${scope}; ${parts.join(', ')}` };
  }
  const min = opts.routingMinimum ?? DEFAULT_MINIMUM;
  // At least 1: with no healthy target the node always fails open (AWS: all targets unhealthy → fail open).
  const required = Math.max(1, min.count, Math.ceil((min.percentage / 100) * inScopeCount));
  const failOpen = healthy < required;
  const h = flowHash(flow, opts.stickiness, opts.seed);
  let best: T | undefined;
  let bestScore = -1;
  for (let i = 0; i < candidates.length; i++) {
    const t = candidates[i]!;
    if (!takesNewFlows(t) || !inScope(t, opts) || (!failOpen && t.health !== 'healthy')) continue;
    const score = fmix32(h ^ (t.key ?? targetKey(t.id, t.port)));
    if (score > bestScore || (score === bestScore && best !== undefined && (t.id < best.id || (t.id === best.id && t.port < best.port)))) {
      best = t;
      bestScore = score;
    }
  }
  const chosen = best!;
  const by = opts.stickiness === 'source_ip' ? 'source-IP hash' : 'flow hash';
  if (failOpen) {
    const why = healthy === 0 ? `no healthy target in ${scope}` : `${healthy} healthy target(s) in ${scope}, below the routing minimum of ${required}`;
    return { target: chosen, failOpen: true, reason: `fail open: ${why}; ${by} among all ${inScopeCount} target(s) regardless of health chose ${chosen.id}:${chosen.port}` };
  }
  return { target: chosen, failOpen: false, reason: `${by} among ${healthy} healthy target(s) in ${scope} chose ${chosen.id}:${chosen.port}` };
}
