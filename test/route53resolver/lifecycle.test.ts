/**
 * Route 53 Resolver through boto3 and the AWS CLI, on every store dialect: endpoints (ENIs,
 * CREATING → OPERATIONAL, addresses, filters, pages, CreatorRequestId), forwarding rules and their
 * associations (CREATING → COMPLETE, in the desired state), deletion in AWS's order, and
 * ownership between two accounts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { readSnapshot } from '../../src/control/snapshot.js';
import { AwsCallError, boto3Factory, cliFactory } from '../support/clients.js';
import { DIALECTS, eventually, startTestServer, type TestServer } from '../support/harness.js';
import { RESOLVER, endpointInput, network } from './support.js';

const A = '111111111111';
const B = '222222222222';

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AwsCallError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function desired(s: TestServer) {
  return compileDesiredState(await s.store.transaction(false, (tx) => readSnapshot(tx)), 1);
}

for (const dialect of DIALECTS) {
  describe(`Route 53 Resolver lifecycle (${dialect})`, () => {
    it('endpoints, a forwarding rule, its association, the desired state, deletion', async (t) => {
      const s = await startTestServer(t, { dialect });
      const a = boto3Factory(s.endpoint, t).forAccount(A);
      const cli = cliFactory(s.endpoint).forAccount(A);
      const n = await network(a);

      // An outbound endpoint: one address picked, one given.
      const created = await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'OUTBOUND', 'out-1', {
        Name: 'to on-prem', IpAddresses: [{ SubnetId: n.subnetA }, { SubnetId: n.subnetB, Ip: '10.0.2.77' }],
        Tags: [{ Key: 'team', Value: 'net' }],
      }));
      const out = created.ResolverEndpoint;
      assert.match(out.Id, /^rslvr-out-[0-9a-f]{17}$/);
      assert.equal(out.Arn, `arn:aws:route53resolver:us-east-1:${A}:resolver-endpoint/${out.Id}`);
      assert.deepEqual([out.Status, out.Direction, out.HostVPCId, out.IpAddressCount, out.Name, out.SecurityGroupIds, out.CreatorRequestId],
        ['CREATING', 'OUTBOUND', n.vpcId, 2, 'to on-prem', [n.sg], 'out-1']);

      // Its ENIs: requester-managed, described as AWS describes them, in the subnets.
      const enis = (await a.call('ec2', 'DescribeNetworkInterfaces', { Filters: [{ Name: 'vpc-id', Values: [n.vpcId] }] })).NetworkInterfaces;
      assert.equal(enis.length, 2);
      for (const e of enis) {
        assert.match(e.Description, new RegExp(`^Route 53 Resolver: ${out.Id}:rni-[0-9a-f]{17}$`));
        assert.deepEqual([e.InterfaceType, e.RequesterManaged, e.Status, e.Groups.map((g: { GroupId: string }) => g.GroupId)], ['interface', true, 'in-use', [n.sg]]);
      }
      assert.ok(enis.some((e: { PrivateIpAddress: string; SubnetId: string }) => e.PrivateIpAddress === '10.0.2.77' && e.SubnetId === n.subnetB));
      await rejects(a.call('ec2', 'DeleteNetworkInterface', { NetworkInterfaceId: enis[0].NetworkInterfaceId }), 'InvalidParameterValue');

      // CREATING → OPERATIONAL; the addresses are ATTACHED.
      await eventually(async () => (await a.call(RESOLVER, 'GetResolverEndpoint', { ResolverEndpointId: out.Id })).ResolverEndpoint.Status === 'OPERATIONAL');
      const ips = (await a.call(RESOLVER, 'ListResolverEndpointIpAddresses', { ResolverEndpointId: out.Id })).IpAddresses;
      assert.deepEqual(ips.map((i: { SubnetId: string; Status: string }) => `${i.SubnetId} ${i.Status}`).sort(), [`${n.subnetA} ATTACHED`, `${n.subnetB} ATTACHED`].sort());
      assert.ok(ips.every((i: { IpId: string }) => /^rni-[0-9a-f]{17}$/.test(i.IpId)));
      assert.deepEqual(ips.map((i: { Ip: string }) => i.Ip).sort(), enis.map((e: { PrivateIpAddress: string }) => e.PrivateIpAddress).sort());

      // CreatorRequestId: the same request answers the same endpoint; other parameters are refused.
      const again = await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'OUTBOUND', 'out-1', {
        Name: 'to on-prem', IpAddresses: [{ SubnetId: n.subnetA }, { SubnetId: n.subnetB, Ip: '10.0.2.77' }], Tags: [{ Key: 'team', Value: 'net' }],
      }));
      assert.equal(again.ResolverEndpoint.Id, out.Id);
      await rejects(a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'OUTBOUND', 'out-1', { Name: 'other' })), 'ResourceExistsException');

      // An inbound endpoint; filters (documented and UPPER_SNAKE names) and pages.
      const inb = (await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'in-1'))).ResolverEndpoint;
      assert.match(inb.Id, /^rslvr-in-[0-9a-f]{17}$/);
      const byDirection = await a.call(RESOLVER, 'ListResolverEndpoints', { Filters: [{ Name: 'Direction', Values: ['INBOUND'] }] });
      assert.deepEqual(byDirection.ResolverEndpoints.map((e: { Id: string }) => e.Id), [inb.Id]);
      const byOldName = await a.call(RESOLVER, 'ListResolverEndpoints', { Filters: [{ Name: 'HOST_VPC_ID', Values: [n.vpcId] }, { Name: 'DIRECTION', Values: ['OUTBOUND'] }] });
      assert.deepEqual(byOldName.ResolverEndpoints.map((e: { Id: string }) => e.Id), [out.Id]);
      const first = await a.call(RESOLVER, 'ListResolverEndpoints', { MaxResults: 1 });
      assert.equal(first.ResolverEndpoints.length, 1);
      assert.equal(first.MaxResults, 1);
      const second = await a.call(RESOLVER, 'ListResolverEndpoints', { MaxResults: 1, NextToken: first.NextToken });
      assert.deepEqual([first.ResolverEndpoints[0].Id, second.ResolverEndpoints[0].Id], [out.Id, inb.Id]);
      assert.equal(second.NextToken, undefined);

      // A forwarding rule, created with the real AWS CLI's own options.
      const cliRule = await cli.call(RESOLVER, 'CreateResolverRule', {
        CreatorRequestId: 'rule-1', Name: 'corp', RuleType: 'FORWARD', DomainName: 'Corp.Example.com',
        TargetIps: [{ Ip: '192.168.10.53' }, { Ip: '192.168.11.53', Port: 5353 }], ResolverEndpointId: out.Id,
      });
      const rule = cliRule.ResolverRule;
      assert.match(rule.Id, /^rslvr-rr-[0-9a-f]{17}$/);
      assert.deepEqual([rule.DomainName, rule.Status, rule.RuleType, rule.OwnerId, rule.ShareStatus, rule.ResolverEndpointId],
        ['Corp.Example.com.', 'COMPLETE', 'FORWARD', A, 'NOT_SHARED', out.Id]);
      assert.deepEqual(rule.TargetIps.map((x: { Ip: string; Port: number }) => [x.Ip, x.Port]), [['192.168.10.53', 53], ['192.168.11.53', 5353]]);
      const listed = await cli.call(RESOLVER, 'ListResolverRules', { Filters: [{ Name: 'Type', Values: ['FORWARD'] }] });
      assert.deepEqual(listed.ResolverRules.map((r: { Id: string }) => r.Id), [rule.Id]);

      // Associated with the VPC: CREATING → COMPLETE, then in the desired state.
      const assoc = (await a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: rule.Id, VPCId: n.vpcId, Name: 'corp-in-vpc' })).ResolverRuleAssociation;
      assert.match(assoc.Id, /^rslvr-rrassoc-[0-9a-f]{17}$/);
      assert.equal(assoc.Status, 'CREATING');
      await rejects(a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: rule.Id, VPCId: n.vpcId }), 'ResourceExistsException');
      await eventually(async () => (await a.call(RESOLVER, 'GetResolverRuleAssociation', { ResolverRuleAssociationId: assoc.Id })).ResolverRuleAssociation.Status === 'COMPLETE');
      const d = await desired(s);
      assert.deepEqual(d.resolverRules, [{
        id: `${n.vpcId} corp.example.com`, vpcId: n.vpcId, domain: 'corp.example.com',
        targets: [{ ip: '192.168.10.53', port: 53 }, { ip: '192.168.11.53', port: 5353 }], ruleId: rule.Id,
        outboundEndpointId: out.Id, outboundVpcId: n.vpcId, sourceIps: ips.map((i: { Ip: string }) => i.Ip).sort(),
      }]);
      await eventually(async () => (await a.call(RESOLVER, 'GetResolverEndpoint', { ResolverEndpointId: inb.Id })).ResolverEndpoint.Status === 'OPERATIONAL');
      const d2 = await desired(s);
      assert.deepEqual(d2.inboundEndpoints.map((e) => [e.id, e.vpcId, e.ips.length]), [[inb.Id, n.vpcId, 2]]);
      assert.ok(d2.interfaces.filter((i) => i.owner === inb.Id || i.owner === out.Id).every((i) => i.kind === 'resolver-endpoint'));
      const listedAssoc = await a.call(RESOLVER, 'ListResolverRuleAssociations', { Filters: [{ Name: 'VPCId', Values: [n.vpcId] }] });
      assert.deepEqual(listedAssoc.ResolverRuleAssociations.map((x: { Id: string; Status: string }) => [x.Id, x.Status]), [[assoc.Id, 'COMPLETE']]);

      // Deletion in AWS's order: the rule is in use, the endpoint is used by the rule.
      await rejects(a.call(RESOLVER, 'DeleteResolverRule', { ResolverRuleId: rule.Id }), 'ResourceInUseException');
      await rejects(a.call(RESOLVER, 'DeleteResolverEndpoint', { ResolverEndpointId: out.Id }), 'InvalidRequestException');
      const dis = (await a.call(RESOLVER, 'DisassociateResolverRule', { ResolverRuleId: rule.Id, VPCId: n.vpcId })).ResolverRuleAssociation;
      assert.equal(dis.Status, 'DELETING');
      assert.deepEqual((await desired(s)).resolverRules, []);
      await eventually(async () => (await a.call(RESOLVER, 'ListResolverRuleAssociations', {})).ResolverRuleAssociations.length === 0);
      const gone = (await a.call(RESOLVER, 'DeleteResolverRule', { ResolverRuleId: rule.Id })).ResolverRule;
      assert.equal(gone.Status, 'DELETING');
      await rejects(a.call(RESOLVER, 'GetResolverRule', { ResolverRuleId: rule.Id }), 'ResourceNotFoundException');
      for (const id of [out.Id, inb.Id]) {
        assert.equal((await a.call(RESOLVER, 'DeleteResolverEndpoint', { ResolverEndpointId: id })).ResolverEndpoint.Status, 'DELETING');
      }
      assert.deepEqual((await desired(s)).inboundEndpoints, []);
      await eventually(async () => (await a.call(RESOLVER, 'ListResolverEndpoints', {})).ResolverEndpoints.length === 0);
      await rejects(a.call(RESOLVER, 'GetResolverEndpoint', { ResolverEndpointId: out.Id }), 'ResourceNotFoundException');
      assert.deepEqual((await a.call('ec2', 'DescribeNetworkInterfaces', {})).NetworkInterfaces, [], 'the ENIs are released with the endpoints');
      await a.call('ec2', 'DeleteSubnet', { SubnetId: n.subnetA });
    });

    it('ownership: an account sees and uses only its own endpoints, rules, VPCs, subnets and groups', async (t) => {
      const s = await startTestServer(t, { dialect });
      const boto = boto3Factory(s.endpoint, t);
      const a = boto.forAccount(A);
      const b = boto.forAccount(B);
      const na = await network(a);
      const nb = await network(b, '10.1');
      const out = (await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(na, 'OUTBOUND', 'same-id'))).ResolverEndpoint;
      const rule = (await a.call(RESOLVER, 'CreateResolverRule', {
        CreatorRequestId: 'r', RuleType: 'FORWARD', DomainName: 'corp.example.com', TargetIps: [{ Ip: '192.168.10.53' }], ResolverEndpointId: out.Id,
      })).ResolverRule;

      await rejects(b.call(RESOLVER, 'GetResolverEndpoint', { ResolverEndpointId: out.Id }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'ListResolverEndpointIpAddresses', { ResolverEndpointId: out.Id }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'DeleteResolverEndpoint', { ResolverEndpointId: out.Id }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'GetResolverRule', { ResolverRuleId: rule.Id }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'DeleteResolverRule', { ResolverRuleId: rule.Id }), 'ResourceNotFoundException');
      assert.deepEqual((await b.call(RESOLVER, 'ListResolverEndpoints', {})).ResolverEndpoints, []);
      assert.deepEqual((await b.call(RESOLVER, 'ListResolverRules', {})).ResolverRules, []);
      // B cannot use A's rule, endpoint, subnet or group; A cannot use B's VPC.
      await rejects(b.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: rule.Id, VPCId: nb.vpcId }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'CreateResolverRule', {
        CreatorRequestId: 'r', RuleType: 'FORWARD', DomainName: 'corp.example.com', TargetIps: [{ Ip: '192.168.10.53' }], ResolverEndpointId: out.Id,
      }), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'CreateResolverEndpoint', endpointInput({ ...nb, subnetA: na.subnetA }, 'INBOUND', 'x')), 'ResourceNotFoundException');
      await rejects(b.call(RESOLVER, 'CreateResolverEndpoint', endpointInput({ ...nb, sg: na.sg }, 'INBOUND', 'y')), 'ResourceNotFoundException');
      await rejects(a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: rule.Id, VPCId: nb.vpcId }), 'ResourceNotFoundException');
      // CreatorRequestIds are per account: B's 'same-id' is its own.
      const mine = (await b.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(nb, 'INBOUND', 'same-id'))).ResolverEndpoint;
      assert.notEqual(mine.Id, out.Id);
      assert.equal(mine.HostVPCId, nb.vpcId);
    });
  });
}
