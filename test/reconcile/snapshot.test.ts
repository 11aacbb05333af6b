/**
 * `readSnapshot` (src/control/snapshot.ts) against a real store: every kind comes back in its
 * list, and compiling what the store returns equals compiling the documents that were put. With a
 * `DocumentCache`, unchanged rows come back as the objects of the read before, which is safe
 * because the compiler neither writes to its input nor hands any of it out (checked on deep-frozen
 * input for every golden topology).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentCache, readSnapshot, SNAPSHOT_LISTS } from '../../src/control/snapshot.js';
import type { StoredResource } from '../../src/control/resources.js';
import { Store } from '../../src/control/store/store.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import type { Docs } from './fixtures.js';
import { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads } from './scenarios.js';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Paths in `v` that reach a frozen object (the compiler's output aliasing its frozen input). */
function frozenPaths(v: unknown, path = '$', out: string[] = []): string[] {
  if (v && typeof v === 'object') {
    if (Object.isFrozen(v)) out.push(path);
    else for (const [k, x] of Object.entries(v)) frozenPaths(x, `${path}.${k}`, out);
  }
  return out;
}

/** crossZone with the resolver scenario's endpoints, rules, associations and their ENIs: every kind. */
function everyKind(): Docs {
  const d = crossZone();
  const r = resolver();
  d.networkInterfaces.push(...r.networkInterfaces.filter((n) => n.ownerResourceId.startsWith('rslvr-')));
  return { ...d, resolverEndpoints: r.resolverEndpoints, resolverRules: r.resolverRules, resolverRuleAssociations: r.resolverRuleAssociations };
}

async function withStore(t: { after: (fn: () => Promise<void>) => void }): Promise<Store> {
  const store = await Store.open({ sqlitePath: ':memory:' });
  t.after(() => store.close());
  return store;
}

function allDocs(d: Docs): StoredResource[] {
  return Object.values(d).flat() as StoredResource[];
}

describe('readSnapshot', () => {
  it('lists every stored kind in its snapshot list', async (t) => {
    const store = await withStore(t);
    const docs = everyKind();
    await store.transaction(true, async (tx) => { for (const doc of allDocs(docs)) await tx.put(doc); });
    const snap = await store.transaction(false, (tx) => readSnapshot(tx));
    for (const [kind, list] of Object.entries(SNAPSHOT_LISTS)) {
      const want = allDocs(docs).filter((d) => d.kind === kind).map((d) => d.id).sort();
      assert.ok(want.length > 0, `the fixture has no ${kind}`);
      assert.deepEqual(snap[list].map((d) => d.id).sort(), want, kind);
    }
  });

  it('compiles to the same desired state as the documents put', async (t) => {
    const store = await withStore(t);
    const docs = { ...endpointStates(), ...(({ resolverEndpoints, resolverRules, resolverRuleAssociations }) => ({ resolverEndpoints, resolverRules, resolverRuleAssociations }))(everyKind()) };
    docs.networkInterfaces = [...docs.networkInterfaces, ...everyKind().networkInterfaces.filter((n) => n.ownerResourceId.startsWith('rslvr-'))];
    await store.transaction(true, async (tx) => { for (const doc of allDocs(docs)) await tx.put(doc); });
    const snap = await store.transaction(false, (tx) => readSnapshot(tx));
    assert.equal(JSON.stringify(compileDesiredState(snap, 4)), JSON.stringify(compileDesiredState(docs, 4)));
  });

  it('with a DocumentCache: the same snapshot, unchanged rows not parsed again, changed and deleted ones not kept', async (t) => {
    const store = await withStore(t);
    const docs = everyKind();
    await store.transaction(true, async (tx) => { for (const doc of allDocs(docs)) await tx.put(doc); });
    const cache = new DocumentCache();
    const first = await store.transaction(false, (tx) => readSnapshot(tx, cache));
    assert.deepEqual(first, await store.transaction(false, (tx) => readSnapshot(tx)));
    assert.deepEqual(cache.stats, { parsed: allDocs(docs).length, reused: 0 });

    const [vpc] = first.vpcs;
    const [gone] = first.endpoints;
    assert.ok(vpc && gone);
    await store.transaction(true, async (tx) => {
      await tx.put({ ...structuredClone(vpc), enableDnsHostnames: !vpc.enableDnsHostnames } as unknown as StoredResource); // the stored document, read back whole
      await tx.delete(gone.id);
    });
    const second = await store.transaction(false, (tx) => readSnapshot(tx, cache));
    assert.deepEqual(second, await store.transaction(false, (tx) => readSnapshot(tx)));
    assert.deepEqual(cache.stats, { parsed: 1, reused: allDocs(docs).length - 2 });
    assert.notEqual(second.vpcs.find((v) => v.id === vpc.id), vpc, 'the changed row is parsed again');
    assert.equal(second.vpcs.find((v) => v.id === vpc.id)?.enableDnsHostnames, !vpc.enableDnsHostnames);
    assert.equal(second.subnets[0], first.subnets[0], 'an unchanged row is the object of the read before');
    assert.ok(!second.endpoints.some((e) => e.id === gone.id));

    // A deleted row put back is parsed again, not taken from a read two passes old.
    await store.transaction(true, async (tx) => { await tx.put(gone as unknown as StoredResource); });
    const third = await store.transaction(false, (tx) => readSnapshot(tx, cache));
    assert.equal(cache.stats.parsed, 1);
    assert.notEqual(third.endpoints.find((e) => e.id === gone.id), gone);
  });

  const GOLDEN = { crossZone, endpointStates, everyKind, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads };
  for (const [name, build] of Object.entries(GOLDEN)) {
    it(`${name}: the compiler neither writes to its input nor hands any of it out`, () => {
      const input = build();
      const want = JSON.stringify(compileDesiredState(input, 2));
      const frozen = deepFreeze(build());
      const got = compileDesiredState(frozen, 2); // a write to frozen input throws (ES modules are strict)
      assert.equal(JSON.stringify(got), want);
      assert.deepEqual(frozenPaths(got), [], 'the output shares objects with the input');
    });
  }
});
