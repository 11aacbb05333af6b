/**
 * A worker sent only its node's slice routes exactly as one sent the whole desired state: for
 * every node of every golden topology (test/reconcile/scenarios.ts), compileNodeRoutes over `nodeSlice` equals it over the
 * whole state; and a slice leaves out what belongs to other nodes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileNodeRoutes, healthKey, type HealthMap } from '../../src/policy/flow-route.js';
import type { DesiredState } from '../../src/reconcile/desired-state.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { nodeSlice } from '../../src/reconcile/node-slice.js';
import { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads } from './scenarios.js';

const TOPOLOGIES = { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads };

/** Maps and sets as sorted entries, so two routing tables compare by content. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [k, plain(x)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  if (v instanceof Set) return [...v].map(plain).sort();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('nodeSlice', () => {
  for (const [file, build] of Object.entries(TOPOLOGIES)) {
    const d: DesiredState = compileDesiredState(build(), 3);
    const nodes = d.loadBalancers.flatMap((lb) => lb.nodes.map((n) => n.eniId));
    it(`${file}: every node routes the same with its slice (${nodes.length} nodes)`, () => {
      const health: HealthMap = Object.fromEntries(d.targetGroups.flatMap((tg) => tg.targets.map((t) => [healthKey(tg.arn, t.id, t.port), 'healthy' as const])));
      for (const node of nodes) {
        const slice = nodeSlice(d, node);
        assert.deepEqual(plain(compileNodeRoutes(slice, health, node)), plain(compileNodeRoutes(d, health, node)), `node ${node}`);
        assert.equal(slice.version, d.version);
        assert.equal(slice.loadBalancers.length, 1);
        for (const e of slice.endpoints) assert.ok(e.bindings.some((b) => 'nodeEniId' in b && b.nodeEniId === node), `${e.endpointId} is not bound to ${node}`);
        assert.deepEqual(slice.dnsRecords, []);
      }
    });
  }
  it('an unknown node gets an empty slice', () => {
    const d = compileDesiredState(twoNlbs(), 1);
    const s = nodeSlice(d, 'eni-0000000000000dead');
    assert.deepEqual([s.loadBalancers, s.endpoints, s.targetGroups, s.interfaces], [[], [], [], []]);
  });
  it('two NLBs: each node sees only its own load balancer and target groups', () => {
    const d = compileDesiredState(twoNlbs(), 1);
    const [a, b] = d.loadBalancers;
    assert.ok(a && b);
    const sa = nodeSlice(d, a.nodes[0]!.eniId);
    const sb = nodeSlice(d, b.nodes[0]!.eniId);
    assert.ok(sa.targetGroups.every((tg) => tg.loadBalancers.some((x) => x.loadBalancerArn === a.arn)));
    assert.ok(sb.targetGroups.every((tg) => tg.loadBalancers.some((x) => x.loadBalancerArn === b.arn)));
    // The target group is shared by both NLBs here: both slices carry it, each with only its own load balancer.
    assert.deepEqual([sa.loadBalancers[0]!.arn, sb.loadBalancers[0]!.arn], [a.arn, b.arn]);
    assert.equal(sa.targetGroups.length, 1);
  });
});
