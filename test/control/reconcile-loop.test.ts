/**
 * The reconcile loop (src/control/reconcile-loop.ts) against a stand-in data plane: it compiles
 * and applies after a committed change, skips while nothing moved, and goes again while the plane
 * has not converged (a failed apply, a dead process) even when nothing was written.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ReconcileLoop } from '../../src/control/reconcile-loop.js';
import { Store } from '../../src/control/store/store.js';
import type { DataPlane } from '../../src/dataplane/plane.js';
import type { DesiredState } from '../../src/reconcile/desired-state.js';

function fakePlane() {
  const applied: DesiredState[] = [];
  const plane = {
    converged: true,
    applied,
    async apply(d: DesiredState) { applied.push(d); },
    endpointReadiness() { return { ready: false, reason: 'stand-in' }; },
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
