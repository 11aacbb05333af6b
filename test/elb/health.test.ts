/** Target health is a pure function; this table pins every state it can answer, and that it never invents `healthy`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeTargetHealth, DESCRIPTIONS, type HealthInput } from '../../src/control/services/elb/health.js';
import type { LoadBalancerZone, RegisteredTarget } from '../../src/control/resources.js';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(new Date(T0).getTime() + ms);
const zone = (az: string): LoadBalancerZone => ({ subnetId: 'subnet-1', availabilityZone: az, availabilityZoneId: 'use1-az1', networkInterfaceId: 'eni-1', privateIpv4Address: '10.0.1.4' });
const activeLb = { state: 'active' as const, zones: [zone('us-east-1a'), zone('us-east-1b')] };
const target = (extra: Partial<RegisteredTarget> = {}): RegisteredTarget => ({ id: '10.0.1.10', port: 80, registeredAt: T0, zone: 'us-east-1a', ...extra });

const base: HealthInput = { target: target(), loadBalancer: activeLb, inUseSince: T0, now: at(10_000), registrationMs: 1000 };

const cases: Array<{ name: string; input: Partial<HealthInput>; want: { State: string; Reason?: string; Description?: string } }> = [
  { name: 'not registered', input: { target: undefined }, want: { State: 'unused', Reason: 'Target.NotRegistered', Description: DESCRIPTIONS.notRegistered } },
  { name: 'no listener forwards to the group', input: { loadBalancer: undefined, inUseSince: undefined }, want: { State: 'unused', Reason: 'Target.NotInUse', Description: DESCRIPTIONS.notInUse } },
  { name: 'AZ not enabled on the load balancer', input: { target: target({ zone: 'us-east-1c' }) }, want: { State: 'unused', Reason: 'Target.NotInUse', Description: DESCRIPTIONS.zoneNotEnabled } },
  { name: "AZ 'all' is always enabled", input: { target: target({ zone: undefined, availabilityZone: 'all', id: '192.168.0.5' }) }, want: { State: 'initial', Reason: 'Elb.InitialHealthChecking' } },
  { name: 'an explicit zone outside the VPC counts', input: { target: target({ zone: undefined, availabilityZone: 'us-east-1c', id: '192.168.0.5' }) }, want: { State: 'unused', Reason: 'Target.NotInUse' } },
  { name: 'just registered', input: { now: at(500) }, want: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: DESCRIPTIONS.registering } },
  { name: 'registration restarts when a listener starts forwarding later', input: { inUseSince: at(9_500).toISOString() }, want: { State: 'initial', Reason: 'Elb.RegistrationInProgress' } },
  { name: 'load balancer still provisioning', input: { loadBalancer: { ...activeLb, state: 'provisioning' } }, want: { State: 'initial', Reason: 'Elb.RegistrationInProgress' } },
  { name: 'registered, no check result: initial checking, never healthy', input: {}, want: { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: DESCRIPTIONS.initialChecks } },
  { name: 'draining wins over everything', input: { target: target({ drainingUntil: at(20_000).toISOString() }) }, want: { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: DESCRIPTIONS.draining } },
  { name: 'draining in an unused group', input: { target: target({ drainingUntil: at(20_000).toISOString() }), loadBalancer: undefined, inUseSince: undefined }, want: { State: 'draining', Reason: 'Target.DeregistrationInProgress' } },
  { name: 'observed healthy (data plane)', input: { observed: { state: 'healthy' } }, want: { State: 'healthy' } },
  { name: 'observed unhealthy (data plane)', input: { observed: { state: 'unhealthy', reason: 'Target.Timeout', description: 'Connection to target timed out' } }, want: { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Connection to target timed out' } },
  { name: 'an observation does not skip registration', input: { now: at(100), observed: { state: 'healthy' } }, want: { State: 'initial', Reason: 'Elb.RegistrationInProgress' } },
  { name: 'an observation does not make an unused target healthy', input: { loadBalancer: undefined, inUseSince: undefined, observed: { state: 'healthy' } }, want: { State: 'unused', Reason: 'Target.NotInUse' } },
];

describe('computeTargetHealth', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = computeTargetHealth({ ...base, ...c.input });
      assert.equal(got.State, c.want.State);
      assert.equal(got.Reason, c.want.Reason);
      if (c.want.Description !== undefined) assert.equal(got.Description, c.want.Description);
    });
  }
  it('without an observation no input yields healthy', () => {
    for (const c of cases) {
      if (c.input.observed) continue;
      assert.notEqual(computeTargetHealth({ ...base, ...c.input }).State, 'healthy', c.name);
    }
  });
});
