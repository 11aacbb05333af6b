/**
 * `readSnapshot` (src/control/snapshot.ts) against a real store: every kind comes back in its
 * list, and compiling what the store returns equals compiling the documents that were put.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSnapshot, SNAPSHOT_LISTS } from '../../src/control/snapshot.js';
import type { StoredResource } from '../../src/control/resources.js';
import { Store } from '../../src/control/store/store.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import type { Docs } from './fixtures.js';
import { crossZone, endpointStates, resolver } from './scenarios.js';

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
});
