/**
 * `diffDesiredState`, table-driven: each row edits the two-account snapshot and names the ids
 * that must come out added, removed or changed (every other collection must be unchanged).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { COLLECTIONS, diffDesiredState, isEmptyDiff, type Collection, type CollectionDiff } from '../../src/reconcile/diff.js';
import { endpoint, eni, listener, rule, type Docs } from './fixtures.js';
import { twoAccountFlow } from './scenarios.js';

const EP = 'vpce-0ccccccccccccccc1';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/web-targets/0123456789abcdef';
const LB = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/web/0123456789abcdef';

interface Row {
  name: string;
  /** Edits the snapshot the previous state is compiled from (default: none). */
  before?: (d: Docs) => void;
  edit: (d: Docs) => void;
  want: Partial<Record<Collection, Partial<CollectionDiff>>>;
}

const ROWS: Row[] = [
  { name: 'no edit', edit: () => {}, want: {} },
  {
    name: 'the endpoint is rejected: it stops being served',
    edit: (d) => { d.endpoints[0]!.state = 'rejected'; },
    want: { endpoints: { removed: [EP] }, dnsRecords: { removed: ['public vpce-0ccccccccccccccc1-abcd1234-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com', 'public vpce-0ccccccccccccccc1-abcd1234-us-east-1b.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com', 'public vpce-0ccccccccccccccc1-abcd1234.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com'] } },
  },
  {
    name: 'the endpoint goes from pending to available',
    before: (d) => { d.endpoints[0]!.state = 'pending'; },
    edit: () => {},
    want: { endpoints: { changed: [EP] } },
  },
  {
    name: 'a new pending endpoint with one ENI',
    edit: (d) => {
      const sn = d.subnets.find((s) => s.id === 'subnet-0ccccccccccccccc1')!;
      const vpc = d.vpcs.find((v) => v.id === sn.vpcId)!;
      const e = endpoint('vpce-0ccccccccccccccc9', vpc, d.endpointServices[0]!, 'pending', [[sn, 'eni-0cccccccccccccc91', '10.0.1.91']], []);
      d.endpoints.push(e.endpoint);
      d.networkInterfaces.push(...e.enis);
    },
    want: {
      endpoints: { added: ['vpce-0ccccccccccccccc9'] }, interfaces: { added: ['eni-0cccccccccccccc91'] },
      dnsRecords: { added: ['public vpce-0ccccccccccccccc9-abcd1234-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com', 'public vpce-0ccccccccccccccc9-abcd1234.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com'] },
    },
  },
  {
    name: 'a target is deregistered (draining)',
    edit: (d) => { d.targetGroups[0]!.targets[0]!.drainingUntil = '2026-01-01T00:05:00.000Z'; },
    want: { targetGroups: { changed: [TG] } },
  },
  {
    name: 'an ingress rule is added to the endpoint\'s group',
    edit: (d) => { d.securityGroups[1]!.ingress.push(rule('sgr-0ccccccccccccccc3', { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' })); },
    want: { securityGroups: { changed: ['sg-0ccccccccccccccc1'] } },
  },
  {
    name: 'a rule description changes: nothing the data plane uses',
    edit: (d) => { d.securityGroups[1]!.ingress[0]!.description = 'something else'; },
    want: {},
  },
  {
    name: 'a listener is added: the load balancer and the endpoint bound to it change',
    edit: (d) => { d.listeners.push(listener(d.loadBalancers[0]!, 2, 443, d.targetGroups[0]!)); },
    want: { loadBalancers: { changed: [LB] }, endpoints: { changed: [EP] } },
  },
  {
    name: 'cross-zone is turned on: the load balancer and the resolved group change',
    edit: (d) => { d.loadBalancers[0]!.attributes['load_balancing.cross_zone.enabled'] = 'true'; },
    want: { loadBalancers: { changed: [LB] }, targetGroups: { changed: [TG] } },
  },
  {
    name: 'a subnet and its VPC go away, another VPC appears',
    edit: (d) => {
      d.vpcs = d.vpcs.filter((v) => v.id !== 'vpc-0ccccccccccccccc1');
      d.subnets = d.subnets.filter((s) => s.vpcId !== 'vpc-0ccccccccccccccc1');
      d.vpcs.push({ ...structuredClone(d.vpcs[0]!), id: 'vpc-0eeeeeeeeeeeeeee1', cidrBlock: '172.16.0.0/16' });
    },
    want: { networks: { added: ['vpc-0eeeeeeeeeeeeeee1'], removed: ['vpc-0ccccccccccccccc1'] }, dnsRecords: { removed: ['public vpce-0ccccccccccccccc1-abcd1234-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com', 'public vpce-0ccccccccccccccc1-abcd1234-us-east-1b.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com', 'public vpce-0ccccccccccccccc1-abcd1234.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com'] } },
  },
  {
    name: 'an ENI\'s security groups change',
    edit: (d) => { d.networkInterfaces[0]!.groupIds = ['sg-0aaaaaaaaaaaaaaa1']; },
    want: { interfaces: { changed: ['eni-0aaaaaaaaaaaaaa01'] } },
  },
];

describe('diffDesiredState', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const before = twoAccountFlow();
      row.before?.(before);
      const after = twoAccountFlow();
      row.edit(after);
      const d = diffDesiredState(compileDesiredState(before, 1), compileDesiredState(after, 2));
      for (const c of COLLECTIONS) {
        const want = { added: [], removed: [], changed: [], ...row.want[c] };
        assert.deepEqual(d[c], want, c);
      }
      assert.equal(isEmptyDiff(d), Object.keys(row.want).length === 0);
    });
  }

  it('from nothing: everything is added, in id order', () => {
    const next = compileDesiredState(twoAccountFlow(), 1);
    const d = diffDesiredState(undefined, next);
    assert.deepEqual(d.interfaces.added, ['eni-0aaaaaaaaaaaaaa01', 'eni-0aaaaaaaaaaaaaa02', 'eni-0cccccccccccccc01', 'eni-0cccccccccccccc02']);
    assert.deepEqual(d.endpoints.added, [EP]);
    for (const c of COLLECTIONS) assert.deepEqual([d[c].removed, d[c].changed], [[], []], c);
  });

  it('to nothing: everything is removed', () => {
    const prev = compileDesiredState(twoAccountFlow(), 1);
    const empty = compileDesiredState({
      vpcs: [], subnets: [], securityGroups: [], routeTables: [], networkInterfaces: [], loadBalancers: [], targetGroups: [],
      listeners: [], endpointServices: [], endpoints: [], resolverEndpoints: [], resolverRules: [], resolverRuleAssociations: [],
    }, 2);
    const d = diffDesiredState(prev, empty);
    assert.deepEqual(d.networks.removed, ['vpc-0aaaaaaaaaaaaaaa1', 'vpc-0ccccccccccccccc1']);
    assert.deepEqual(d.loadBalancers.removed, [LB]);
  });

  it('an unrelated ENI document does not change any endpoint', () => {
    const after = twoAccountFlow();
    after.networkInterfaces.push(eni('eni-0ddddddddddddddd1', after.subnets[0]!, '111111111111', '10.0.1.200', 'network_load_balancer', 'arn:x', []));
    const d = diffDesiredState(compileDesiredState(twoAccountFlow(), 1), compileDesiredState(after, 2));
    assert.deepEqual(d.interfaces.added, ['eni-0ddddddddddddddd1']);
    assert.deepEqual(d.endpoints, { added: [], removed: [], changed: [] });
  });
});
