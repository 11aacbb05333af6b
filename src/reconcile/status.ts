/**
 * What the data plane reports back against a desired-state version: per endpoint, whether each
 * ENI's listeners are up; per target, observed health-check results. Only the types and the pure
 * readiness verdict live here — the reporting path belongs to the data plane. The control plane's
 * `readyToServe` (consumer/lifecycle.ts) can move an endpoint pending → available on
 * `endpointReadiness(...).ready`.
 */
import { isBound, type DesiredEndpoint } from './desired-state.js';

export interface EniListening {
  eniId: string;
  /** Every listener port of the ENI's binding accepts connections. */
  listening: boolean;
  /** Why not (e.g. 'bind 10.1.0.5:80: EADDRINUSE'), when not listening. */
  reason?: string;
}

export interface EndpointStatus {
  endpointId: string;
  /** The desired-state version the data plane had converged to when it measured this. */
  version: number;
  enis: EniListening[];
  /** Why the endpoint as a whole is not served, when it is not. */
  reason?: string;
}

/** One health-check outcome (field names match `ObservedHealth` of src/control/services/elb/health.ts). */
export interface TargetHealthObservation {
  targetGroupArn: string;
  targetId: string;
  port: number;
  state: 'healthy' | 'unhealthy';
  reason?: 'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';
  description?: string;
  /** ISO time of the check that settled this state. */
  at: string;
}

/** One report of the data plane. */
export interface DataPlaneStatus {
  version: number;
  endpoints: EndpointStatus[];
  targetHealth: TargetHealthObservation[];
}

export interface Readiness {
  ready: boolean;
  reason: string;
}

/**
 * Whether an endpoint's listeners really serve: a report for at least `version` (the version of
 * the desired state `endpoint` comes from) in which every ENI is bound and listening.
 */
export function endpointReadiness(endpoint: DesiredEndpoint, version: number, status: EndpointStatus | undefined): Readiness {
  const id = endpoint.endpointId;
  if (!status) return { ready: false, reason: `the data plane has not reported on ${id}` };
  if (status.endpointId !== id) return { ready: false, reason: `the report is about ${status.endpointId}, not ${id}` };
  if (status.version < version) return { ready: false, reason: `the data plane reported ${id} at version ${status.version}, before version ${version}` };
  if (endpoint.bindings.length === 0) return { ready: false, reason: `${id} has no network interfaces` };
  for (const b of endpoint.bindings) {
    if (!isBound(b)) return { ready: false, reason: `${b.eniId} is unbound: ${b.unbound}` };
    const seen = status.enis.find((x) => x.eniId === b.eniId);
    if (!seen) return { ready: false, reason: `the data plane did not report on ${b.eniId}` };
    if (!seen.listening) return { ready: false, reason: `${b.eniId} is not listening${seen.reason ? `: ${seen.reason}` : ''}` };
  }
  return { ready: true, reason: `every network interface of ${id} is listening (${endpoint.bindings.length})` };
}
