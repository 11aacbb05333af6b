/**
 * A worker sent only its node's slice routes exactly as one sent the whole desired state: for
 * every node of every golden topology (test/reconcile/scenarios.ts), compileNodeRoutes over `nodeSlice` equals it over the
 * whole state; and a slice leaves out what belongs to other nodes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileNodeRoutes, decideFlow, healthKey, type HealthMap } from '../../src/policy/flow-route.js';
import type { DesiredState } from '../../src/reconcile/desired-state.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { nodeSlice } from '../../src/reconcile/node-slice.js';
import { CONSUMER, rule, securityGroup, workloadEni, type Docs } from './fixtures.js';
import { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads } from './scenarios.js';

/**
 * The workloads topology with the endpoint's group admitting tcp/80 only from the members of a
 * client group: one workload ENI in it (10.0.1.20), one in another group (10.0.1.21).
 */
function referencedGroup(): Docs {
  const d = workloads();
  const cv = d.vpcs.find((v) => v.account === CONSUMER)!;
  const [ca] = d.subnets.filter((s) => s.vpcId === cv.id);
  d.securityGroups.push(securityGroup('sg-0ccccccccccccccc7', cv, [], []), securityGroup('sg-0ccccccccccccccc8', cv, [], []));
  d.securityGroups.find((g) => g.id === 'sg-0ccccccccccccccc1')!.ingress = [
    rule('sgr-0ccccccccccccccc7', { ipProtocol: 'tcp', fromPort: 80, toPort: 80, referencedGroupId: 'sg-0ccccccccccccccc7', referencedGroupAccount: CONSUMER })];
  const i = d.networkInterfaces.findIndex((n) => n.id === 'eni-0cccccccccccccc91');
  d.networkInterfaces[i] = workloadEni('eni-0cccccccccccccc91', ca!, '10.0.1.20', ['sg-0ccccccccccccccc7']);
  d.networkInterfaces.push(workloadEni('eni-0cccccccccccccc92', ca!, '10.0.1.21', ['sg-0ccccccccccccccc8']));
  return d;
}

const TOPOLOGIES = { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, referencedGroup, resolver, twoAccountFlow, twoNlbs, workloads };

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
  it('interfaces: only the members of groups the endpoints\' ingress rules reference, and a decision by membership is the same', () => {
    const health: HealthMap = {};
    const d = compileDesiredState(referencedGroup(), 1);
    const node = d.loadBalancers[0]!.nodes[0]!.eniId;
    const slice = nodeSlice(d, node);
    assert.deepEqual(slice.interfaces.map((i) => i.ip), ['10.0.1.20']);
    const listenerId = [...compileNodeRoutes(d, health, node).listeners.keys()][0]!;
    for (const [srcIp, admit] of [['10.0.1.20', true], ['10.0.1.21', false], ['192.168.0.9', false]] as const) {
      for (const routes of [compileNodeRoutes(d, health, node), compileNodeRoutes(slice, health, node)]) {
        const got = decideFlow(routes, listenerId, { srcIp, srcPort: 40000 });
        // No health observed yet: an admitted source may still stop at a later stage, never at the group.
        assert.equal(got.admit || got.stage !== 'security-group', admit, `${srcIp}: ${JSON.stringify(got)}`);
      }
    }
    // Without a referencing rule a new ENI in the consumer VPC leaves every slice as it was.
    const plainDocs = workloads();
    const before = compileDesiredState(plainDocs, 1);
    const cv = plainDocs.vpcs.find((v) => v.account === CONSUMER)!;
    plainDocs.networkInterfaces.push(workloadEni('eni-0cccccccccccccc93', plainDocs.subnets.find((s) => s.vpcId === cv.id)!, '10.0.1.22', ['sg-0ccccccccccccccc1']));
    const after = compileDesiredState(plainDocs, 1);
    assert.equal(after.interfaces.length, before.interfaces.length + 1);
    for (const n of before.loadBalancers.flatMap((lb) => lb.nodes.map((x) => x.eniId))) {
      assert.deepEqual(nodeSlice(after, n), nodeSlice(before, n), `node ${n}`);
    }
  });
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
