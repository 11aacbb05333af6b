/** What an API handler gets: the caller, the transaction, the clock and the configuration. */
import type { ObservedHealth } from '../services/elb/health.js';
import type { RandomSource } from '../../core/ids.js';
import type { Tx } from '../store/store.js';

export interface ControlConfig {
  /** The region this server serves. */
  region: string;
  /** How long transitional states (pending, deleting, provisioning) last before the next tick advances them. */
  stateDelayMs: number;
  /** How long deleted/rejected endpoints and deleted services stay visible. */
  deletedRetentionMs: number;
  /**
   * The DNS server Underpass treats as the public DNS (`--public-dns`, `UNDERPASS_PUBLIC_DNS`):
   * private DNS name verification looks TXT records up there. Absent: checks cannot succeed.
   */
  publicDns?: { host: string; port: number };
  /** The running data plane, when there is one: what it reports back. */
  dataPlane?: DataPlaneView;
}

/** What the control plane reads from the data plane (src/dataplane/plane.ts implements it). */
export interface DataPlaneView {
  /** The endpoint's listeners all listen and its connections are admitted. */
  endpointServing(endpointId: string): boolean;
  /** The last health-check verdict for a target, if one was observed. */
  observedHealth(targetGroupArn: string, targetId: string, port: number): ObservedHealth | undefined;
}

export const DEFAULT_CONTROL_CONFIG: ControlConfig = {
  region: 'us-east-1',
  stateDelayMs: 1_000,
  deletedRetentionMs: 10 * 60_000,
};

export interface Caller {
  /** 12-digit account id. */
  account: string;
  /** arn:aws:iam::<account>:root, or the user/role the key belongs to. */
  principalArn: string;
  accessKeyId: string;
}

export interface RequestContext extends Caller {
  tx: Tx;
  region: string;
  requestId: string;
  now: Date;
  random: RandomSource;
  config: ControlConfig;
}

/** An operation: takes the decoded input (SDK member names), returns the output object. */
export type Handler = (ctx: RequestContext, input: any) => Promise<Record<string, unknown>>;
export type Handlers = Record<string, Handler>;

/** Read-only operations run without the write lock. */
export function isReadOnly(operation: string): boolean {
  return /^(Describe|Get|List)/.test(operation);
}
