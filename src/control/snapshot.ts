/**
 * Reads the compiler's input (src/reconcile/snapshot.ts) from the store: every kind, listed in one
 * transaction so the snapshot is consistent. The only seam between the store and the pure
 * desired-state compiler. Returning the stored documents as `Snapshot` is where `tsc` checks that
 * they still carry every field the compiler reads.
 */
import type { Snapshot } from '../reconcile/snapshot.js';
import type { Kind } from './resources.js';
import type { Tx } from './store/store.js';

/** Which snapshot list holds each stored kind: a new kind fails to compile until it is listed here. */
export const SNAPSHOT_LISTS = {
  vpc: 'vpcs',
  subnet: 'subnets',
  'security-group': 'securityGroups',
  'route-table': 'routeTables',
  'network-interface': 'networkInterfaces',
  'load-balancer': 'loadBalancers',
  'target-group': 'targetGroups',
  listener: 'listeners',
  'endpoint-service': 'endpointServices',
  endpoint: 'endpoints',
  'resolver-endpoint': 'resolverEndpoints',
  'resolver-rule': 'resolverRules',
  'resolver-rule-association': 'resolverRuleAssociations',
} as const satisfies Record<Kind, keyof Snapshot>;

// Every snapshot list is filled from some kind.
type Unlisted = Exclude<keyof Snapshot, (typeof SNAPSHOT_LISTS)[Kind]>;
const everyListFilled: [Unlisted] extends [never] ? true : never = true;
void everyListFilled;

/** Every stored document, by kind, as `tx` sees them. */
export async function readSnapshot(tx: Tx): Promise<Snapshot> {
  return {
    vpcs: await tx.list('vpc'),
    subnets: await tx.list('subnet'),
    securityGroups: await tx.list('security-group'),
    routeTables: await tx.list('route-table'),
    networkInterfaces: await tx.list('network-interface'),
    loadBalancers: await tx.list('load-balancer'),
    targetGroups: await tx.list('target-group'),
    listeners: await tx.list('listener'),
    endpointServices: await tx.list('endpoint-service'),
    endpoints: await tx.list('endpoint'),
    resolverEndpoints: await tx.list('resolver-endpoint'),
    resolverRules: await tx.list('resolver-rule'),
    resolverRuleAssociations: await tx.list('resolver-rule-association'),
  };
}
