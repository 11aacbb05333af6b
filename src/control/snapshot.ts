/**
 * Reads the compiler's input (src/reconcile/snapshot.ts) from the store: every kind, listed in one
 * transaction so the snapshot is consistent. The only seam between the store and the pure
 * desired-state compiler. Returning the stored documents as `Snapshot` is where `tsc` checks that
 * they still carry every field the compiler reads.
 */
import type { Snapshot } from '../reconcile/snapshot.js';
import type { Kind, ResourceOf } from './resources.js';
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

/**
 * Parsed documents kept from one snapshot to the next: a row whose JSON text is unchanged is not
 * parsed again (at 1,000 endpoints the parse was most of a reconcile pass's read). Snapshots share
 * these objects, which is safe because the compiler never writes to its input and its output
 * holds none of them (both tested on every golden topology).
 */
export class DocumentCache {
  #last = new Map<string, { raw: string; doc: unknown }>();
  #next = new Map<string, { raw: string; doc: unknown }>();
  /** In the last read: rows parsed, and rows whose document from the read before was kept. */
  readonly stats = { parsed: 0, reused: 0 };

  begin(): void {
    this.#next = new Map();
    this.stats.parsed = 0;
    this.stats.reused = 0;
  }

  parse<T>(rows: ReadonlyArray<{ id: string; doc: string }>): T[] {
    return rows.map((r) => {
      const hit = this.#last.get(r.id);
      let doc: unknown;
      if (hit && hit.raw === r.doc) { doc = hit.doc; this.stats.reused++; } else { doc = JSON.parse(r.doc); this.stats.parsed++; }
      this.#next.set(r.id, { raw: r.doc, doc });
      return doc as T;
    });
  }

  /** The read completed: its documents are the ones kept (those of deleted rows are dropped). */
  end(): void {
    this.#last = this.#next;
    this.#next = new Map();
  }
}

/** Every stored document, by kind, as `tx` sees them; with `cache`, unchanged rows are not parsed again. */
export async function readSnapshot(tx: Tx, cache?: DocumentCache): Promise<Snapshot> {
  cache?.begin();
  const read = cache
    ? async <K extends Kind>(kind: K): Promise<ResourceOf<K>[]> => cache.parse<ResourceOf<K>>(await tx.listRaw(kind))
    : <K extends Kind>(kind: K): Promise<ResourceOf<K>[]> => tx.list(kind);
  const snapshot: Snapshot = {
    vpcs: await read('vpc'),
    subnets: await read('subnet'),
    securityGroups: await read('security-group'),
    routeTables: await read('route-table'),
    networkInterfaces: await read('network-interface'),
    loadBalancers: await read('load-balancer'),
    targetGroups: await read('target-group'),
    listeners: await read('listener'),
    endpointServices: await read('endpoint-service'),
    endpoints: await read('endpoint'),
    resolverEndpoints: await read('resolver-endpoint'),
    resolverRules: await read('resolver-rule'),
    resolverRuleAssociations: await read('resolver-rule-association'),
  };
  cache?.end();
  return snapshot;
}
