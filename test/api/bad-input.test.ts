/**
 * Bad input over raw HTTP, as a table: each request (SigV4-signed unless the case is about
 * signing) with the HTTP status, error envelope and AWS error code it must get. Then: another
 * account's ids answer exactly like unknown ids, DryRun and ClientToken semantics, failed creates
 * leave nothing behind, and the server still answers. Every response carries x-amzn-requestid and
 * the body's request id equals it.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it, before, after } from 'node:test';
import { DIALECTS, startTestServer, type TestServer } from '../support/harness.js';
import { form, parseErrorXml, rawRequest, sdkFactory, successRequestId, type RawRequest, type RawResponse } from '../support/clients.js';
import { buildProvider, type ProviderSetup } from '../compat/flow.js';

const EC2_V = { Version: '2016-11-15' };
const ELB_V = { Version: '2015-12-01' };
const OWNER = '111111111111';
const OTHER = '222222222222';
const UNKNOWN_VPC = 'vpc-0123456789abcdef0';
const UNKNOWN_SUBNET = 'subnet-0123456789abcdef0';
const UNKNOWN_SERVICE = 'vpce-svc-0123456789abcdef0';
const UNKNOWN_LB = `arn:aws:elasticloadbalancing:us-east-1:${OWNER}:loadbalancer/net/nope/0123456789abcdef`;

interface Ctx { p: ProviderSetup; extraSubnet: string }

interface Case {
  name: string;
  req: (c: Ctx) => RawRequest;
  status: number;
  code: string | RegExp;
  /** The message must say what is wrong. */
  message?: RegExp | ((c: Ctx) => RegExp);
  /** Which envelope: EC2 `<Response><Errors>` or Query `<ErrorResponse>` (default: by the signed service). */
  envelope?: 'ec2' | 'query';
}

const ec2 = (params: Record<string, string | number | boolean>, extra: Partial<RawRequest> = {}): RawRequest =>
  ({ service: 'ec2', account: OWNER, body: form({ ...params, ...EC2_V }), ...extra });
const elb = (params: Record<string, string | number | boolean>, extra: Partial<RawRequest> = {}): RawRequest =>
  ({ service: 'elasticloadbalancing', account: OWNER, body: form({ ...params, ...ELB_V }), ...extra });

const CASES: Case[] = [
  // --- the envelope: form, Action, Version
  // AWS's Common Errors page: "MalformedQueryString — The query string contains a syntax error. HTTP Status Code: 404".
  { name: 'malformed percent-encoding in the form', req: () => ({ service: 'ec2', account: OWNER, body: 'Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=%ZZ%' }), status: 404, code: 'MalformedQueryString', message: /%ZZ|encod/i },
  { name: 'missing Action', req: () => ({ service: 'ec2', account: OWNER, body: 'Version=2016-11-15' }), status: 400, code: 'MissingAction', message: /Action/ },
  { name: 'unknown Action names the action', req: () => ec2({ Action: 'CreateTeleporter' }), status: 400, code: 'InvalidAction', message: /CreateTeleporter/ },
  { name: 'missing Version', req: () => ({ service: 'ec2', account: OWNER, body: 'Action=DescribeVpcs' }), status: 400, code: 'MissingParameter', message: /Version/ },
  { name: 'wrong Version', req: () => ({ service: 'ec2', account: OWNER, body: 'Action=DescribeVpcs&Version=2099-01-01' }), status: 400, code: 'NoSuchVersion', message: /2099-01-01/ },
  { name: 'non-form content type', req: () => ({ service: 'ec2', account: OWNER, body: '{"Action":"DescribeVpcs","Version":"2016-11-15"}', contentType: 'application/json' }), status: 400, code: 'InvalidHttpRequest', message: /Content-Type/i },
  { name: 'oversize body (> 1 MiB)', req: () => ({ service: 'ec2', account: OWNER, body: `Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=${'a'.repeat(1024 * 1024)}` }), status: 413, code: 'RequestEntityTooLarge' },
  // --- parameters
  { name: 'unknown parameter', req: () => ec2({ Action: 'DescribeVpcs', Colour: 'blue' }), status: 400, code: 'UnknownParameter', message: /Colour/ },
  { name: 'unknown nested parameter', req: () => ec2({ Action: 'DescribeVpcs', 'Filter.1.Nme': 'vpc-id' }), status: 400, code: 'UnknownParameter', message: /Filter\.1\.Nme/ },
  { name: 'missing required parameter', req: () => ec2({ Action: 'DeleteVpc' }), status: 400, code: 'MissingParameter', message: /VpcId/ },
  { name: 'integer that is not one', req: () => ec2({ Action: 'DescribeVpcEndpoints', MaxResults: 'ten' }), status: 400, code: 'InvalidParameterValue', message: /MaxResults/ },
  { name: 'boolean that is not one', req: () => ec2({ Action: 'CreateVpc', CidrBlock: '10.77.0.0/16', DryRun: 'perhaps' }), status: 400, code: 'InvalidParameterValue', message: /DryRun/ },
  { name: 'enum value outside the model', req: (c) => ec2({ Action: 'CreateVpcEndpoint', VpcId: c.p.net.vpcId, VpcEndpointType: 'Tunnel', ServiceName: c.p.serviceName }), status: 400, code: 'InvalidParameterValue', message: /Tunnel/ },
  { name: 'a VPC CIDR outside /16../28', req: () => ec2({ Action: 'CreateVpc', CidrBlock: '10.0.0.0/8' }), status: 400, code: 'InvalidVpc.Range', message: /10\.0\.0\.0\/8/ },
  { name: 'a CIDR that is not one', req: () => ec2({ Action: 'CreateVpc', CidrBlock: '10.0.0.300/16' }), status: 400, code: /^InvalidParameterValue$|^InvalidVpc\.Range$/, message: /10\.0\.0\.300/ },
  { name: 'a subnet outside its VPC', req: (c) => ec2({ Action: 'CreateSubnet', VpcId: c.p.net.vpcId, CidrBlock: '192.168.0.0/24', AvailabilityZone: 'us-east-1a' }), status: 400, code: 'InvalidSubnet.Range', message: /192\.168\.0\.0\/24/ },
  { name: 'an overlapping subnet', req: (c) => ec2({ Action: 'CreateSubnet', VpcId: c.p.net.vpcId, CidrBlock: '10.0.1.128/25', AvailabilityZone: 'us-east-1a' }), status: 400, code: 'InvalidSubnet.Conflict', message: /10\.0\.1\.128\/25/ },
  { name: 'an unknown availability zone', req: (c) => ec2({ Action: 'CreateSubnet', VpcId: c.p.net.vpcId, CidrBlock: '10.0.9.0/24', AvailabilityZone: 'us-east-1z' }), status: 400, code: /^InvalidParameterValue$|^InvalidAvailabilityZone$/, message: /us-east-1z/ },
  // --- malformed ids
  { name: 'malformed VPC id', req: () => ec2({ Action: 'DeleteVpc', VpcId: 'vpc-zzz' }), status: 400, code: 'InvalidVpcID.Malformed', message: /vpc-zzz/ },
  { name: 'malformed VPC id in a list', req: () => ec2({ Action: 'DescribeVpcs', 'VpcId.1': 'my-vpc' }), status: 400, code: 'InvalidVpcID.Malformed', message: /my-vpc/ },
  { name: 'malformed subnet id', req: () => ec2({ Action: 'DescribeSubnets', 'SubnetId.1': 'subnet-12' }), status: 400, code: 'InvalidSubnetID.Malformed', message: /subnet-12/ },
  { name: 'malformed endpoint id', req: () => ec2({ Action: 'DescribeVpcEndpoints', 'VpcEndpointId.1': 'vpce-xyz' }), status: 400, code: 'InvalidVpcEndpointId.Malformed', message: /vpce-xyz/ },
  { name: 'malformed security group id', req: () => ec2({ Action: 'DescribeSecurityGroups', 'GroupId.1': 'sg-q' }), status: 400, code: 'InvalidGroupId.Malformed', message: /sg-q/ },
  { name: 'malformed network interface id', req: () => ec2({ Action: 'DescribeNetworkInterfaces', 'NetworkInterfaceId.1': 'eni-!' }), status: 400, code: 'InvalidNetworkInterfaceId.Malformed', message: /eni-!/ },
  { name: 'malformed load balancer ARN (ELBv2)', req: () => elb({ Action: 'DescribeLoadBalancers', 'LoadBalancerArns.member.1': 'not-an-arn' }), status: 400, code: 'ValidationError', message: /not-an-arn/ },
  // --- unknown ids
  { name: 'unknown VPC', req: () => ec2({ Action: 'DeleteVpc', VpcId: UNKNOWN_VPC }), status: 400, code: 'InvalidVpcID.NotFound', message: new RegExp(UNKNOWN_VPC) },
  { name: 'unknown VPC in a list', req: () => ec2({ Action: 'DescribeVpcs', 'VpcId.1': UNKNOWN_VPC }), status: 400, code: 'InvalidVpcID.NotFound', message: new RegExp(UNKNOWN_VPC) },
  { name: 'unknown subnet', req: () => ec2({ Action: 'DescribeSubnets', 'SubnetId.1': UNKNOWN_SUBNET }), status: 400, code: 'InvalidSubnetID.NotFound', message: new RegExp(UNKNOWN_SUBNET) },
  { name: 'unknown VPC for a subnet', req: () => ec2({ Action: 'CreateSubnet', VpcId: UNKNOWN_VPC, CidrBlock: '10.0.0.0/24' }), status: 400, code: 'InvalidVpcID.NotFound', message: new RegExp(UNKNOWN_VPC) },
  { name: 'unknown endpoint', req: () => ec2({ Action: 'DescribeVpcEndpoints', 'VpcEndpointId.1': 'vpce-0123456789abcdef0' }), status: 400, code: 'InvalidVpcEndpointId.NotFound', message: /vpce-0123456789abcdef0/ },
  { name: 'unknown network interface', req: () => ec2({ Action: 'DescribeNetworkInterfaces', 'NetworkInterfaceId.1': 'eni-0123456789abcdef0' }), status: 400, code: 'InvalidNetworkInterfaceID.NotFound', message: /eni-0123456789abcdef0/ },
  { name: 'unknown endpoint service', req: () => ec2({ Action: 'DescribeVpcEndpointServiceConfigurations', 'ServiceId.1': UNKNOWN_SERVICE }), status: 400, code: /^InvalidVpcEndpointService(Id)?\.NotFound$/, message: new RegExp(UNKNOWN_SERVICE) },
  { name: 'unknown service name', req: () => ec2({ Action: 'DescribeVpcEndpointServices', 'ServiceName.1': `com.amazonaws.vpce.us-east-1.${UNKNOWN_SERVICE}` }), status: 400, code: 'InvalidServiceName', message: new RegExp(UNKNOWN_SERVICE) },
  { name: 'endpoint to an unknown service', req: (c) => ec2({ Action: 'CreateVpcEndpoint', VpcEndpointType: 'Interface', VpcId: c.p.net.vpcId, ServiceName: `com.amazonaws.vpce.us-east-1.${UNKNOWN_SERVICE}`, 'SubnetId.1': c.p.net.subnets[0]!.id }), status: 400, code: 'InvalidServiceName', message: new RegExp(UNKNOWN_SERVICE) },
  { name: 'unknown load balancer (ELBv2)', req: () => elb({ Action: 'DescribeLoadBalancers', 'LoadBalancerArns.member.1': UNKNOWN_LB }), status: 400, code: 'LoadBalancerNotFound' },
  { name: 'unknown target group (ELBv2)', req: () => elb({ Action: 'DescribeTargetGroups', 'TargetGroupArns.member.1': `arn:aws:elasticloadbalancing:us-east-1:${OWNER}:targetgroup/nope/0123456789abcdef` }), status: 400, code: 'TargetGroupNotFound' },
  { name: 'load balancer in an unknown subnet (ELBv2)', req: () => elb({ Action: 'CreateLoadBalancer', Name: 'bad-nlb', Type: 'network', Scheme: 'internal', 'Subnets.member.1': UNKNOWN_SUBNET }), status: 400, code: 'SubnetNotFound', message: new RegExp(UNKNOWN_SUBNET) },
  // --- ELBv2 envelope
  { name: 'unknown ELBv2 action names it', req: () => elb({ Action: 'CreateTeleporter' }), status: 400, code: 'InvalidAction', message: /CreateTeleporter/, envelope: 'query' },
  { name: 'an ELBv2 operation outside the PrivateLink subset names it', req: () => elb({ Action: 'CreateRule' }), status: 400, code: 'UnsupportedOperation', message: /CreateRule/, envelope: 'query' },
  { name: 'an EC2 operation outside the PrivateLink subset names it', req: () => ec2({ Action: 'RunInstances' }), status: 400, code: 'UnsupportedOperation', message: /RunInstances/ },
  { name: 'ELBv2 wrong type', req: () => elb({ Action: 'DescribeLoadBalancers', PageSize: 'many' }), status: 400, code: 'ValidationError', message: /PageSize/, envelope: 'query' },
  { name: 'ELBv2 missing required parameter', req: () => elb({ Action: 'CreateTargetGroup' }), status: 400, code: 'ValidationError', message: /Name/, envelope: 'query' },
  // --- operations known but not served
  { name: 'connection notifications are not supported yet, and say so', req: () => ec2({ Action: 'DescribeVpcEndpointConnectionNotifications' }), status: 400, code: 'UnsupportedOperation', message: /DescribeVpcEndpointConnectionNotifications/ },
  { name: 'connection notifications are not supported yet', req: (c) => ec2({ Action: 'CreateVpcEndpointConnectionNotification', ServiceId: c.p.serviceId, ConnectionNotificationArn: 'arn:aws:sns:us-east-1:111111111111:topic', 'ConnectionEvents.1': 'Accept' }), status: 400, code: 'UnsupportedOperation', message: /CreateVpcEndpointConnectionNotification/ },
  // --- authentication (codes as src/control/auth answers them)
  { name: 'no authentication (EC2)', req: () => ec2({ Action: 'DescribeVpcs' }, { sign: false }), status: 403, code: 'MissingAuthenticationToken', envelope: 'ec2' },
  { name: 'no authentication (ELBv2)', req: () => ({ ...elb({ Action: 'DescribeLoadBalancers' }), sign: false }), status: 403, code: 'MissingAuthenticationToken', envelope: 'query' },
  { name: 'wrong secret (EC2)', req: () => ec2({ Action: 'DescribeVpcs' }, { secretAccessKey: 'not-test' }), status: 403, code: 'SignatureDoesNotMatch' },
  { name: 'wrong secret (ELBv2)', req: () => elb({ Action: 'DescribeLoadBalancers' }, { secretAccessKey: 'not-test' }), status: 403, code: 'SignatureDoesNotMatch', envelope: 'query' },
  { name: 'body changed after signing', req: () => ec2({ Action: 'DescribeVpcs' }, { sendBody: form({ Action: 'DeleteVpc', VpcId: UNKNOWN_VPC, ...EC2_V }) }), status: 403, code: 'SignatureDoesNotMatch' },
  { name: 'a real-looking AWS key is refused in dev mode (EC2)', req: () => ec2({ Action: 'DescribeVpcs' }, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }), status: 401, code: 'AuthFailure' },
  { name: 'a real-looking AWS key is refused in dev mode (ELBv2)', req: () => elb({ Action: 'DescribeLoadBalancers' }, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }), status: 403, code: 'InvalidClientTokenId', envelope: 'query' },
  { name: 'signed 20 minutes ago (EC2)', req: () => ec2({ Action: 'DescribeVpcs' }, { signingDate: new Date(Date.now() - 20 * 60_000) }), status: 400, code: 'RequestExpired' },
  { name: 'signed 20 minutes ago (ELBv2)', req: () => elb({ Action: 'DescribeLoadBalancers' }, { signingDate: new Date(Date.now() - 20 * 60_000) }), status: 403, code: 'SignatureDoesNotMatch', message: /expired/i, envelope: 'query' },
  { name: 'signed for another region', req: () => ec2({ Action: 'DescribeVpcs' }, { region: 'eu-west-1' }), status: 403, code: 'SignatureDoesNotMatch', message: /eu-west-1/ },
];

/** Status, envelope, code, message, and the request id in header and body. */
function checkError(res: RawResponse, c: { status: number; code: string | RegExp; message?: RegExp; envelope: 'ec2' | 'query' }, what: string): void {
  const err = parseErrorXml(res.body);
  assert.ok(err, `${what}: an AWS error envelope, got HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const summary = `${what}: got HTTP ${res.status} ${err.code}: ${err.message}`;
  if (typeof c.code === 'string') assert.equal(err.code, c.code, summary);
  else assert.match(err.code, c.code, summary);
  assert.equal(res.status, c.status, summary);
  assert.equal(err.protocol, c.envelope, `${summary} (envelope)`);
  if (err.protocol === 'query') {
    assert.equal(err.type, c.status >= 500 ? 'Receiver' : 'Sender', summary);
    assert.equal(err.xmlns, 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/');
  }
  assert.ok(err.message.length > 0, `${summary}: the message says what is wrong`);
  if (c.message) assert.match(err.message, c.message, summary);
  checkRequestId(res, err.requestId, what);
}

function checkRequestId(res: RawResponse, bodyId: string | undefined, what: string): void {
  const header = res.headers['x-amzn-requestid'];
  assert.ok(header && header.length > 0, `${what}: x-amzn-requestid header`);
  assert.equal(bodyId, header, `${what}: the body's request id is the header's`);
}

for (const dialect of DIALECTS) {
  describe(`bad input on ${dialect}`, () => {
    let server: TestServer;
    let ctx: Ctx;
    const cleanups: Array<() => void | Promise<void>> = [];
    before(async () => {
      // startTestServer registers its cleanups in the order they must run (node:test's t.after order).
      server = await startTestServer({ after: (fn: () => Promise<void>) => { cleanups.push(fn); } }, { dialect });
      const api = sdkFactory(server.endpoint).forAccount(OWNER);
      const p = await buildProvider(api, { acceptanceRequired: false, full: false });
      const extra = await api.call('ec2', 'CreateSubnet', { VpcId: p.net.vpcId, CidrBlock: '10.0.3.0/24', AvailabilityZone: 'us-east-1a' });
      ctx = { p, extraSubnet: extra.Subnet.SubnetId };
    });
    after(async () => {
      for (const fn of cleanups) await fn();
    });

    async function send(req: RawRequest): Promise<RawResponse> {
      return rawRequest(server.endpoint, req);
    }

    describe('the table', () => {
      for (const c of CASES) {
        it(c.name, async () => {
          const req = c.req(ctx);
          const res = await send(req);
          const envelope = c.envelope ?? (req.service === 'elasticloadbalancing' ? 'query' : 'ec2');
          checkError(res, { status: c.status, code: c.code, envelope, message: typeof c.message === 'function' ? c.message(ctx) : c.message }, c.name);
        });
      }
    });

    it('a successful request carries the request id in header and body (EC2 and ELBv2), and GET works for EC2', async () => {
      const a = await send(ec2({ Action: 'DescribeAvailabilityZones' }));
      assert.equal(a.status, 200, a.body);
      checkRequestId(a, successRequestId(a.body), 'DescribeAvailabilityZones');
      const b = await send(elb({ Action: 'DescribeLoadBalancers' }));
      assert.equal(b.status, 200, b.body);
      checkRequestId(b, successRequestId(b.body), 'DescribeLoadBalancers');
      const g = await send({ service: 'ec2', account: OWNER, method: 'GET', query: form({ Action: 'DescribeVpcs', ...EC2_V }), contentType: null });
      assert.equal(g.status, 200, g.body);
      assert.match(g.body, new RegExp(ctx.p.net.vpcId));
    });

    it("another account's ids answer exactly like unknown ids", async () => {
      // Same request shape twice: with the owner's id (as account OTHER) and with an unknown id of the same form.
      const pairs: Array<{ name: string; mine: string; unknown: string; req: (id: string) => RawRequest }> = [
        { name: 'DeleteVpc', mine: ctx.p.net.vpcId, unknown: UNKNOWN_VPC, req: (id) => ec2({ Action: 'DeleteVpc', VpcId: id }, { account: OTHER }) },
        { name: 'DescribeVpcs', mine: ctx.p.net.vpcId, unknown: UNKNOWN_VPC, req: (id) => ec2({ Action: 'DescribeVpcs', 'VpcId.1': id }, { account: OTHER }) },
        { name: 'CreateSubnet', mine: ctx.p.net.vpcId, unknown: UNKNOWN_VPC, req: (id) => ec2({ Action: 'CreateSubnet', VpcId: id, CidrBlock: '10.0.200.0/24' }, { account: OTHER }) },
        { name: 'DescribeSubnets', mine: ctx.p.net.subnets[0]!.id, unknown: UNKNOWN_SUBNET, req: (id) => ec2({ Action: 'DescribeSubnets', 'SubnetId.1': id }, { account: OTHER }) },
        { name: 'DeleteSubnet', mine: ctx.p.net.subnets[0]!.id, unknown: UNKNOWN_SUBNET, req: (id) => ec2({ Action: 'DeleteSubnet', SubnetId: id }, { account: OTHER }) },
        { name: 'DescribeVpcEndpointServiceConfigurations', mine: ctx.p.serviceId, unknown: UNKNOWN_SERVICE, req: (id) => ec2({ Action: 'DescribeVpcEndpointServiceConfigurations', 'ServiceId.1': id }, { account: OTHER }) },
        { name: 'ModifyVpcEndpointServicePermissions', mine: ctx.p.serviceId, unknown: UNKNOWN_SERVICE, req: (id) => ec2({ Action: 'ModifyVpcEndpointServicePermissions', ServiceId: id, 'AddAllowedPrincipals.1': '*' }, { account: OTHER }) },
        { name: 'DescribeLoadBalancers', mine: ctx.p.lbArn, unknown: ctx.p.lbArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef'), req: (id) => elb({ Action: 'DescribeLoadBalancers', 'LoadBalancerArns.member.1': id }, { account: OTHER }) },
        { name: 'DeleteTargetGroup', mine: ctx.p.tgArn, unknown: ctx.p.tgArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef'), req: (id) => elb({ Action: 'DeleteTargetGroup', TargetGroupArn: id }, { account: OTHER }) },
      ];
      for (const pair of pairs) {
        const a = await send(pair.req(pair.mine));
        const b = await send(pair.req(pair.unknown));
        const ea = parseErrorXml(a.body);
        const eb = parseErrorXml(b.body);
        assert.ok(ea && eb, `${pair.name}: both are errors (${a.status} ${a.body.slice(0, 200)} / ${b.status} ${b.body.slice(0, 200)})`);
        assert.match(eb.code, /NotFound$/, `${pair.name}: an unknown id is NotFound (${eb.code})`);
        assert.equal(ea.code, eb.code, `${pair.name}: same code`);
        assert.equal(a.status, b.status, `${pair.name}: same status`);
        assert.equal(ea.message.split(pair.mine).join('<id>'), eb.message.split(pair.unknown).join('<id>'), `${pair.name}: same message`);
      }
      // And the owner still has them, untouched.
      const mine = await send(ec2({ Action: 'DescribeVpcs', 'VpcId.1': ctx.p.net.vpcId }));
      assert.equal(mine.status, 200);
      const subs = await send(ec2({ Action: 'DescribeSubnets', 'SubnetId.1': ctx.p.net.subnets[0]!.id }));
      assert.equal(subs.status, 200, 'the other account could not delete the subnet');
    });

    it('DryRun answers 412 DryRunOperation and creates nothing', async () => {
      const res = await send(ec2({ Action: 'CreateVpc', CidrBlock: '10.99.0.0/16', DryRun: true }));
      checkError(res, { status: 412, code: 'DryRunOperation', envelope: 'ec2', message: /DryRun/ }, 'DryRun CreateVpc');
      const vpcs = await send(ec2({ Action: 'DescribeVpcs', 'Filter.1.Name': 'cidr', 'Filter.1.Value.1': '10.99.0.0/16' }));
      assert.equal(vpcs.status, 200, vpcs.body);
      assert.doesNotMatch(vpcs.body, /10\.99\.0\.0/, 'the dry run created no VPC');
      // A dry run of a request that would fail answers the failure, not DryRunOperation.
      const bad = await send(ec2({ Action: 'CreateVpc', CidrBlock: '10.0.0.0/8', DryRun: true }));
      assert.equal(parseErrorXml(bad.body)?.code === 'DryRunOperation', false, 'an invalid request is not "would have succeeded"');
    });

    it('ClientToken: same parameters, same result; other parameters, IdempotentParameterMismatch', async () => {
      const token = `tok-${dialect}-${Date.now()}`;
      const body = { Action: 'CreateRouteTable', VpcId: ctx.p.net.vpcId, ClientToken: token };
      const first = await send(ec2(body));
      assert.equal(first.status, 200, first.body);
      const id = /<routeTableId>(rtb-[0-9a-f]+)<\/routeTableId>/.exec(first.body)?.[1];
      assert.ok(id, first.body);
      const again = await send(ec2(body));
      assert.equal(again.status, 200, again.body);
      assert.equal(/<routeTableId>(rtb-[0-9a-f]+)<\/routeTableId>/.exec(again.body)?.[1], id, 'the same route table');
      checkRequestId(again, successRequestId(again.body), 'replayed CreateRouteTable');
      const tables = await send(ec2({ Action: 'DescribeRouteTables', 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': ctx.p.net.vpcId }));
      // Distinct ids: a table's associations repeat its <routeTableId>.
      const tableIds = new Set([...tables.body.matchAll(/<routeTableId>(rtb-[0-9a-f]+)<\/routeTableId>/g)].map((m) => m[1]));
      assert.equal(tableIds.size, 2, 'the main table and one created table, not two');
      assert.ok(tableIds.has(id));
      // Another VPC of the same account, same token: mismatch.
      const vpc2 = await send(ec2({ Action: 'CreateVpc', CidrBlock: '10.50.0.0/16' }));
      const vpc2Id = /<vpcId>(vpc-[0-9a-f]+)<\/vpcId>/.exec(vpc2.body)?.[1];
      assert.ok(vpc2Id, vpc2.body);
      const mismatch = await send(ec2({ ...body, VpcId: vpc2Id }));
      checkError(mismatch, { status: 400, code: 'IdempotentParameterMismatch', envelope: 'ec2', message: new RegExp(token) }, 'reused ClientToken');
      // The same token in another account is that account's own.
      const otherVpc = /<vpcId>(vpc-[0-9a-f]+)<\/vpcId>/.exec((await send(ec2({ Action: 'CreateVpc', CidrBlock: '10.60.0.0/16' }, { account: OTHER }))).body)?.[1];
      assert.ok(otherVpc);
      const other = await send(ec2({ Action: 'CreateRouteTable', VpcId: otherVpc, ClientToken: token }, { account: OTHER }));
      assert.equal(other.status, 200, other.body);
      assert.notEqual(/<routeTableId>(rtb-[0-9a-f]+)<\/routeTableId>/.exec(other.body)?.[1], id);
    });

    it('failed creates leave nothing half-written', async () => {
      const enis = async () => {
        const r = await send(ec2({ Action: 'DescribeNetworkInterfaces' }));
        assert.equal(r.status, 200, r.body);
        return (r.body.match(/<networkInterfaceId>eni-[0-9a-f]+<\/networkInterfaceId>/g) ?? []).sort();
      };
      const before = await enis();
      assert.equal(before.length, 2, 'the NLB has one ENI per subnet');
      // An endpoint whose second subnet does not exist: no endpoint, no ENI in the first subnet.
      const ep = await send(ec2({ Action: 'CreateVpcEndpoint', VpcEndpointType: 'Interface', VpcId: ctx.p.net.vpcId, ServiceName: ctx.p.serviceName, 'SubnetId.1': ctx.p.net.subnets[0]!.id, 'SubnetId.2': UNKNOWN_SUBNET }));
      checkError(ep, { status: 400, code: 'InvalidSubnetID.NotFound', envelope: 'ec2', message: new RegExp(UNKNOWN_SUBNET) }, 'CreateVpcEndpoint with an unknown subnet');
      // Two subnets in one AZ.
      const twice = await send(ec2({ Action: 'CreateVpcEndpoint', VpcEndpointType: 'Interface', VpcId: ctx.p.net.vpcId, ServiceName: ctx.p.serviceName, 'SubnetId.1': ctx.p.net.subnets[0]!.id, 'SubnetId.2': ctx.extraSubnet }));
      assert.equal(twice.status, 400, `two subnets in one AZ are refused: ${twice.body}`);
      assert.match(parseErrorXml(twice.body)?.code ?? '', /^(InvalidParameter|DuplicateSubnetsInSameZone|InvalidParameterValue)$/);
      // A load balancer whose second subnet does not exist: no load balancer, no node ENI.
      const lb = await send(elb({ Action: 'CreateLoadBalancer', Name: 'half-nlb', Type: 'network', Scheme: 'internal', 'Subnets.member.1': ctx.extraSubnet, 'Subnets.member.2': UNKNOWN_SUBNET }));
      checkError(lb, { status: 400, code: 'SubnetNotFound', envelope: 'query' }, 'CreateLoadBalancer with an unknown subnet');
      assert.deepEqual(await enis(), before, 'no ENI was left behind');
      const eps = await send(ec2({ Action: 'DescribeVpcEndpoints' }));
      assert.match(eps.body, /<vpcEndpointSet\/>/, 'no endpoint was left behind');
      const lbs = await send(elb({ Action: 'DescribeLoadBalancers', 'Names.member.1': 'half-nlb' }));
      assert.equal(parseErrorXml(lbs.body)?.code, 'LoadBalancerNotFound', 'no load balancer was left behind');
      // The subnet that was first in line has all its addresses but the NLB's.
      const sub = await send(ec2({ Action: 'DescribeSubnets', 'SubnetId.1': ctx.extraSubnet }));
      assert.match(sub.body, /<availableIpAddressCount>251<\/availableIpAddressCount>/);
    });

    it('garbage on the socket does not take the server down; it still answers', async () => {
      await new Promise<void>((resolve) => {
        const s = connect(server.port, '127.0.0.1', () => {
          s.write('\x00\x01\x02 NOT HTTP AT ALL\r\n\r\n');
          s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc');
        });
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        setTimeout(() => { s.destroy(); resolve(); }, 1000);
      });
      const res = await send(ec2({ Action: 'DescribeRegions' }));
      assert.equal(res.status, 200, res.body);
      assert.match(res.body, /<regionName>us-east-1<\/regionName>/);
    });
  });
}
