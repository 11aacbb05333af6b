/**
 * Target health as AWS reports it, computed by a pure function of the target, its group, the
 * load balancer that uses the group (if any), the time and any observed check result.
 *
 * Honesty rule: without an observed result (no health checks run in the control plane) a target
 * is never `healthy`; it stays `initial` with AWS's reason codes. The data plane feeds real
 * check results through `observed`.
 */
import type { LoadBalancerDoc, RegisteredTarget } from '../../resources.js';

export interface TargetHealth {
  State: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
  Reason?: string;
  Description?: string;
}

/** A health-check outcome measured by the data plane. */
export interface ObservedHealth {
  state: 'healthy' | 'unhealthy';
  reason?: 'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';
  description?: string;
}

export interface HealthInput {
  /** Undefined when the target is not registered with the group. */
  target: RegisteredTarget | undefined;
  /** The load balancer whose listener forwards to the group, when one does. */
  loadBalancer: Pick<LoadBalancerDoc, 'state' | 'zones'> | undefined;
  /** ISO time since when a listener forwards to the group (registration with the LB starts then). */
  inUseSince: string | undefined;
  now: Date;
  /** How long `Elb.RegistrationInProgress` lasts before initial health checking. */
  registrationMs: number;
  observed?: ObservedHealth;
}

export const DESCRIPTIONS = {
  notRegistered: 'Target is not registered to the target group',
  notInUse: 'Target group is not configured to receive traffic from the load balancer',
  zoneNotEnabled: 'Target is in an Availability Zone that is not enabled for the load balancer',
  registering: 'Target registration is in progress',
  initialChecks: 'Initial health checks in progress',
  draining: 'Target deregistration is in progress',
} as const;

/** The AZ a target is in ('all' when registered for every zone; undefined when unknown). */
export function targetZone(t: RegisteredTarget): string | undefined {
  return t.availabilityZone ?? t.zone;
}

export function computeTargetHealth(input: HealthInput): TargetHealth {
  const t = input.target;
  if (!t) return { State: 'unused', Reason: 'Target.NotRegistered', Description: DESCRIPTIONS.notRegistered };
  if (t.drainingUntil !== undefined) return { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: DESCRIPTIONS.draining };
  const lb = input.loadBalancer;
  if (!lb || input.inUseSince === undefined) return { State: 'unused', Reason: 'Target.NotInUse', Description: DESCRIPTIONS.notInUse };
  const zone = targetZone(t);
  if (zone !== 'all' && !lb.zones.some((z) => z.availabilityZone === zone)) {
    return { State: 'unused', Reason: 'Target.NotInUse', Description: DESCRIPTIONS.zoneNotEnabled };
  }
  const since = Math.max(new Date(t.registeredAt).getTime(), new Date(input.inUseSince).getTime());
  if (lb.state === 'provisioning' || input.now.getTime() - since < input.registrationMs) {
    return { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: DESCRIPTIONS.registering };
  }
  const o = input.observed;
  if (o?.state === 'healthy') return { State: 'healthy' };
  if (o?.state === 'unhealthy') {
    return { State: 'unhealthy', Reason: o.reason ?? 'Target.FailedHealthChecks', Description: o.description ?? 'Health checks failed' };
  }
  return { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: DESCRIPTIONS.initialChecks };
}
