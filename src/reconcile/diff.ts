/**
 * `diffDesiredState`: which entries of each collection were added, removed or changed between two
 * desired states, by id, so a reconciler applies only the changes. Two entries are the same when
 * their JSON is (the compiler's output has a fixed key and list order).
 */
import type { DesiredState } from './desired-state.js';

export interface CollectionDiff {
  /** Sorted ids. */
  added: string[];
  removed: string[];
  changed: string[];
}

export type Collection = Exclude<keyof DesiredState, 'version'>;
export type DesiredStateDiff = Record<Collection, CollectionDiff>;

/** The id of an entry of each collection. */
export const ID_OF: { [C in Collection]: (x: DesiredState[C][number]) => string } = {
  networks: (x) => x.vpcId,
  interfaces: (x) => x.eniId,
  securityGroups: (x) => x.groupId,
  loadBalancers: (x) => x.arn,
  targetGroups: (x) => x.arn,
  endpoints: (x) => x.endpointId,
  dnsRecords: (x) => x.id,
  resolverRules: (x) => x.id,
  inboundEndpoints: (x) => x.id,
};

export const COLLECTIONS = Object.keys(ID_OF) as Collection[];

function diffList<T>(prev: readonly T[], next: readonly T[], id: (x: T) => string): CollectionDiff {
  const before = new Map(prev.map((x) => [id(x), JSON.stringify(x)]));
  const after = new Map(next.map((x) => [id(x), JSON.stringify(x)]));
  const sorted = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    added: sorted([...after.keys()].filter((k) => !before.has(k))),
    removed: sorted([...before.keys()].filter((k) => !after.has(k))),
    changed: sorted([...after].filter(([k, v]) => before.has(k) && before.get(k) !== v).map(([k]) => k)),
  };
}

/** The change set from `prev` (undefined: nothing applied yet, everything is added) to `next`. */
export function diffDesiredState(prev: DesiredState | undefined, next: DesiredState): DesiredStateDiff {
  const out = {} as DesiredStateDiff;
  for (const c of COLLECTIONS) {
    const id = ID_OF[c] as (x: unknown) => string;
    out[c] = diffList<unknown>(prev?.[c] ?? [], next[c], id);
  }
  return out;
}

export function isEmptyDiff(d: DesiredStateDiff): boolean {
  return COLLECTIONS.every((c) => d[c].added.length + d[c].removed.length + d[c].changed.length === 0);
}
