/**
 * Route 53 Resolver (JSON 1.1, signing name `route53resolver`): the 13 operations on endpoints,
 * rules and rule associations, the transition tick, and the dispatcher the server routes to.
 */
import { ROUTE53RESOLVER_MODEL } from '../../../wire/model.js';
import type { ControlConfig, Handlers } from '../../api/context.js';
import { JsonDispatcher } from '../../api/json-dispatch.js';
import type { Store } from '../../store/store.js';
import { elapsed, type Tick } from '../tick.js';
import { releaseEni } from '../shared.js';
import { associationHandlers } from './associations.js';
import { endpointHandlers } from './endpoints.js';
import { ruleHandlers } from './rules.js';

export const route53resolverHandlers: Handlers = { ...endpointHandlers, ...ruleHandlers, ...associationHandlers };

/** CREATING → OPERATIONAL / COMPLETE, DELETING → gone (an endpoint's ENIs released with it), after `stateDelayMs`. */
export const route53resolverTick: Tick = async (tx, now, config) => {
  const due = (since: string) => elapsed(since, now, config.stateDelayMs);
  const at = now.toISOString();
  let waiting = false;
  for (const e of await tx.list('resolver-endpoint')) {
    if (e.status === 'CREATING' || e.status === 'DELETING') waiting = true;
    if (e.status === 'CREATING' && due(e.stateChangedAt)) {
      await tx.put({ ...e, status: 'OPERATIONAL', statusMessage: 'This Resolver Endpoint is operational.', stateChangedAt: at, modifiedAt: at });
    } else if (e.status === 'DELETING' && due(e.stateChangedAt)) {
      for (const ip of e.ips) await releaseEni({ tx }, ip.networkInterfaceId);
      await tx.delete(e.id);
    }
  }
  for (const a of await tx.list('resolver-rule-association')) {
    if (a.status === 'CREATING' || a.status === 'DELETING') waiting = true;
    if (a.status === 'CREATING' && due(a.stateChangedAt)) {
      await tx.put({ ...a, status: 'COMPLETE', statusMessage: '', stateChangedAt: at });
    } else if (a.status === 'DELETING' && due(a.stateChangedAt)) {
      await tx.delete(a.id);
    }
  }
  return waiting;
};

/** The dispatcher `server.ts` routes `route53resolver`-signed (or `Route53Resolver.`-targeted) requests to. */
export function route53resolverDispatcher(store: Store, config: ControlConfig): JsonDispatcher {
  return new JsonDispatcher({
    signingName: 'route53resolver', displayName: 'Route 53 Resolver', model: ROUTE53RESOLVER_MODEL,
    handlers: route53resolverHandlers, idempotencyMember: 'CreatorRequestId',
  }, store, config);
}
