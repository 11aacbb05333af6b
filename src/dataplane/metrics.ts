/**
 * The data plane's metrics: `DataPlaneMetrics` takes the endpoint listeners, the workers'
 * `ListenerCounters` deltas and the target-health rows, and renders them in the Prometheus text
 * exposition format 0.0.4 (for /metrics) or as plain JSON (`snapshot()`, for the console).
 *
 * Naming: every metric AWS publishes keeps its CloudWatch name, prefixed with its namespace:
 * `aws_<namespace>_<MetricName>`, where <namespace> is the CloudWatch namespace without `AWS/`,
 * lower-cased (`AWS/PrivateLinkEndpoints` → `aws_privatelinkendpoints_`), and counters end in
 * `_total` (`aws_privatelinkendpoints_BytesProcessed_total`); gauges carry no suffix
 * (`aws_networkelb_HealthyHostCount`). Labels are the CloudWatch dimensions in snake_case
 * (`VPC Endpoint Id` → `vpc_endpoint_id`, `LoadBalancer` → `load_balancer`), with AWS's values:
 * `load_balancer` and `target_group` in the `net/<name>/<id>` and `targetgroup/<name>/<id>` form
 * cut from the ARN, zones as zone names (us-east-1a). Each series carries the finest combination
 * of AWS's dimensions; AWS's coarser sets are `sum by (…)` away. Metrics of our own are
 * `underpass_…`. Where we count something other than AWS does (connections, not packets; payload,
 * not header bytes), the HELP text says so. Families and series are sorted: output is deterministic.
 */
import { findZone } from '../core/regions.js';
import type { ListenerCounters, ListenerLabels, RefusalStage } from './flow-record.js';

/** One row of target health: a target group's healthy and unhealthy targets in one zone. */
export interface TargetHealthRow {
  targetGroupArn: string;
  loadBalancerArn: string;
  zoneId: string;
  healthy: number;
  unhealthy: number;
}

/** Every refusal stage: each endpoint gets a refusal series per stage, zero until one happens. */
export const REFUSAL_STAGES: readonly RefusalStage[] = [
  'endpoint-state', 'security-group', 'no-listener', 'unbound', 'no-target', 'target-refused', 'internal',
];

type Group = 'endpoint' | 'service' | 'serviceEndpoints' | 'nlb' | 'health' | 'refused';

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  group: Group;
  /** The key of the value in the group's buckets. */
  value: string;
  help: string;
}

/** `AWS/NetworkELB`, `NewFlowCount`, counter → `aws_networkelb_NewFlowCount_total`. */
export function awsMetricName(namespace: string, metric: string, type: 'counter' | 'gauge'): string {
  return `aws_${namespace.replace(/^AWS\//, '').toLowerCase()}_${metric}${type === 'counter' ? '_total' : ''}`;
}

function aws(namespace: string, metric: string, type: Family['type'], group: Group, help: string): Family {
  return { name: awsMetricName(namespace, metric, type), type, group, value: metric, help: `${namespace} ${metric}: ${help}` };
}

const EP = 'AWS/PrivateLinkEndpoints';
const SVC = 'AWS/PrivateLinkServices';
const NLB = 'AWS/NetworkELB';
const RESETS = 'one per reset connection, not RST packets';

/** Rendered in this order. */
const FAMILIES: readonly Family[] = [
  aws(EP, 'ActiveConnections', 'gauge', 'endpoint', 'connections open through the endpoint (as last reported by the NLB-node workers).'),
  aws(EP, 'BytesProcessed', 'counter', 'endpoint', 'bytes exchanged between the endpoint and the endpoint service, both directions (payload; no TCP/IP or PROXY header bytes).'),
  aws(EP, 'NewConnections', 'counter', 'endpoint', 'connections established through the endpoint (admitted; a target connection was attempted).'),
  aws(EP, 'PacketsDropped', 'counter', 'endpoint', `Underpass has no packet view: this counts connections refused at the endpoint, whatever the reason, not packets; underpass_flows_refused_total breaks them down by stage.`),
  aws(EP, 'RstPacketsReceived', 'counter', 'endpoint', `connections the service side (target or load balancer) reset towards the endpoint; ${RESETS}.`),
  aws(SVC, 'ActiveConnections', 'gauge', 'service', 'connections open from endpoints to the service (as last reported by the NLB-node workers).'),
  aws(SVC, 'BytesProcessed', 'counter', 'service', 'bytes exchanged between the service and its endpoints, both directions (payload; no TCP/IP or PROXY header bytes).'),
  aws(SVC, 'EndpointsCount', 'gauge', 'serviceEndpoints', 'endpoints of the service that have at least one listener in the data plane.'),
  aws(SVC, 'NewConnections', 'counter', 'service', 'connections established from endpoints to the service.'),
  aws(SVC, 'RstPacketsSent', 'counter', 'service', `connections the service side (target or load balancer) reset towards endpoints; ${RESETS}.`),
  aws(NLB, 'ActiveFlowCount', 'gauge', 'nlb', 'flows (TCP connections) open from clients to targets (as last reported by the NLB-node workers).'),
  aws(NLB, 'NewFlowCount', 'counter', 'nlb', 'flows (TCP connections) established from clients to targets.'),
  aws(NLB, 'ProcessedBytes', 'counter', 'nlb', 'bytes processed, both directions (payload only; AWS also counts TCP/IP headers).'),
  aws(NLB, 'TCP_Client_Reset_Count', 'counter', 'nlb', `connections the client reset; ${RESETS}.`),
  aws(NLB, 'TCP_ELB_Reset_Count', 'counter', 'nlb', `connections the load balancer itself reset (idle timeout, refusal, deletion); ${RESETS}.`),
  aws(NLB, 'TCP_Target_Reset_Count', 'counter', 'nlb', `connections the target reset; ${RESETS}.`),
  aws(NLB, 'HealthyHostCount', 'gauge', 'health', 'targets healthy, per target group and zone (the last health report).'),
  aws(NLB, 'UnHealthyHostCount', 'gauge', 'health', 'targets unhealthy, per target group and zone (the last health report).'),
  {
    name: 'underpass_flows_refused_total', type: 'counter', group: 'refused', value: 'refused',
    help: 'Connections refused at an endpoint, by the check that refused them (the flow log\'s reject-reason).',
  },
];

/** The region of an ARN (`arn:aws:elasticloadbalancing:us-east-1:…` → us-east-1), or ''. */
export function arnRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** CloudWatch's `LoadBalancer` dimension: `net/<name>/<id>` from the load balancer's ARN. */
export function loadBalancerDimension(arn: string): string {
  const i = arn.indexOf(':loadbalancer/');
  return i >= 0 ? arn.slice(i + ':loadbalancer/'.length) : arn;
}

/** CloudWatch's `TargetGroup` dimension: `targetgroup/<name>/<id>` from the target group's ARN. */
export function targetGroupDimension(arn: string): string {
  const i = arn.indexOf(':targetgroup/');
  return i >= 0 ? arn.slice(i + 1) : arn;
}

/** The zone name (us-east-1a) of a zone id (use1-az1) in the ARN's region; the id if unknown. */
function zoneName(arn: string, zoneId: string): string {
  return findZone(arnRegion(arn), zoneId)?.zoneName ?? zoneId;
}

/** `com.amazonaws.vpce.<region>.<service id>`: CloudWatch's `Service Name` of an endpoint service. */
function serviceName(l: ListenerLabels): string {
  const region = arnRegion(l.loadBalancerArn);
  return region ? `com.amazonaws.vpce.${region}.${l.serviceId}` : l.serviceId;
}

interface Bucket {
  /** Label name → value, rendered in name order. */
  labels: Record<string, string>;
  /** The rendered `{…}`: the sort key. */
  text: string;
  values: Record<string, number>;
}

function bucket(labels: Record<string, string>): Bucket {
  return { labels, text: formatLabels(labels), values: {} };
}

/** Prometheus label value escaping: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escaping: backslash and line feed. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return names.length ? `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}` : '';
}

/** A counter increment or gauge value: finite and ≥ 0, anything else counts as 0. */
function n(x: number | undefined): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

function add(b: Bucket | undefined, key: string, by: number): void {
  if (b && by > 0) b.values[key] = (b.values[key] ?? 0) + by;
}

/** The keys of the buckets one listener feeds. */
interface ListenerKeys { endpoint: string; service: string; nlb: string }

interface ListenerState { labels: ListenerLabels; keys: ListenerKeys; active: number }

// ── snapshot shapes ─────────────────────────────────────────────────────────────────────────────

export interface EndpointSnapshot {
  vpcEndpointId: string;
  vpcId: string;
  serviceName: string;
  subnetIds: string[];
  activeConnections: number;
  newConnections: number;
  bytesProcessed: number;
  packetsDropped: number;
  rstPacketsReceived: number;
  /** Refused connections by stage (stages with none left out). */
  refused: Partial<Record<RefusalStage, number>>;
}

export interface ServiceSnapshot {
  serviceId: string;
  endpointsCount: number;
  activeConnections: number;
  newConnections: number;
  bytesProcessed: number;
  rstPacketsSent: number;
}

export interface TargetGroupSnapshot { targetGroupArn: string; targetGroup: string; healthyHostCount: number; unHealthyHostCount: number }

export interface LoadBalancerSnapshot {
  loadBalancerArn: string;
  loadBalancer: string;
  activeFlowCount: number;
  newFlowCount: number;
  processedBytes: number;
  tcpClientResetCount: number;
  tcpElbResetCount: number;
  tcpTargetResetCount: number;
  /** Health summed over zones. */
  targetGroups: TargetGroupSnapshot[];
}

export interface MetricsSnapshot {
  endpoints: EndpointSnapshot[];
  services: ServiceSnapshot[];
  loadBalancers: LoadBalancerSnapshot[];
}

// ── the registry ────────────────────────────────────────────────────────────────────────────────

export class DataPlaneMetrics {
  readonly #listeners = new Map<string, ListenerState>();
  readonly #groups: Record<Group, Map<string, Bucket>> = {
    endpoint: new Map(), service: new Map(), serviceEndpoints: new Map(), nlb: new Map(), health: new Map(), refused: new Map(),
  };
  /** Health rows keep their ARNs for the snapshot: health bucket key → [lb ARN, tg ARN]. */
  readonly #healthArns = new Map<string, [string, string]>();
  /** nlb bucket key → load balancer ARN. */
  readonly #nlbArns = new Map<string, string>();

  /**
   * The current endpoint listeners. Series fed only by listeners that are gone are removed;
   * series of listeners that remain keep their counts (a counter never goes down while it exists).
   */
  setListeners(labels: readonly ListenerLabels[]): void {
    const next = new Map<string, ListenerState>();
    for (const l of labels) {
      next.set(l.listenerId, { labels: l, keys: keysOf(l), active: this.#listeners.get(l.listenerId)?.active ?? 0 });
    }
    this.#listeners.clear();
    for (const [id, s] of next) this.#listeners.set(id, s);

    const live: Record<Exclude<Group, 'health'>, Map<string, () => Bucket>> = {
      endpoint: new Map(), service: new Map(), serviceEndpoints: new Map(), nlb: new Map(), refused: new Map(),
    };
    const endpointsOf = new Map<string, Set<string>>();
    for (const { labels: l, keys } of this.#listeners.values()) {
      live.endpoint.set(keys.endpoint, () => bucket({
        endpoint_type: 'Interface', service_name: serviceName(l), subnet_id: l.subnetId, vpc_endpoint_id: l.endpointId, vpc_id: l.vpcId,
      }));
      live.service.set(keys.service, () => bucket({
        az: zoneName(l.loadBalancerArn, l.nodeZoneId), load_balancer_arn: l.loadBalancerArn, service_id: l.serviceId, vpc_endpoint_id: l.endpointId,
      }));
      live.serviceEndpoints.set(l.serviceId, () => bucket({ service_id: l.serviceId }));
      live.nlb.set(keys.nlb, () => bucket({
        availability_zone: zoneName(l.loadBalancerArn, l.nodeZoneId), load_balancer: loadBalancerDimension(l.loadBalancerArn),
      }));
      this.#nlbArns.set(keys.nlb, l.loadBalancerArn);
      for (const stage of REFUSAL_STAGES) {
        live.refused.set(`${l.endpointId}\0${stage}`, () => bucket({ stage, vpc_endpoint_id: l.endpointId }));
      }
      let eps = endpointsOf.get(l.serviceId);
      if (!eps) endpointsOf.set(l.serviceId, (eps = new Set()));
      eps.add(l.endpointId);
    }
    for (const group of Object.keys(live) as (keyof typeof live)[]) {
      const buckets = this.#groups[group];
      for (const key of buckets.keys()) if (!live[group].has(key)) buckets.delete(key);
      for (const [key, make] of live[group]) if (!buckets.has(key)) buckets.set(key, make());
    }
    for (const key of this.#nlbArns.keys()) if (!live.nlb.has(key)) this.#nlbArns.delete(key);
    for (const [serviceId, eps] of endpointsOf) this.#groups.serviceEndpoints.get(serviceId)!.values.EndpointsCount = eps.size;
  }

  /** One listener's increments since its previous report; unknown listeners are ignored. */
  addCounters(delta: ListenerCounters): void {
    const s = this.#listeners.get(delta.listenerId);
    if (!s) return;
    s.active = n(delta.activeFlows);
    const bytes = n(delta.bytesIn) + n(delta.bytesOut);
    const newFlows = n(delta.newFlows);
    const serviceResets = n(delta.targetResets) + n(delta.elbResets);
    let refused = 0;
    for (const stage of REFUSAL_STAGES) {
      const k = n(delta.refused?.[stage]);
      refused += k;
      add(this.#groups.refused.get(`${s.labels.endpointId}\0${stage}`), 'refused', k);
    }
    const ep = this.#groups.endpoint.get(s.keys.endpoint);
    add(ep, 'BytesProcessed', bytes);
    add(ep, 'NewConnections', newFlows);
    add(ep, 'PacketsDropped', refused);
    add(ep, 'RstPacketsReceived', serviceResets);
    const svc = this.#groups.service.get(s.keys.service);
    add(svc, 'BytesProcessed', bytes);
    add(svc, 'NewConnections', newFlows);
    add(svc, 'RstPacketsSent', serviceResets);
    const nlb = this.#groups.nlb.get(s.keys.nlb);
    add(nlb, 'NewFlowCount', newFlows);
    add(nlb, 'ProcessedBytes', bytes);
    add(nlb, 'TCP_Client_Reset_Count', n(delta.clientResets));
    add(nlb, 'TCP_ELB_Reset_Count', n(delta.elbResets));
    add(nlb, 'TCP_Target_Reset_Count', n(delta.targetResets));
  }

  /** The current target health; replaces the previous rows (rows of one key are summed). */
  setTargetHealth(rows: readonly TargetHealthRow[]): void {
    const health = this.#groups.health;
    health.clear();
    this.#healthArns.clear();
    for (const r of rows) {
      const key = `${r.loadBalancerArn}\0${r.targetGroupArn}\0${r.zoneId}`;
      let b = health.get(key);
      if (!b) {
        b = bucket({
          availability_zone: zoneName(r.targetGroupArn, r.zoneId),
          load_balancer: loadBalancerDimension(r.loadBalancerArn),
          target_group: targetGroupDimension(r.targetGroupArn),
        });
        b.values.HealthyHostCount = 0;
        b.values.UnHealthyHostCount = 0;
        health.set(key, b);
        this.#healthArns.set(key, [r.loadBalancerArn, r.targetGroupArn]);
      }
      b.values.HealthyHostCount! += n(r.healthy);
      b.values.UnHealthyHostCount! += n(r.unhealthy);
    }
  }

  /** The gauges of open connections, summed from the listeners' last reports. */
  #refreshActive(): void {
    for (const b of this.#groups.endpoint.values()) b.values.ActiveConnections = 0;
    for (const b of this.#groups.service.values()) b.values.ActiveConnections = 0;
    for (const b of this.#groups.nlb.values()) b.values.ActiveFlowCount = 0;
    for (const s of this.#listeners.values()) {
      this.#groups.endpoint.get(s.keys.endpoint)!.values.ActiveConnections! += s.active;
      this.#groups.service.get(s.keys.service)!.values.ActiveConnections! += s.active;
      this.#groups.nlb.get(s.keys.nlb)!.values.ActiveFlowCount! += s.active;
    }
  }

  /** Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`). */
  render(): string {
    this.#refreshActive();
    const out: string[] = [];
    for (const f of FAMILIES) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
      for (const b of sorted(this.#groups[f.group])) out.push(`${f.name}${b.text} ${formatValue(b.values[f.value] ?? 0)}`);
    }
    return `${out.join('\n')}\n`;
  }

  /** The current values as plain JSON: per endpoint, per service, per load balancer and target group. */
  snapshot(): MetricsSnapshot {
    this.#refreshActive();
    const endpoints = new Map<string, EndpointSnapshot>();
    for (const b of sorted(this.#groups.endpoint)) {
      const id = b.labels.vpc_endpoint_id!;
      let e = endpoints.get(id);
      if (!e) {
        e = {
          vpcEndpointId: id, vpcId: b.labels.vpc_id!, serviceName: b.labels.service_name!, subnetIds: [],
          activeConnections: 0, newConnections: 0, bytesProcessed: 0, packetsDropped: 0, rstPacketsReceived: 0, refused: {},
        };
        endpoints.set(id, e);
      }
      e.subnetIds.push(b.labels.subnet_id!);
      e.activeConnections += b.values.ActiveConnections ?? 0;
      e.newConnections += b.values.NewConnections ?? 0;
      e.bytesProcessed += b.values.BytesProcessed ?? 0;
      e.packetsDropped += b.values.PacketsDropped ?? 0;
      e.rstPacketsReceived += b.values.RstPacketsReceived ?? 0;
    }
    for (const b of sorted(this.#groups.refused)) {
      const e = endpoints.get(b.labels.vpc_endpoint_id!);
      const k = b.values.refused ?? 0;
      if (e && k > 0) e.refused[b.labels.stage as RefusalStage] = k;
    }

    const services = new Map<string, ServiceSnapshot>();
    for (const b of sorted(this.#groups.serviceEndpoints)) {
      const id = b.labels.service_id!;
      services.set(id, { serviceId: id, endpointsCount: b.values.EndpointsCount ?? 0, activeConnections: 0, newConnections: 0, bytesProcessed: 0, rstPacketsSent: 0 });
    }
    for (const b of this.#groups.service.values()) {
      const s = services.get(b.labels.service_id!);
      if (!s) continue;
      s.activeConnections += b.values.ActiveConnections ?? 0;
      s.newConnections += b.values.NewConnections ?? 0;
      s.bytesProcessed += b.values.BytesProcessed ?? 0;
      s.rstPacketsSent += b.values.RstPacketsSent ?? 0;
    }

    const lbs = new Map<string, LoadBalancerSnapshot>();
    const lbOf = (arn: string): LoadBalancerSnapshot => {
      let lb = lbs.get(arn);
      if (!lb) {
        lb = {
          loadBalancerArn: arn, loadBalancer: loadBalancerDimension(arn), activeFlowCount: 0, newFlowCount: 0, processedBytes: 0,
          tcpClientResetCount: 0, tcpElbResetCount: 0, tcpTargetResetCount: 0, targetGroups: [],
        };
        lbs.set(arn, lb);
      }
      return lb;
    };
    for (const [key, b] of this.#groups.nlb) {
      const lb = lbOf(this.#nlbArns.get(key)!);
      lb.activeFlowCount += b.values.ActiveFlowCount ?? 0;
      lb.newFlowCount += b.values.NewFlowCount ?? 0;
      lb.processedBytes += b.values.ProcessedBytes ?? 0;
      lb.tcpClientResetCount += b.values.TCP_Client_Reset_Count ?? 0;
      lb.tcpElbResetCount += b.values.TCP_ELB_Reset_Count ?? 0;
      lb.tcpTargetResetCount += b.values.TCP_Target_Reset_Count ?? 0;
    }
    for (const [key, b] of this.#groups.health) {
      const [lbArn, tgArn] = this.#healthArns.get(key)!;
      const lb = lbOf(lbArn);
      let tg = lb.targetGroups.find((t) => t.targetGroupArn === tgArn);
      if (!tg) lb.targetGroups.push((tg = { targetGroupArn: tgArn, targetGroup: targetGroupDimension(tgArn), healthyHostCount: 0, unHealthyHostCount: 0 }));
      tg.healthyHostCount += b.values.HealthyHostCount ?? 0;
      tg.unHealthyHostCount += b.values.UnHealthyHostCount ?? 0;
    }
    const byKey = <T>(m: Map<string, T>): T[] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const loadBalancers = byKey(lbs);
    for (const lb of loadBalancers) lb.targetGroups.sort((a, b) => (a.targetGroupArn < b.targetGroupArn ? -1 : a.targetGroupArn > b.targetGroupArn ? 1 : 0));
    for (const e of endpoints.values()) e.subnetIds.sort();
    return { endpoints: byKey(endpoints), services: byKey(services), loadBalancers };
  }
}

function keysOf(l: ListenerLabels): ListenerKeys {
  return {
    endpoint: `${l.endpointId}\0${l.subnetId}`,
    service: `${l.serviceId}\0${l.loadBalancerArn}\0${l.nodeZoneId}\0${l.endpointId}`,
    nlb: `${l.loadBalancerArn}\0${l.nodeZoneId}`,
  };
}

function sorted(m: Map<string, Bucket>): Bucket[] {
  return [...m.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/** Integers as integers; Prometheus reads any Go float syntax, JS's shortest form included. */
function formatValue(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}
