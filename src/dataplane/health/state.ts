/**
 * Pure health-check threshold logic, as AWS applies it: a target starts `initial`; it becomes
 * `healthy` after `healthyThreshold` consecutive successes and `unhealthy` after
 * `unhealthyThreshold` consecutive failures (from any state). While unhealthy, the reason code and
 * description are those of the latest failed check. No I/O, no clock.
 */

export type HealthReason = 'Target.ResponseCodeMismatch' | 'Target.Timeout' | 'Target.FailedHealthChecks';

/** The outcome of one check (what `probe` returns, minus its free-text `detail`). */
export interface CheckOutcome {
  ok: boolean;
  /** Why a failed check failed; ignored when ok. */
  reasonCode?: HealthReason;
  /** AWS-style description of a failure, e.g. 'Health checks failed with these codes: [500]'. */
  description?: string;
}

export interface Thresholds {
  /** Consecutive successes to become healthy (AWS: 2–10, NLB default 5). */
  healthyThreshold: number;
  /** Consecutive failures to become unhealthy (AWS: 2–10, NLB default 2). */
  unhealthyThreshold: number;
}

export interface TargetCheckState {
  state: 'initial' | 'healthy' | 'unhealthy';
  /** Consecutive successful checks ending with the latest (0 after a failure). */
  successes: number;
  /** Consecutive failed checks ending with the latest (0 after a success). */
  failures: number;
  /** Present while unhealthy. */
  reason?: HealthReason;
  description?: string;
}

export const INITIAL_STATE: TargetCheckState = Object.freeze({ state: 'initial', successes: 0, failures: 0 });

/** The description AWS shows for a failure without a more specific one. */
export const FAILED_DESCRIPTION = 'Health checks failed';

export interface Transition {
  next: TargetCheckState;
  /** The reported verdict changed: state, reason code or description. */
  changed: boolean;
}

/** Applies one check outcome to `prev`. */
export function applyCheck(prev: TargetCheckState, outcome: CheckOutcome, t: Thresholds): Transition {
  let next: TargetCheckState;
  if (outcome.ok) {
    const successes = prev.successes + 1;
    if (prev.state !== 'healthy' && successes >= t.healthyThreshold) {
      next = { state: 'healthy', successes, failures: 0 };
    } else {
      next = { ...prev, successes, failures: 0 };
    }
  } else {
    const failures = prev.failures + 1;
    const reason = outcome.reasonCode ?? 'Target.FailedHealthChecks';
    const description = outcome.description ?? FAILED_DESCRIPTION;
    if (prev.state === 'unhealthy' || failures >= t.unhealthyThreshold) {
      next = { state: 'unhealthy', successes: 0, failures, reason, description };
    } else {
      next = { ...prev, successes: 0, failures };
    }
  }
  const changed = next.state !== prev.state || next.reason !== prev.reason || next.description !== prev.description;
  return { next, changed };
}
