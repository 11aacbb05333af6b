/**
 * `explainFlow` and `decideFlow` over the golden desired state of the two-account flow
 * (test/reconcile/golden/two-account-flow.json): one table of queries, each with the state change
 * it applies first, and the verdict, refusal stage and target expected.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { explainFlow, type ExplainQuery, type KnownEndpoint } from '../../src/policy/explain.js';
import { compileNodeRoutes, decideFlow, healthKey, listenerIdOf, type HealthMap } from '../../src/policy/flow-route.js';
import type { DesiredState } from '../../src/reconcile/desired-state.js';

const GOLDEN = JSON.parse(readFileSync(new URL('../reconcile/golden/two-account-flow.json', import.meta.url), 'utf8')) as DesiredState;
const CONSUMER_VPC = 'vpc-0ccccccccccccccc1';
const PROVIDER_VPC = 'vpc-0aaaaaaaaaaaaaaa1';
const TG = GOLDEN.targetGroups[0]!.arn;
const T1 = '10.0.1.10';
const T2 = '10.0.2.10';
const ENI_A = '10.0.1.5';
const ENI_B = '10.0.2.5';

const healthy: HealthMap = { [healthKey(TG, T1, 8080)]: 'healthy', [healthKey(TG, T2, 8080)]: 'healthy' };

function state(change?: (d: DesiredState) => void): DesiredState {
  const d = structuredClone(GOLDEN);
  change?.(d);
  return d;
}

interface Row {
  name: string;
  query: Partial<ExplainQuery>;
  change?: (d: DesiredState) => void;
  health?: HealthMap;
  known?: KnownEndpoint[];
  admit: boolean;
  stage?: string;
  target?: string;
  /** A fragment the reason (refused) or the last step (admitted) must contain. */
  says: RegExp;
}

const ROWS: Row[] = [
  { name: 'zone a ENI → zone a target (cross-zone off)', query: {}, admit: true, target: T1, says: /healthy target\(s\) in zone use1-az1/ },
  { name: 'zone b ENI → zone b target', query: { destination: ENI_B }, admit: true, target: T2, says: /zone use1-az2/ },
  { name: 'by endpoint id and zone', query: { destination: 'vpce-0ccccccccccccccc1', zoneId: 'use1-az2' }, admit: true, target: T2, says: /use1-az2/ },
  {
    name: 'zone a target unhealthy, cross-zone off: fail open to the zone a target',
    query: {}, health: { ...healthy, [healthKey(TG, T1, 8080)]: 'unhealthy' }, admit: true, target: T1, says: /fail open: no healthy target in zone use1-az1/,
  },
  {
    name: 'zone a target unhealthy, cross-zone on: the healthy zone b target',
    query: {}, health: { ...healthy, [healthKey(TG, T1, 8080)]: 'unhealthy' },
    change: (d) => { d.targetGroups[0]!.loadBalancers[0]!.crossZone = true; }, admit: true, target: T2, says: /1 healthy target\(s\) in any zone/,
  },
  { name: 'no health observed yet: fail open', query: {}, health: {}, admit: true, target: T1, says: /fail open/ },
  {
    name: 'zone a target draining: nothing in zone a takes new flows',
    query: {}, change: (d) => { d.targetGroups[0]!.targets[0]!.drainingUntil = '2026-01-01T00:00:00.000Z'; },
    admit: false, stage: 'no-target', says: /no registered target in zone use1-az1 \(cross-zone off\); 1 in other zones, 1 draining or unused/,
  },
  {
    name: 'pending endpoint refuses', query: {}, change: (d) => { d.endpoints[0]!.serving = false; d.endpoints[0]!.state = 'pending'; },
    admit: false, stage: 'endpoint-state', says: /is pending, not available/,
  },
  {
    name: 'source outside the security group rule', query: { sourceIp: '192.168.1.9' },
    admit: false, stage: 'security-group', says: /eni-0cccccccccccccc01: .*192\.168\.1\.9/,
  },
  { name: 'a port the load balancer has no listener on', query: { port: 443 }, admit: false, stage: 'no-listener', says: /listens on port\(s\) 80, not 443/ },
  { name: 'an address that is no endpoint', query: { destination: '10.0.1.77' }, admit: false, stage: 'no-listener', says: /no interface endpoint has the address 10\.0\.1\.77/ },
  {
    name: 'the endpoint from another VPC (isolation)', query: { sourceVpcId: PROVIDER_VPC, destination: 'vpce-0ccccccccccccccc1' },
    admit: false, stage: 'no-listener', says: /VPCs reach each other only through endpoints/,
  },
  {
    name: 'an endpoint the desired state leaves out (rejected)', query: {},
    change: (d) => { d.endpoints = []; }, known: [{ endpointId: 'vpce-0ccccccccccccccc1', vpcId: CONSUMER_VPC, state: 'rejected', ips: [ENI_A, ENI_B] }],
    admit: false, stage: 'endpoint-state', says: /vpce-0ccccccccccccccc1 is rejected/,
  },
  {
    name: 'an ENI no load balancer serves', query: {},
    change: (d) => { d.endpoints[0]!.bindings[0] = { eniId: 'eni-0cccccccccccccc01', subnetId: 'subnet-0ccccccccccccccc1', ip: ENI_A, zoneId: 'use1-az1', unbound: 'no load balancer of the service has a node in use1-az1' }; },
    admit: false, stage: 'unbound', says: /no load balancer of the service has a node in use1-az1/,
  },
  {
    name: 'a target group with no targets', query: {}, change: (d) => { d.targetGroups[0]!.targets = []; },
    admit: false, stage: 'no-target', says: /no registered target in the target group/,
  },
];

describe('explainFlow over the two-account golden state', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const q: ExplainQuery = { sourceVpcId: CONSUMER_VPC, sourceIp: '10.0.1.100', destination: ENI_A, port: 80, ...row.query };
      const a = explainFlow(state(row.change), row.health ?? healthy, q, row.known);
      assert.equal(a.admit, row.admit, JSON.stringify(a, null, 1));
      if (a.admit) {
        assert.equal(a.target.ip, row.target);
        assert.equal(a.proxyProtocolV2, true);
        assert.match(a.steps.at(-1)!.detail, row.says);
        assert.ok(a.steps.every((s) => s.ok));
      } else {
        assert.equal(a.stage, row.stage);
        assert.match(a.reason, row.says);
        assert.equal(a.steps.at(-1)!.ok, false);
      }
    });
  }
});

describe('decideFlow', () => {
  it('answers no-listener for a port this node does not serve, and uses the node address and the endpoint id', () => {
    const routes = compileNodeRoutes(state(), healthy, 'eni-0aaaaaaaaaaaaaa01');
    assert.deepEqual([...routes.listeners.keys()], [listenerIdOf('eni-0cccccccccccccc01', 80)]);
    const other = decideFlow(routes, listenerIdOf('eni-0cccccccccccccc02', 80), { srcIp: '10.0.1.100', srcPort: 1 });
    assert.equal(other.admit, false);
    const d = decideFlow(routes, listenerIdOf('eni-0cccccccccccccc01', 80), { srcIp: '10.0.1.100', srcPort: 1 });
    assert.ok(d.admit);
    assert.equal(d.localAddress, '10.0.1.4');
    assert.equal(d.endpointId, 'vpce-0ccccccccccccccc1');
    assert.equal(d.idleTimeoutMs, 350_000);
    assert.deepEqual(d.reasons, [], 'the workers\' path builds no per-connection reason strings');
    const e = decideFlow(routes, listenerIdOf('eni-0cccccccccccccc01', 80), { srcIp: '10.0.1.100', srcPort: 1 }, { explain: true });
    assert.equal(e.reasons.length, 3, JSON.stringify(e.reasons));
  });

  it('a node that is not in the desired state serves nothing', () => {
    const routes = compileNodeRoutes(state(), healthy, 'eni-0000000000000000f');
    assert.equal(routes.node, undefined);
    assert.equal(routes.listeners.size, 0);
  });

  it('with cross-zone on, flows spread over both zones\' targets by source port', () => {
    const routes = compileNodeRoutes(state((d) => { d.targetGroups[0]!.loadBalancers[0]!.crossZone = true; }), healthy, 'eni-0aaaaaaaaaaaaaa01');
    const seen = new Set<string>();
    for (let port = 1000; port < 1064; port++) {
      const d = decideFlow(routes, listenerIdOf('eni-0cccccccccccccc01', 80), { srcIp: '10.0.1.100', srcPort: port });
      if (d.admit) seen.add(d.target.id);
    }
    assert.deepEqual([...seen].sort(), [T1, T2]);
  });
});
