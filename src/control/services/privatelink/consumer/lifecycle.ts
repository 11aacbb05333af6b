/**
 * The consumer's timed transitions (AWS moves these asynchronously; clients poll):
 *   pending  → available   once the endpoint can serve (`readyToServe`)
 *   deleting → deleted     ENIs released, gateway routes removed
 *   deleted  → (purged)    after `deletedRetentionMs`
 * pendingAcceptance → pending (accept) and → rejected (reject) are the provider's.
 */
import type { ControlConfig } from '../../../api/context.js';
import type { EndpointDoc } from '../../../resources.js';
import type { Tx } from '../../../store/store.js';
import { elapsed, type Tick } from '../../tick.js';
import { releaseEni } from '../../shared.js';
import { removeGatewayRoutes } from './common.js';

/**
 * Whether a `pending` endpoint may become `available`: with a data plane, once its listeners
 * really serve (every ENI port listens in the consumer VPC and the node workers admit its
 * connections); without one (`--network none`), once the transitional delay has passed.
 */
export async function readyToServe(_tx: Tx, endpoint: EndpointDoc, now: Date, config: ControlConfig): Promise<boolean> {
  if (config.dataPlane) return config.dataPlane.endpointServing(endpoint.id);
  return elapsed(endpoint.stateChangedAt, now, config.stateDelayMs);
}

/** Finishes a deletion: releases the ENIs and removes the gateway routes. */
export async function teardown(tx: Tx, endpoint: EndpointDoc): Promise<EndpointDoc> {
  for (const eniId of endpoint.networkInterfaceIds) {
    if (await tx.get('network-interface', eniId)) await releaseEni({ tx }, eniId);
  }
  for (const rtb of endpoint.routeTableIds) await removeGatewayRoutes(tx, rtb, endpoint.id);
  return { ...structuredClone(endpoint), networkInterfaceIds: [] };
}

export const consumerTick: Tick = async (tx, now, config) => {
  let waiting = false;
  // Only the endpoints in a timed state (the store filters): pending waits on the data plane (or
  // the delay), deleting on the delay, deleted on its retention.
  const timed = [];
  for (const state of ['pending', 'deleting', 'deleted'] as const) timed.push(...await tx.listWhere('endpoint', undefined, 'state', state));
  for (const e of timed) {
    waiting = true;
    if (e.state === 'pending' && await readyToServe(tx, e, now, config)) {
      await tx.put({ ...structuredClone(e), state: 'available', stateChangedAt: now.toISOString() });
    } else if (e.state === 'deleting' && elapsed(e.stateChangedAt, now, config.stateDelayMs)) {
      const done = await teardown(tx, e);
      await tx.put({ ...done, state: 'deleted', stateChangedAt: now.toISOString() });
    } else if (e.state === 'deleted' && elapsed(e.stateChangedAt, now, config.deletedRetentionMs)) {
      await tx.delete(e.id);
    }
  }
  return waiting;
};
