/**
 * The reconcile loop (src/control/reconcile-loop.ts) against a stand-in data plane: it compiles
 * and applies after a committed change, skips while nothing moved, and goes again while the plane
 * has not converged (a failed apply, a dead process) even when nothing was written. A pass with
 * nothing written since the last compile applies the last state with its endpoints' serving
 * brought up to date instead of compiling: the same as compiling again (every golden topology).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { promoteReady, ReconcileLoop, servingAgain } from '../../src/control/reconcile-loop.js';
import type { StoredResource } from '../../src/control/resources.js';
import { readSnapshot } from '../../src/control/snapshot.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { crossZone, endpointStates, missingZone, privateDns, twoAccountFlow, twoNlbs, workloads } from '../reconcile/scenarios.js';
import { Store } from '../../src/control/store/store.js';
import type { DataPlane } from '../../src/dataplane/plane.js';
import type { DesiredState } from '../../src/reconcile/desired-state.js';

function fakePlane() {
  const applied: DesiredState[] = [];
  const ready = new Set<string>();
  const plane = {
    converged: true,
    applied,
    ready,
    async apply(d: DesiredState) { applied.push(d); await new Promise((r) => setImmediate(r)); }, // a turn of the event loop, as real I/O takes
    endpointReadiness(id: string) { return { ready: ready.has(id), reason: ready.has(id) ? 'listening' : 'stand-in' }; },
  };
  return plane;
}

it('applies after a change, skips while nothing moved, retries while the plane has not converged', async (t) => {
  const store = await Store.open({ sqlitePath: ':memory:' });
  t.after(() => store.close());
  const plane = fakePlane();
  const loop = new ReconcileLoop(store, plane as unknown as DataPlane);
  t.after(() => loop.close());
  store.onChange(() => loop.kick()); // as app.ts wires it

  await loop.reconcile();
  assert.equal(plane.applied.length, 1, 'the first pass always compiles');
  await loop.reconcile();
  await loop.reconcile();
  assert.equal(plane.applied.length, 1, 'nothing written, plane converged: skipped');
  assert.equal(loop.stats.skipped, 2);

  plane.converged = false;
  await loop.reconcile();
  assert.equal(plane.applied.length, 2, 'a plane that has not converged is given the state again');
  assert.equal(plane.applied[1]!.version, plane.applied[0]!.version, 'same content, same version');
  plane.converged = true;

  await store.transaction(true, (tx) => tx.put({
    id: 'vpc-0123456789abcdef0', kind: 'vpc', account: '111111111111', region: 'us-east-1', createdAt: '2026-11-30T00:00:00.000Z', tags: [],
    cidrBlock: '10.0.0.0/16', cidrAssociationId: 'vpc-cidr-assoc-0123456789abcdef0', state: 'available', instanceTenancy: 'default',
    enableDnsSupport: true, enableDnsHostnames: false, dhcpOptionsId: 'dopt-01234567', mainRouteTableId: 'rtb-0123456789abcdef0',
    defaultSecurityGroupId: 'sg-0123456789abcdef0',
  }));
  await new Promise((r) => setTimeout(r, 20)); // the change notice kicks a pass
  assert.equal(plane.applied.length, 3, `a committed change is applied without being asked (${JSON.stringify(loop.stats)}, generation ${store.generation})`);
  assert.deepEqual(plane.applied[2]!.networks.map((n) => n.vpcId), ['vpc-0123456789abcdef0']);
  assert.ok(plane.applied[2]!.version > plane.applied[1]!.version, 'new content, new version');
  const unchangedTx = store.generation;
  await store.transaction(true, async () => {});
  assert.equal(store.generation, unchangedTx, 'a transaction that wrote nothing leaves the generation');
});

it('a pending endpoint whose listeners came up is applied as serving without compiling again', { timeout: 10_000 }, async (t) => {
  const store = await Store.open({ sqlitePath: ':memory:' });
  t.after(() => store.close());
  const plane = fakePlane();
  const loop = new ReconcileLoop(store, plane as unknown as DataPlane);
  t.after(() => loop.close());
  await store.transaction(true, async (tx) => { for (const doc of Object.values(endpointStates()).flat()) await tx.put(doc as StoredResource); });
  await loop.reconcile();
  const pending = plane.applied[0]!.endpoints.find((e) => e.state === 'pending');
  assert.ok(pending && !pending.serving);
  assert.deepEqual(loop.stats, { compiled: 1, reused: 0, skipped: 0 });

  plane.ready.add(pending.endpointId);
  await loop.reconcile();
  assert.deepEqual(loop.stats, { compiled: 1, reused: 1, skipped: 0 }, 'promoted from the last state, the store not read');
  const after = plane.applied[1]!;
  assert.equal(after.endpoints.find((e) => e.endpointId === pending.endpointId)?.serving, true);
  assert.ok(after.version > plane.applied[0]!.version, 'new content, new version');
  const recompiled = compileDesiredState(await store.transaction(false, (tx) => readSnapshot(tx)), after.version);
  promoteReady(recompiled, plane);
  assert.deepEqual(after, recompiled, 'what compiling again would have applied');
  await loop.reconcile();
  assert.equal(loop.stats.skipped, 1, 'then nothing moves');
});

it('servingAgain equals compiling the same snapshot again, both ways, on every golden topology', () => {
  const topologies = { crossZone, endpointStates, missingZone, privateDns, twoAccountFlow, twoNlbs, workloads };
  for (const [name, build] of Object.entries(topologies)) {
    const docs = build();
    const ids = compileDesiredState(docs, 1).endpoints.map((e) => e.endpointId);
    const none = { endpointReadiness: () => ({ ready: false, reason: 'not listening' }) };
    const all = { endpointReadiness: (id: string) => ({ ready: ids.includes(id), reason: 'listening' }) };
    for (const [from, to] of [[none, all], [all, none]] as const) {
      const last = compileDesiredState(docs, 1);
      promoteReady(last, from);
      const lastJson = JSON.stringify(last);
      const want = compileDesiredState(docs, 1);
      promoteReady(want, to);
      assert.deepEqual(servingAgain(last, to), want, name);
      assert.equal(JSON.stringify(last), lastJson, `${name}: the last state is not written to`);
    }
  }
});
