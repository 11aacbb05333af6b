/**
 * `endpointReadiness`: when the data plane's report says an endpoint's listeners really serve
 * (what the control plane waits for before pending → available), and why not otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObservedHealth } from '../../src/control/services/elb/health.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import type { DesiredEndpoint } from '../../src/reconcile/desired-state.js';
import { endpointReadiness, type EndpointStatus, type TargetHealthObservation } from '../../src/reconcile/status.js';
import { missingZone, twoAccountFlow } from './scenarios.js';

const EP = 'vpce-0ccccccccccccccc1';
const desired = compileDesiredState(twoAccountFlow(), 5);
const endpoint = desired.endpoints.find((e) => e.endpointId === EP)!;
const both = (a: boolean, b: boolean, reason?: string): EndpointStatus => ({
  endpointId: EP, version: 5,
  enis: [{ eniId: 'eni-0cccccccccccccc01', listening: a, ...(!a && reason ? { reason } : {}) }, { eniId: 'eni-0cccccccccccccc02', listening: b }],
});

const ROWS: Array<{ name: string; endpoint: DesiredEndpoint; status: EndpointStatus | undefined; ready: boolean; reason: RegExp }> = [
  { name: 'no report yet', endpoint, status: undefined, ready: false, reason: /has not reported on vpce-0ccccccccccccccc1/ },
  { name: 'every ENI listening', endpoint, status: both(true, true), ready: true, reason: /every network interface .* is listening \(2\)/ },
  { name: 'a report newer than the desired state counts', endpoint, status: { ...both(true, true), version: 9 }, ready: true, reason: /listening/ },
  { name: 'a report older than the desired state does not', endpoint, status: { ...both(true, true), version: 4 }, ready: false, reason: /at version 4, before version 5/ },
  { name: 'one ENI not listening, with the data plane\'s reason', endpoint, status: both(false, true, 'bind 10.0.1.5:80: EADDRINUSE'), ready: false, reason: /eni-0cccccccccccccc01 is not listening: bind 10\.0\.1\.5:80: EADDRINUSE/ },
  { name: 'one ENI missing from the report', endpoint, status: { ...both(true, true), enis: [{ eniId: 'eni-0cccccccccccccc01', listening: true }] }, ready: false, reason: /did not report on eni-0cccccccccccccc02/ },
  { name: 'a report about another endpoint', endpoint, status: { ...both(true, true), endpointId: 'vpce-other' }, ready: false, reason: /about vpce-other/ },
  {
    name: 'an unbound ENI never becomes ready',
    endpoint: compileDesiredState(missingZone(), 5).endpoints.find((e) => e.endpointId === 'vpce-0ccccccccccccccc7')!,
    status: { endpointId: 'vpce-0ccccccccccccccc7', version: 5, enis: [{ eniId: 'eni-0cccccccccccccc71', listening: true }, { eniId: 'eni-0cccccccccccccc72', listening: true }] },
    ready: false, reason: /eni-0cccccccccccccc72 is unbound: no network load balancer/,
  },
  { name: 'an endpoint without ENIs', endpoint: { ...endpoint, bindings: [] }, status: both(true, true), ready: false, reason: /has no network interfaces/ },
];

describe('endpointReadiness', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const r = endpointReadiness(row.endpoint, 5, row.status);
      assert.equal(r.ready, row.ready);
      assert.match(r.reason, row.reason);
    });
  }
});

describe('TargetHealthObservation', () => {
  it('carries what the control plane\'s health computation takes as an observed result', () => {
    const o: TargetHealthObservation = {
      targetGroupArn: 'arn:tg', targetId: '10.0.1.10', port: 8080, state: 'unhealthy', reason: 'Target.Timeout',
      description: 'Request timed out', at: '2026-01-01T00:00:00.000Z',
    };
    // Type-level: an observation is assignable to ObservedHealth field by field (tsc fails if they drift).
    const observed: ObservedHealth = { state: o.state, ...(o.reason && { reason: o.reason }), ...(o.description && { description: o.description }) };
    assert.deepEqual(observed, { state: 'unhealthy', reason: 'Target.Timeout', description: 'Request timed out' });
  });
});
