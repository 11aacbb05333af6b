/**
 * Route 53 Resolver's JSON 1.1 protocol over raw HTTP (the envelope, headers, decoding and
 * authentication errors) and its validation errors through boto3, table-driven.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AwsCallError, boto3Factory } from '../support/clients.js';
import { startTestServer } from '../support/harness.js';
import { RESOLVER, endpointInput, jsonCall, network } from './support.js';

const A = '111111111111';

describe('Route 53 Resolver: the JSON protocol', () => {
  it('answers JSON with the error code in __type, the status, the request id and the content type', async (t) => {
    const s = await startTestServer(t);
    const rows: Array<{ name: string; target: string; body: unknown; opts?: Parameters<typeof jsonCall>[3]; status: number; code: string; message?: RegExp }> = [
      { name: 'unknown operation', target: 'Route53Resolver.MakeCoffee', body: {}, status: 400, code: 'UnknownOperationException' },
      { name: 'another API\'s target', target: 'DynamoDB_20120810.ListTables', body: {}, status: 400, code: 'UnknownOperationException' },
      { name: 'an operation Underpass does not serve', target: 'CreateFirewallRuleGroup', body: { CreatorRequestId: 'x', Name: 'n' }, status: 400, code: 'UnsupportedOperation', message: /not supported by Underpass/ },
      { name: 'not JSON', target: 'ListResolverRules', body: '{"Filters":', status: 400, code: 'SerializationException' },
      { name: 'not an object', target: 'ListResolverRules', body: '[1]', status: 400, code: 'SerializationException' },
      { name: 'wrong JSON type', target: 'ListResolverRules', body: { MaxResults: '10' }, status: 400, code: 'SerializationException' },
      { name: 'required member missing', target: 'GetResolverRule', body: {}, status: 400, code: 'ValidationException', message: /Value null at 'resolverRuleId' failed to satisfy constraint: Member must not be null/ },
      { name: 'range', target: 'ListResolverRules', body: { MaxResults: 101 }, status: 400, code: 'ValidationException', message: /less than or equal to 100/ },
      { name: 'enum', target: 'CreateResolverRule', body: { CreatorRequestId: 'x', RuleType: 'BOUNCE', DomainName: 'a.b' }, status: 400, code: 'ValidationException', message: /enum value set: \[FORWARD, SYSTEM, RECURSIVE, DELEGATE\]/ },
      { name: 'a NextToken of another listing', target: 'ListResolverRules', body: { NextToken: 'bm9wZQ' }, status: 400, code: 'InvalidNextTokenException' },
      { name: 'an unknown filter', target: 'ListResolverRules', body: { Filters: [{ Name: 'Colour', Values: ['x'] }] }, status: 400, code: 'InvalidParameterException' },
      { name: 'a wrong secret', target: 'ListResolverRules', body: {}, opts: { secretAccessKey: 'nope' }, status: 400, code: 'InvalidSignatureException' },
      { name: 'an unknown key', target: 'ListResolverRules', body: {}, opts: { accessKeyId: 'AKIAEXAMPLEEXAMPLE12' }, status: 400, code: 'UnrecognizedClientException' },
      { name: 'no signature', target: 'ListResolverRules', body: {}, opts: { sign: false }, status: 403, code: 'MissingAuthenticationTokenException' },
      { name: 'signed for another service', target: 'ListResolverRules', body: {}, opts: { service: 'ec2' }, status: 400, code: 'UnrecognizedClientException', message: /route53resolver/ },
    ];
    for (const row of rows) {
      const r = await jsonCall(s.endpoint, row.target, row.body, { account: A, ...row.opts });
      assert.equal(r.status, row.status, `${row.name}: ${r.body}`);
      const body = JSON.parse(r.body) as { __type: string; message: string };
      assert.equal(body.__type, row.code, row.name);
      if (row.message) assert.match(body.message, row.message, row.name);
      assert.equal(r.headers['content-type'], 'application/x-amz-json-1.1', row.name);
      assert.match(r.headers['x-amzn-requestid'] ?? '', /^[0-9a-f-]{36}$/, row.name);
    }
    const ok = await jsonCall(s.endpoint, 'ListResolverEndpoints', {}, { account: A });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { ResolverEndpoints: [] });
    assert.equal(ok.headers['content-type'], 'application/x-amz-json-1.1');
    // The Query APIs on the same port are untouched.
    const r = await jsonCall(s.endpoint, 'ListResolverEndpoints', {}, { account: A, service: 'route53resolver' });
    assert.equal(r.status, 200);
  });
});

describe('Route 53 Resolver: validation', () => {
  it('refuses what AWS refuses, and what Underpass does not serve, with Resolver\'s codes', async (t) => {
    const s = await startTestServer(t);
    const a = boto3Factory(s.endpoint, t).forAccount(A);
    const n = await network(a);
    const other = await network(a, '10.9');
    const out = (await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'OUTBOUND', 'out'))).ResolverEndpoint;
    const inb = (await a.call(RESOLVER, 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'in'))).ResolverEndpoint;
    const forward = (extra: Record<string, unknown>) => ({ CreatorRequestId: `r-${Math.random()}`, RuleType: 'FORWARD', DomainName: 'corp.example.com', TargetIps: [{ Ip: '192.168.1.53' }], ResolverEndpointId: out.Id, ...extra });
    const rows: Array<[string, string, Record<string, unknown>, string, RegExp?]> = [
      ['one address', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e1', { IpAddresses: [{ SubnetId: n.subnetA }] }), 'ValidationException', /greater than or equal to 2/],
      ['subnets of two VPCs', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e2', { IpAddresses: [{ SubnetId: n.subnetA }, { SubnetId: other.subnetB }] }), 'InvalidParameterException', /one VPC/],
      ['a group of another VPC', 'CreateResolverEndpoint', endpointInput({ ...n, sg: other.sg }, 'INBOUND', 'e3'), 'InvalidParameterException', /not in the endpoint's VPC/],
      ['no security group', 'CreateResolverEndpoint', endpointInput({ ...n }, 'INBOUND', 'e4', { SecurityGroupIds: [] }), 'InvalidParameterException'],
      ['an address outside the subnet', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e5', { IpAddresses: [{ SubnetId: n.subnetA, Ip: '10.0.2.9' }, { SubnetId: n.subnetB }] }), 'InvalidParameterException', /not a usable address/],
      ['a reserved address', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e6', { IpAddresses: [{ SubnetId: n.subnetA, Ip: '10.0.1.3' }, { SubnetId: n.subnetB }] }), 'InvalidParameterException'],
      ['an address in use', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e7', { IpAddresses: [{ SubnetId: n.subnetA, Ip: '10.0.1.4' }, { SubnetId: n.subnetB }] }), 'InvalidRequestException', /already in use/],
      ['a missing subnet', 'CreateResolverEndpoint', endpointInput({ ...n, subnetA: 'subnet-00000000000000000' }, 'INBOUND', 'e8'), 'ResourceNotFoundException'],
      ['a digits-only name', 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', 'e11', { Name: '1234' }), 'ValidationException'],
      ['RECURSIVE', 'CreateResolverRule', { CreatorRequestId: 'r1', RuleType: 'RECURSIVE', DomainName: 'x.example' }, 'InvalidRequestException', /keeps for itself/],
      ['FORWARD without targets', 'CreateResolverRule', forward({ TargetIps: undefined }), 'InvalidRequestException', /TargetIps/],
      ['FORWARD without an endpoint', 'CreateResolverRule', forward({ ResolverEndpointId: undefined }), 'InvalidRequestException', /OUTBOUND/],
      ['FORWARD through an INBOUND endpoint', 'CreateResolverRule', forward({ ResolverEndpointId: inb.Id }), 'InvalidRequestException', /INBOUND/],
      ['FORWARD through a missing endpoint', 'CreateResolverRule', forward({ ResolverEndpointId: 'rslvr-out-00000000000000000' }), 'ResourceNotFoundException'],
      ['a target that is no address', 'CreateResolverRule', forward({ TargetIps: [{ Ip: 'dns.example' }] }), 'InvalidParameterException'],
      ['a bad domain', 'CreateResolverRule', forward({ DomainName: 'bad..name' }), 'InvalidParameterException'],
      ['SYSTEM with targets', 'CreateResolverRule', { CreatorRequestId: 'r2', RuleType: 'SYSTEM', DomainName: 'a.example', TargetIps: [{ Ip: '1.2.3.4' }] }, 'InvalidRequestException'],
      ['a missing rule', 'AssociateResolverRule', { ResolverRuleId: 'rslvr-rr-00000000000000000', VPCId: n.vpcId }, 'ResourceNotFoundException'],
      ['a missing association', 'GetResolverRuleAssociation', { ResolverRuleAssociationId: 'rslvr-rrassoc-00000000000000000' }, 'ResourceNotFoundException'],
    ];
    for (const [name, op, input, code, message] of rows) {
      await assert.rejects(a.call(RESOLVER, op, JSON.parse(JSON.stringify(input))), (e: unknown) => {
        assert.ok(e instanceof AwsCallError, `${name}: ${String(e)}`);
        assert.equal(e.code, code, `${name}: ${e.message}`);
        if (message) assert.match(e.message, message, name);
        return true;
      }, name);
    }
    // Members Debian's older botocore does not know yet, over raw HTTP.
    for (const [extra, message] of [[{ ResolverEndpointType: 'DUALSTACK' }, /IPv4 only/], [{ Protocols: ['DoH'] }, /Do53/], [{ Direction: 'INBOUND_DELEGATION' }, /INBOUND_DELEGATION/]] as const) {
      const r = await jsonCall(s.endpoint, 'CreateResolverEndpoint', endpointInput(n, 'INBOUND', `raw-${JSON.stringify(extra)}`, extra), { account: A });
      assert.equal(r.status, 400, r.body);
      const body = JSON.parse(r.body) as { __type: string; message: string };
      assert.equal(body.__type, 'InvalidParameterException');
      assert.match(body.message, message);
    }
    // Nothing was half-created: the two endpoints' four ENIs are all there is.
    assert.equal((await a.call('ec2', 'DescribeNetworkInterfaces', {})).NetworkInterfaces.length, 4);
    // One rule per domain per VPC.
    const r1 = (await a.call(RESOLVER, 'CreateResolverRule', forward({}))).ResolverRule;
    const r2 = (await a.call(RESOLVER, 'CreateResolverRule', forward({ DomainName: 'CORP.example.com.' }))).ResolverRule;
    await a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: r1.Id, VPCId: n.vpcId });
    await assert.rejects(a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: r2.Id, VPCId: n.vpcId }), (e: unknown) => e instanceof AwsCallError && e.code === 'ResourceExistsException' && /same domain name/.test(e.message));
    await a.call(RESOLVER, 'AssociateResolverRule', { ResolverRuleId: r2.Id, VPCId: other.vpcId });
  });
});
