/**
 * What the NLB-node workers report to the data plane about traffic: one `FlowRecord` per finished
 * or refused connection (for the flow log) and periodic `ListenerCounters` deltas per endpoint
 * listener (for /metrics). Types only; the worker fills them, metrics.ts and flow-log.ts read them.
 */

import type { RefusalStage } from '../policy/flow-route.js';

export type { RefusalStage };

/** The labels of one endpoint listener: one ENI of one interface endpoint, one NLB listener port. */
export interface ListenerLabels {
  /** `${eniId}:${port}`. */
  listenerId: string;
  endpointId: string;
  /** The consumer: account, VPC, subnet and zone of the ENI. */
  endpointAccount: string;
  vpcId: string;
  subnetId: string;
  eniId: string;
  eniIp: string;
  zoneId: string;
  port: number;
  /** The provider side. */
  serviceId: string;
  serviceAccount: string;
  loadBalancerArn: string;
  targetGroupArn: string;
  /** The NLB node serving the ENI (its zone and address). */
  nodeZoneId: string;
  nodeIp: string;
}

/** One connection as the flow log records it. */
export interface FlowRecord {
  listenerId: string;
  srcIp: string;
  srcPort: number;
  /** The ENI address and listener port the client connected to. */
  dstIp: string;
  dstPort: number;
  /** The target chosen (absent when refused before a pick). */
  targetIp?: string;
  targetPort?: number;
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** Bytes client → target and target → client (the PROXY header excluded). */
  bytesIn: number;
  bytesOut: number;
  action: 'ACCEPT' | 'REJECT';
  /** For REJECT: which check refused it. */
  stage?: RefusalStage;
  /** Human text: why it was refused or how it ended ('closed', 'client reset', 'idle timeout', …). */
  reason: string;
  /** Whether the target connection was established. */
  connected: boolean;
}

/** Counter increments for one listener since the previous report (all ≥ 0), plus its current active count. */
export interface ListenerCounters {
  listenerId: string;
  /** Connections accepted and admitted (a target connection was attempted). */
  newFlows: number;
  /** Connections refused, by stage. */
  refused: Partial<Record<RefusalStage, number>>;
  /** Admitted flows that ended. */
  endedFlows: number;
  /** Flows open now (a gauge, not a delta). */
  activeFlows: number;
  /** Bytes moved since the last report, including those of flows still open. */
  bytesIn: number;
  bytesOut: number;
  /** Resets received from the client, from the target, and sent by us (idle timeout, reject, delete, …). */
  clientResets: number;
  targetResets: number;
  elbResets: number;
}
