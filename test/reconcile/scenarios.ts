/**
 * The topologies of the golden tests, each built on the two-account flow of fixtures.ts.
 */
import {
  docsOf, endpoint, listener, nlb, resolverEndpoint, resolverRule, ruleAssociation, service, subnet, target, targetGroup, twoAccounts,
  workloadEni, type Docs,
} from './fixtures.js';

/** (1) The two-account flow as is. */
export function twoAccountFlow(): Docs {
  return docsOf(twoAccounts());
}

/**
 * (2) Next to the available endpoint: one `pending` (served, not admitting), one
 * `pendingAcceptance`, one `rejected`, one `deleted` (none of these three is served).
 */
export function endpointStates(): Docs {
  const t = twoAccounts();
  const [ca, cb] = t.consumer.subnets as [typeof t.consumer.subnets[0], typeof t.consumer.subnets[0]];
  const sg = ['sg-0ccccccccccccccc1'];
  const pending = endpoint('vpce-0ccccccccccccccc2', t.consumer.vpc, t.svc, 'pending', [[ca, 'eni-0cccccccccccccc21', '10.0.1.21'], [cb, 'eni-0cccccccccccccc22', '10.0.2.21']], sg);
  const waiting = endpoint('vpce-0ccccccccccccccc3', t.consumer.vpc, t.svc, 'pendingAcceptance', [[ca, 'eni-0cccccccccccccc31', '10.0.1.31']], sg);
  const rejected = endpoint('vpce-0ccccccccccccccc4', t.consumer.vpc, t.svc, 'rejected', [[ca, 'eni-0cccccccccccccc41', '10.0.1.41']], sg);
  const deleted = endpoint('vpce-0ccccccccccccccc5', t.consumer.vpc, t.svc, 'deleted', [[cb, 'eni-0cccccccccccccc51', '10.0.2.51']], sg);
  pending.endpoint.privateDnsEnabled = true;
  for (const e of [pending, waiting, rejected, deleted]) {
    t.endpoints.push(e.endpoint);
    t.networkInterfaces.push(...e.enis);
  }
  return docsOf(t);
}

/**
 * (3) A service fronted by two NLBs, both with nodes in both zones: each endpoint ENI is bound to
 * one of them, picked by the ENI id. A second endpoint adds two more ENIs.
 */
export function twoNlbs(): Docs {
  const t = twoAccounts();
  const [pa, pb] = t.provider.subnets as [typeof t.provider.subnets[0], typeof t.provider.subnets[0]];
  const [ca, cb] = t.consumer.subnets as [typeof t.consumer.subnets[0], typeof t.consumer.subnets[0]];
  const tg = t.targetGroups[0]!;
  const second = nlb('web2', t.provider.vpc, [[pa, 'eni-0aaaaaaaaaaaaaa11', '10.0.1.6'], [pb, 'eni-0aaaaaaaaaaaaaa12', '10.0.2.6']]);
  t.loadBalancers.push(second.lb);
  t.networkInterfaces.push(...second.enis);
  t.listeners.push(listener(second.lb, 1, 80, tg), listener(second.lb, 2, 8443, tg));
  t.svc.networkLoadBalancerArns.push(second.lb.id);
  const more = endpoint('vpce-0ccccccccccccccc6', t.consumer.vpc, t.svc, 'available',
    [[ca, 'eni-0cccccccccccccc61', '10.0.1.61'], [cb, 'eni-0cccccccccccccc62', '10.0.2.61']], ['sg-0ccccccccccccccc1']);
  t.endpoints.push(more.endpoint);
  t.networkInterfaces.push(...more.enis);
  return docsOf(t);
}

/**
 * (4) A service whose only NLB has a node in zone a alone, and an endpoint with ENIs in zone a
 * (bound) and zone c (unbound, with the reason); plus an endpoint of a service that no longer exists.
 */
export function missingZone(): Docs {
  const t = twoAccounts();
  const [pa] = t.provider.subnets as [typeof t.provider.subnets[0]];
  const [ca] = t.consumer.subnets as [typeof t.consumer.subnets[0]];
  const cc = subnet('subnet-0ccccccccccccccc3', t.consumer.vpc, '10.0.3.0/24', 'c');
  t.subnets.push(cc);
  const west = nlb('west', t.provider.vpc, [[pa, 'eni-0aaaaaaaaaaaaaa21', '10.0.1.7']]);
  const tg = t.targetGroups[0]!;
  t.loadBalancers.push(west.lb);
  t.networkInterfaces.push(...west.enis);
  t.listeners.push(listener(west.lb, 1, 5432, tg));
  const svc = service('vpce-svc-0123456789abcdef1', [west.lb]);
  t.endpointServices.push(svc);
  const ep = endpoint('vpce-0ccccccccccccccc7', t.consumer.vpc, svc, 'available',
    [[ca, 'eni-0cccccccccccccc71', '10.0.1.71'], [cc, 'eni-0cccccccccccccc72', '10.0.3.71']], ['sg-0ccccccccccccccc1']);
  const gone = service('vpce-svc-0123456789abcdef9', []);
  const orphan = endpoint('vpce-0ccccccccccccccc8', t.consumer.vpc, gone, 'available', [[ca, 'eni-0cccccccccccccc81', '10.0.1.81']], ['sg-0ccccccccccccccc1']);
  t.endpoints.push(ep.endpoint, orphan.endpoint);
  t.networkInterfaces.push(...ep.enis, ...orphan.enis);
  return docsOf(t);
}

/**
 * (5) Cross-zone: NLB `xz` has it on, NLB `plain` keeps the default (off). Target group `defer`
 * follows each load balancer (used by both: on behind `xz`, off behind `plain`), `off` overrides
 * it to false behind `xz`, `on` overrides it to true behind `plain`. Also: targets registered for
 * 'all' zones (outside the VPC, and inside it on a second port), a draining target, an explicit and an HTTP health check, a listener
 * idle timeout, stickiness and connection termination set.
 */
export function crossZone(): Docs {
  const t = twoAccounts();
  const [pa, pb] = t.provider.subnets as [typeof t.provider.subnets[0], typeof t.provider.subnets[0]];
  const v = t.provider.vpc;
  const xz = nlb('xz', v, [[pb, 'eni-0aaaaaaaaaaaaaa32', '10.0.2.8'], [pa, 'eni-0aaaaaaaaaaaaaa31', '10.0.1.8']], { 'load_balancing.cross_zone.enabled': 'true' });
  const plain = nlb('plain', v, [[pa, 'eni-0aaaaaaaaaaaaaa41', '10.0.1.9']]);
  const defer = targetGroup('defer', v, 80, [
    target('192.168.5.5', 80, { availabilityZone: 'all' }),
    target('10.0.1.20', 80, { zone: 'us-east-1a', drainingUntil: '2026-01-01T00:05:00.000Z' }),
    target('10.0.2.20', 80, { zone: 'us-east-1b' }),
  ], { 'stickiness.enabled': 'true', 'deregistration_delay.timeout_seconds': '30', 'deregistration_delay.connection_termination.enabled': 'true' });
  const off = targetGroup('off', v, 443, [target('10.0.2.30', 443, { zone: 'us-east-1b' })], { 'load_balancing.cross_zone.enabled': 'false' });
  off.healthCheck = { ...off.healthCheck, protocol: 'HTTP', port: '8081', path: '/healthz', matcher: '200-399' };
  const on = targetGroup('on', v, 9000, [target('10.0.1.40', 9000, { zone: 'us-east-1a' }), target('10.0.1.40', 9001, { availabilityZone: 'all', zone: 'us-east-1a' })],
    { 'load_balancing.cross_zone.enabled': 'true', 'preserve_client_ip.enabled': 'true' });
  t.loadBalancers.push(plain.lb, xz.lb);
  t.networkInterfaces.push(...xz.enis, ...plain.enis);
  t.targetGroups.push(defer, off, on);
  t.listeners.push(
    listener(xz.lb, 1, 80, defer, { 'tcp.idle_timeout.seconds': '600' }),
    listener(xz.lb, 2, 443, off),
    listener(plain.lb, 1, 81, defer),
    listener(plain.lb, 2, 9000, on),
  );
  return docsOf(t);
}

/**
 * (6) Workloads (CreateNetworkInterface ENIs, where `underpass exec` runs a process): a client in
 * the consumer VPC next to the endpoint ENI of its zone, and the provider's first target
 * (10.0.1.10) as a workload ENI of the provider VPC.
 */
export function workloads(): Docs {
  const t = twoAccounts();
  const [ca] = t.consumer.subnets as [typeof t.consumer.subnets[0]];
  const [pa] = t.provider.subnets as [typeof t.provider.subnets[0]];
  t.networkInterfaces.push(
    workloadEni('eni-0cccccccccccccc91', ca, '10.0.1.20', ['sg-0ccccccccccccccc1']),
    workloadEni('eni-0aaaaaaaaaaaaaa91', pa, '10.0.1.10', ['sg-0aaaaaaaaaaaaaaa1']),
  );
  return docsOf(t);
}

/**
 * (7) Private DNS: the service's private DNS name `api.example.com` is verified, and the available
 * endpoint enables private DNS in a consumer VPC with enableDnsSupport and enableDnsHostnames on:
 * the name resolves to the endpoint's ENIs in that VPC only.
 */
export function privateDns(): Docs {
  const t = twoAccounts();
  t.svc.privateDnsName = 'api.example.com';
  t.svc.privateDnsNameConfiguration = { state: 'verified', type: 'TXT', name: '_0123456789abcdefghij', value: 'vpce:0123456789ABCDEFghij' };
  t.endpoints[0]!.privateDnsEnabled = true;
  return docsOf(t);
}

/** (8) The same, but the name is still `pendingVerification`: no private record, the public names stay. */
export function privateDnsPending(): Docs {
  const d = privateDns();
  d.endpointServices[0]!.privateDnsNameConfiguration!.state = 'pendingVerification';
  return d;
}

/**
 * (9) Route 53 Resolver in the consumer account: an OPERATIONAL outbound endpoint and an
 * OPERATIONAL inbound endpoint in the consumer VPC, a CREATING inbound endpoint (absent), and
 * rules associated with the consumer VPC: `Corp.Example.COM.` forwarding to two targets
 * (COMPLETE: compiled, lower-cased, no trailing dot), `onprem.internal.` (association still
 * CREATING: absent), a SYSTEM rule (absent), and a rule through a CREATING outbound endpoint
 * (absent). The resolver ENIs are `resolver-endpoint` interfaces owned by their endpoints.
 */
export function resolver(): Docs {
  const t = twoAccounts();
  const [ca, cb] = t.consumer.subnets as [typeof t.consumer.subnets[0], typeof t.consumer.subnets[0]];
  const sg = ['sg-0ccccccccccccccc1'];
  const out = resolverEndpoint('rslvr-out-0ccccccccccccccc1', t.consumer.vpc, 'OPERATIONAL', [[ca, 'eni-0cccccccccccccca1', '10.0.1.40'], [cb, 'eni-0cccccccccccccca2', '10.0.2.40']], sg);
  const outNew = resolverEndpoint('rslvr-out-0ccccccccccccccc2', t.consumer.vpc, 'CREATING', [[ca, 'eni-0cccccccccccccca3', '10.0.1.41'], [cb, 'eni-0cccccccccccccca4', '10.0.2.41']], sg);
  const inb = resolverEndpoint('rslvr-in-0ccccccccccccccc3', t.consumer.vpc, 'OPERATIONAL', [[cb, 'eni-0cccccccccccccca6', '10.0.2.50'], [ca, 'eni-0cccccccccccccca5', '10.0.1.50']], sg);
  const inNew = resolverEndpoint('rslvr-in-0ccccccccccccccc4', t.consumer.vpc, 'CREATING', [[ca, 'eni-0cccccccccccccca7', '10.0.1.51'], [cb, 'eni-0cccccccccccccca8', '10.0.2.51']], sg);
  for (const e of [out, outNew, inb, inNew]) {
    t.resolverEndpoints.push(e.endpoint);
    t.networkInterfaces.push(...e.enis);
  }
  const corp = resolverRule('rslvr-rr-0ccccccccccccccc1', t.consumer.vpc.account, 'Corp.Example.COM.', 'FORWARD', [['192.168.10.53', 53], ['192.168.11.53', 5353]], out.endpoint.id);
  const onprem = resolverRule('rslvr-rr-0ccccccccccccccc2', t.consumer.vpc.account, 'onprem.internal.', 'FORWARD', [['192.168.10.53', 53]], out.endpoint.id);
  const system = resolverRule('rslvr-rr-0ccccccccccccccc3', t.consumer.vpc.account, 'public.corp.example.com.', 'SYSTEM', []);
  const viaNew = resolverRule('rslvr-rr-0ccccccccccccccc4', t.consumer.vpc.account, 'lab.example.net.', 'FORWARD', [['192.168.12.53', 53]], outNew.endpoint.id);
  t.resolverRules.push(corp, onprem, system, viaNew);
  t.resolverRuleAssociations.push(
    ruleAssociation('rslvr-rrassoc-0ccccccccccccccc1', corp, t.consumer.vpc, 'COMPLETE'),
    ruleAssociation('rslvr-rrassoc-0ccccccccccccccc2', onprem, t.consumer.vpc, 'CREATING'),
    ruleAssociation('rslvr-rrassoc-0ccccccccccccccc3', system, t.consumer.vpc, 'COMPLETE'),
    ruleAssociation('rslvr-rrassoc-0ccccccccccccccc4', viaNew, t.consumer.vpc, 'COMPLETE'),
  );
  return docsOf(t);
}
