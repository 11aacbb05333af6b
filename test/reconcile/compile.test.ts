/**
 * The desired-state compiler: golden JSON for each topology of scenarios.ts, determinism (same
 * snapshot → same bytes, whatever the order of its lists), the binding pick, and the attribute
 * defaults against the control plane's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultListenerAttributes, defaultLoadBalancerAttributes, defaultTargetGroupAttributes,
} from '../../src/control/services/elb/attributes.js';
import { ATTRIBUTE_DEFAULTS, compileDesiredState, rendezvousPick } from '../../src/reconcile/compile.js';
import { isBound, type BoundEni, type DesiredState } from '../../src/reconcile/desired-state.js';
import type { Snapshot } from '../../src/reconcile/snapshot.js';
import { emptyDocs as docsOfEmpty, type Docs } from './fixtures.js';
import { golden } from './golden.js';
import { crossZone, endpointStates, missingZone, privateDns, privateDnsPending, resolver, twoAccountFlow, twoNlbs, workloads } from './scenarios.js';

function pick<K extends keyof DesiredState>(s: DesiredState, ...keys: K[]): Pick<DesiredState, K> {
  return Object.fromEntries(keys.map((k) => [k, s[k]])) as Pick<DesiredState, K>;
}

function bindingOf(s: DesiredState, eniId: string): BoundEni | { eniId: string; unbound: string } {
  const b = s.endpoints.flatMap((e) => e.bindings).find((x) => x.eniId === eniId);
  assert.ok(b, `no binding for ${eniId}`);
  return b;
}

/** mulberry32: a seeded PRNG so a failing shuffle can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The same snapshot with every list whose order carries no meaning shuffled. */
function shuffle(d: Docs, seed: number): Snapshot {
  const r = prng(seed);
  const c = structuredClone(d);
  return {
    vpcs: shuffled(c.vpcs, r),
    subnets: shuffled(c.subnets, r),
    securityGroups: shuffled(c.securityGroups, r),
    routeTables: shuffled(c.routeTables, r),
    networkInterfaces: shuffled(c.networkInterfaces.map((n) => ({ ...n, groupIds: shuffled(n.groupIds, r) })), r),
    loadBalancers: shuffled(c.loadBalancers.map((lb) => ({ ...lb, zones: shuffled(lb.zones, r), securityGroups: shuffled(lb.securityGroups, r) })), r),
    targetGroups: shuffled(c.targetGroups.map((tg) => ({ ...tg, targets: shuffled(tg.targets, r) })), r),
    listeners: shuffled(c.listeners, r),
    endpointServices: shuffled(c.endpointServices.map((s) => ({ ...s, networkLoadBalancerArns: shuffled(s.networkLoadBalancerArns, r) })), r),
    endpoints: shuffled(c.endpoints.map((e) => ({ ...e, groupIds: shuffled(e.groupIds, r), interfaces: shuffled(e.interfaces ?? [], r) })), r),
    resolverEndpoints: shuffled(c.resolverEndpoints.map((e) => ({ ...e, ips: shuffled(e.ips, r) })), r),
    resolverRules: shuffled(c.resolverRules, r),
    resolverRuleAssociations: shuffled(c.resolverRuleAssociations, r),
  };
}

const SCENARIOS: Array<[string, () => Docs]> = [
  ['two-account-flow', twoAccountFlow], ['endpoint-states', endpointStates], ['two-nlbs', twoNlbs],
  ['missing-zone', missingZone], ['cross-zone', crossZone], ['workloads', workloads],
  ['private-dns', privateDns], ['private-dns-pending', privateDnsPending], ['resolver', resolver],
];

describe('compileDesiredState: golden', () => {
  it('(1) the two-account flow', () => {
    const s = compileDesiredState(twoAccountFlow(), 7);
    golden('two-account-flow', s);
    assert.equal(s.version, 7);
    const ep = s.endpoints[0]!;
    assert.deepEqual(ep.bindings.map((b) => isBound(b) && [b.eniId, b.nodeIp, b.ports.map((p) => p.port)]),
      [['eni-0cccccccccccccc01', '10.0.1.4', [80]], ['eni-0cccccccccccccc02', '10.0.2.4', [80]]]);
    assert.equal(s.targetGroups[0]!.proxyProtocolV2, true);
    assert.deepEqual(s.networks.map((n) => [n.vpcId, n.resolverIp, n.subnets.map((x) => x.gatewayIp)]), [
      ['vpc-0aaaaaaaaaaaaaaa1', '10.0.0.2', ['10.0.1.1', '10.0.2.1']],
      ['vpc-0ccccccccccccccc1', '10.0.0.2', ['10.0.1.1', '10.0.2.1']],
    ]);
  });

  it('(2) pending is prepared but not serving; pendingAcceptance, rejected and deleted are absent', () => {
    const s = compileDesiredState(endpointStates(), 1);
    golden('endpoint-states', pick(s, 'interfaces', 'endpoints'));
    assert.deepEqual(s.endpoints.map((e) => [e.endpointId, e.state, e.serving]), [
      ['vpce-0ccccccccccccccc1', 'available', true],
      ['vpce-0ccccccccccccccc2', 'pending', false],
    ]);
  });

  it('(3) two NLBs: each ENI bound to one NLB with a node in its zone, picked by ENI id', () => {
    const s = compileDesiredState(twoNlbs(), 1);
    golden('two-nlbs', pick(s, 'loadBalancers', 'endpoints'));
    const bound = s.endpoints.flatMap((e) => e.bindings).filter(isBound);
    assert.equal(bound.length, 4);
    // Both NLBs serve some ENI here (so the pick is really between them), each through its node in the ENI's zone.
    assert.equal(new Set(bound.map((b) => b.loadBalancerArn)).size, 2);
    for (const b of bound) {
      const lb = s.loadBalancers.find((x) => x.arn === b.loadBalancerArn)!;
      assert.deepEqual(lb.nodes.find((n) => n.zoneId === b.zoneId), lb.nodes.find((n) => n.ip === b.nodeIp));
      assert.deepEqual(b.ports.map((p) => p.port), lb.listeners.map((l) => l.port));
    }
  });

  it('(4) an ENI in a zone no NLB of the service serves is unbound, with the reason', () => {
    const s = compileDesiredState(missingZone(), 1);
    golden('missing-zone', pick(s, 'endpoints'));
    assert.deepEqual(bindingOf(s, 'eni-0cccccccccccccc72'), {
      eniId: 'eni-0cccccccccccccc72', subnetId: 'subnet-0ccccccccccccccc3', ip: '10.0.3.71', zoneId: 'use1-az3',
      unbound: 'no network load balancer of vpce-svc-0123456789abcdef1 has a node in zone use1-az3',
    });
    assert.equal((bindingOf(s, 'eni-0cccccccccccccc71') as BoundEni).nodeIp, '10.0.1.7');
    assert.match((bindingOf(s, 'eni-0cccccccccccccc81') as { unbound: string }).unbound, /vpce-svc-0123456789abcdef9 does not exist/);
  });

  it('(5) cross-zone: the load balancer attribute, and the target group overriding it', () => {
    const s = compileDesiredState(crossZone(), 1);
    golden('cross-zone', pick(s, 'loadBalancers', 'targetGroups'));
    const tg = (name: string) => s.targetGroups.find((x) => x.arn.includes(`/${name}/`))!;
    const lb = (name: string) => s.loadBalancers.find((x) => x.arn.includes(`/${name}/`))!.arn;
    assert.deepEqual(tg('defer').loadBalancers, [{ loadBalancerArn: lb('plain'), crossZone: false }, { loadBalancerArn: lb('xz'), crossZone: true }]);
    assert.deepEqual(tg('off').loadBalancers, [{ loadBalancerArn: lb('xz'), crossZone: false }]);
    assert.deepEqual(tg('on').loadBalancers, [{ loadBalancerArn: lb('plain'), crossZone: true }]);
    assert.deepEqual(tg('defer').targets.map((t) => [t.id, t.zoneId]), [['10.0.1.20', 'use1-az1'], ['10.0.2.20', 'use1-az2'], ['192.168.5.5', 'all']]);
    assert.deepEqual(tg('on').targets.map((t) => [t.port, t.zoneId]), [[9000, 'use1-az1'], [9001, 'all']]);
    assert.deepEqual(tg('off').targets.map((t) => t.healthCheckPort), [8081]);
  });

  it('(6) workload ENIs: kind workload, owned by themselves, bound to nothing', () => {
    const s = compileDesiredState(workloads(), 1);
    golden('workloads', pick(s, 'interfaces', 'endpoints'));
    const w = s.interfaces.filter((i) => i.kind === 'workload');
    assert.deepEqual(w.map((i) => [i.eniId, i.owner, i.vpcId, i.ip, i.zoneId, i.securityGroupIds]), [
      ['eni-0aaaaaaaaaaaaaa91', 'eni-0aaaaaaaaaaaaaa91', 'vpc-0aaaaaaaaaaaaaaa1', '10.0.1.10', 'use1-az1', ['sg-0aaaaaaaaaaaaaaa1']],
      ['eni-0cccccccccccccc91', 'eni-0cccccccccccccc91', 'vpc-0ccccccccccccccc1', '10.0.1.20', 'use1-az1', ['sg-0ccccccccccccccc1']],
    ]);
    assert.deepEqual(s.endpoints, compileDesiredState(twoAccountFlow(), 1).endpoints, 'endpoints and their bindings do not change');
  });

  it('(7) a verified private DNS name, enabled by an available endpoint: a record scoped to the consumer VPC', () => {
    const s = compileDesiredState(privateDns(), 1);
    golden('private-dns', pick(s, 'networks', 'endpoints', 'dnsRecords'));
    const priv = s.dnsRecords.filter((r) => r.kind === 'private');
    assert.deepEqual(priv.map((r) => [r.id, r.scope, r.name, r.endpointId, r.a]), [
      ['vpc-0ccccccccccccccc1 api.example.com', 'vpc-0ccccccccccccccc1', 'api.example.com', 'vpce-0ccccccccccccccc1', ['10.0.1.5', '10.0.2.5']],
    ]);
    assert.equal(s.endpoints[0]!.privateDnsEnabled, true);
    const regional = s.dnsRecords.find((r) => r.kind === 'regional')!;
    assert.deepEqual(priv[0]!.a, regional.a, 'the private name answers what the regional name does');
  });

  it('(8) the same name pendingVerification: no private record, the public names unchanged', () => {
    const s = compileDesiredState(privateDnsPending(), 1);
    golden('private-dns-pending', pick(s, 'dnsRecords'));
    assert.deepEqual(s.dnsRecords.filter((r) => r.kind === 'private'), []);
    assert.deepEqual(s.dnsRecords, compileDesiredState(twoAccountFlow(), 1).dnsRecords);
  });
});

describe('compileDesiredState: Route 53 Resolver', () => {
  it('(9) forwarding rules in force per VPC, operational inbound endpoints, resolver ENIs', () => {
    const s = compileDesiredState(resolver(), 1);
    golden('resolver', pick(s, 'resolverRules', 'inboundEndpoints'));
    assert.deepEqual(s.resolverRules, [{
      id: 'vpc-0ccccccccccccccc1 corp.example.com', vpcId: 'vpc-0ccccccccccccccc1', domain: 'corp.example.com',
      targets: [{ ip: '192.168.10.53', port: 53 }, { ip: '192.168.11.53', port: 5353 }], ruleId: 'rslvr-rr-0ccccccccccccccc1',
      outboundEndpointId: 'rslvr-out-0ccccccccccccccc1', outboundVpcId: 'vpc-0ccccccccccccccc1', sourceIps: ['10.0.1.40', '10.0.2.40'],
    }]);
    assert.deepEqual(s.inboundEndpoints, [{
      id: 'rslvr-in-0ccccccccccccccc3', vpcId: 'vpc-0ccccccccccccccc1',
      ips: [{ eniId: 'eni-0cccccccccccccca5', subnetId: 'subnet-0ccccccccccccccc1', ip: '10.0.1.50' }, { eniId: 'eni-0cccccccccccccca6', subnetId: 'subnet-0ccccccccccccccc2', ip: '10.0.2.50' }],
    }]);
    const resolverEnis = s.interfaces.filter((i) => i.eniId.startsWith('eni-0cccccccccccccca'));
    assert.equal(resolverEnis.length, 8);
    for (const i of resolverEnis) {
      assert.equal(i.kind, 'resolver-endpoint', i.eniId);
      assert.ok(i.owner.startsWith('rslvr-'), i.owner);
    }
    assert.deepEqual(s.endpoints, compileDesiredState(twoAccountFlow(), 1).endpoints, 'endpoints do not change');
  });
  it('an empty store compiles to empty lists; a rule whose endpoint is missing or DELETING is absent', () => {
    const d = resolver();
    d.resolverEndpoints.find((e) => e.id === 'rslvr-out-0ccccccccccccccc1')!.status = 'DELETING';
    d.resolverEndpoints.find((e) => e.id === 'rslvr-in-0ccccccccccccccc3')!.status = 'DELETING';
    const s = compileDesiredState(d, 1);
    assert.deepEqual([s.resolverRules, s.inboundEndpoints], [[], []]);
    const empty = compileDesiredState(docsOfEmpty(), 1);
    assert.deepEqual([empty.resolverRules, empty.inboundEndpoints], [[], []]);
  });
});

describe('compileDesiredState: determinism', () => {
  for (const [name, make] of SCENARIOS) {
    it(`${name}: twice → the same bytes; shuffled lists → the same bytes`, () => {
      const docs = make();
      const once = JSON.stringify(compileDesiredState(docs, 3));
      assert.equal(JSON.stringify(compileDesiredState(docs, 3)), once);
      for (let seed = 1; seed <= 20; seed++) assert.equal(JSON.stringify(compileDesiredState(shuffle(docs, seed), 3)), once, `seed ${seed}`);
    });
  }
  it('the output survives a JSON round trip unchanged (no undefined, no class instances)', () => {
    for (const [, make] of SCENARIOS) {
      const s = compileDesiredState(make(), 1);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
    }
  });
  it('does not modify its input', () => {
    const docs = crossZone();
    const before = structuredClone(docs);
    compileDesiredState(docs, 1);
    assert.deepStrictEqual(docs, before);
  });
});

describe('binding pick (rendezvous hashing)', () => {
  // Realistic ids: ARNs that differ in the middle, ENI ids that differ in the last characters.
  const nlbs = ['web', 'web2', 'web3'].map((n) => `arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/${n}/0123456789abcdef`);
  const enis = Array.from({ length: 600 }, (_, i) => `eni-0cccccccccccc${i.toString(16).padStart(4, '0')}`);
  it('does not depend on the order of the candidates', () => {
    for (const e of enis) assert.equal(rendezvousPick(e, nlbs), rendezvousPick(e, [...nlbs].reverse()));
  });
  it('spreads ENIs over the candidates', () => {
    const counts = new Map<string, number>();
    for (const e of enis) counts.set(rendezvousPick(e, nlbs)!, (counts.get(rendezvousPick(e, nlbs)!) ?? 0) + 1);
    for (const lb of nlbs) assert.ok((counts.get(lb) ?? 0) > 150, `${lb} got ${counts.get(lb) ?? 0} of 600`);
  });
  it('adding a candidate moves only the ENIs the new one wins', () => {
    for (const e of enis) {
      const before = rendezvousPick(e, nlbs.slice(0, 2));
      const after = rendezvousPick(e, nlbs);
      assert.ok(after === before || after === nlbs[2], `${e} moved from ${before} to ${after}`);
    }
  });
  it('no candidates → none', () => {
    assert.equal(rendezvousPick('eni-1', []), undefined);
  });
});

describe('attribute defaults', () => {
  it('match the control plane\'s attribute specs', () => {
    assert.equal(ATTRIBUTE_DEFAULTS.loadBalancer['load_balancing.cross_zone.enabled'],
      defaultLoadBalancerAttributes({ type: 'network', scheme: 'internal' })['load_balancing.cross_zone.enabled']);
    assert.deepEqual(ATTRIBUTE_DEFAULTS.listener, defaultListenerAttributes());
    const control = defaultTargetGroupAttributes({ protocol: 'TCP', targetType: 'ip' });
    for (const [k, v] of Object.entries(ATTRIBUTE_DEFAULTS.targetGroup)) assert.equal(v, control[k], k);
  });
  it('apply to documents without attributes, by protocol and target type', () => {
    const docs = twoAccountFlow();
    docs.targetGroups[0]!.attributes = {};
    docs.listeners[0]!.attributes = {};
    const udp = { ...structuredClone(docs.targetGroups[0]!), id: 'arn:tg/udp', protocol: 'UDP' };
    const s = compileDesiredState({ ...docs, targetGroups: [...docs.targetGroups, udp] }, 1);
    const tcp = s.targetGroups.find((x) => x.protocol === 'TCP')!;
    const u = s.targetGroups.find((x) => x.protocol === 'UDP')!;
    const udpControl = defaultTargetGroupAttributes({ protocol: 'UDP', targetType: 'ip' });
    assert.deepEqual([tcp.proxyProtocolV2, tcp.preserveClientIp, tcp.deregistrationDelaySeconds, tcp.connectionTermination, tcp.stickiness, tcp.crossZoneSetting],
      [false, false, 300, false, 'none', 'use_load_balancer_configuration']);
    assert.deepEqual([u.preserveClientIp, u.connectionTermination],
      [udpControl['preserve_client_ip.enabled'] === 'true', udpControl['deregistration_delay.connection_termination.enabled'] === 'true']);
    assert.equal(s.loadBalancers[0]!.listeners[0]!.idleTimeoutSeconds, 350);
    assert.equal(s.loadBalancers[0]!.crossZone, false);
  });
});
