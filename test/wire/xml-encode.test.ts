/**
 * The XML encoder, two ways:
 * 1. golden files (test/wire/golden/*.xml) for both protocols' success bodies and error envelopes —
 *    the exact bytes we answer (UPDATE_GOLDEN=1 rewrites them; review the diff before committing);
 * 2. the real SDK's parser as the oracle: our bytes, served by a tiny HTTP server to
 *    @aws-sdk/client-ec2 / client-elastic-load-balancing-v2, must read back as the object we
 *    encoded — in particular the DescribeVpcEndpoints responses recorded from real AWS
 *    (../shared/reference/aws-recorded/).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2_MODEL, ELBV2_MODEL } from '../../src/wire/model.js';
import { XmlEncoder } from '../../src/wire/xml-encode.js';
import { parseErrorXml } from '../support/clients.js';
import { recordedEndpoints } from '../compat/recorded.js';

const ec2 = new XmlEncoder(EC2_MODEL);
const elb = new XmlEncoder(ELBV2_MODEL);
const REQUEST_ID = '7a62c49f-347e-4fc4-9331-6e8eexample';
const GOLDEN = new URL('./golden/', import.meta.url);

function golden(name: string, actual: string): void {
  const file = new URL(`${name}.xml`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) assert.fail(`golden file ${name}.xml is missing`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name}.xml differs (UPDATE_GOLDEN=1 rewrites it after review)`);
}

const WHEN = new Date('2021-03-05T14:46:16.030Z');

const INTERFACE_ENDPOINT = {
  VpcEndpointId: 'vpce-0f89a33420c1931d7',
  VpcEndpointType: 'Interface',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0e123abc123198abc',
  State: 'pendingAcceptance',
  PolicyDocument: '{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}',
  RouteTableIds: [],
  SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
  Groups: [{ GroupId: 'sg-0cccccccccccccccc', GroupName: 'default' }],
  IpAddressType: 'ipv4',
  DnsOptions: { DnsRecordIpType: 'ipv4' },
  PrivateDnsEnabled: false,
  RequesterManaged: false,
  NetworkInterfaceIds: ['eni-0b16f0581c8ac6877', 'eni-05151d42b885fbd35'],
  DnsEntries: [
    { DnsName: 'vpce-0f89a33420c1931d7-bluzidnv.vpce-svc-0e123abc123198abc.us-east-1.vpce.amazonaws.com', HostedZoneId: 'Z7HUB22UULQXV' },
    { DnsName: 'vpce-0f89a33420c1931d7-bluzidnv-us-east-1a.vpce-svc-0e123abc123198abc.us-east-1.vpce.amazonaws.com', HostedZoneId: 'Z7HUB22UULQXV' },
  ],
  CreationTimestamp: WHEN,
  Tags: [{ Key: 'Name', Value: 'a & b <c> "d" \'e\'' }],
  OwnerId: '222222222222',
};

describe('EC2 success bodies (golden)', () => {
  it('DescribeVpcEndpoints: nested <item> lists, booleans, a timestamp, an empty list, escaping', () => {
    const xml = ec2.encode('DescribeVpcEndpoints', { VpcEndpoints: [INTERFACE_ENDPOINT] }, REQUEST_ID);
    golden('ec2-describe-vpc-endpoints', xml);
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'));
    assert.match(xml, /<vpcEndpointSet><item><vpcEndpointId>vpce-0f89a33420c1931d7<\/vpcEndpointId>/);
    assert.match(xml, /<subnetIdSet><item>subnet-0aaaaaaaaaaaaaaaa<\/item><item>subnet-0bbbbbbbbbbbbbbbb<\/item><\/subnetIdSet>/);
    assert.match(xml, /<groupSet><item><groupId>sg-0cccccccccccccccc<\/groupId><groupName>default<\/groupName><\/item><\/groupSet>/);
    assert.match(xml, /<routeTableIdSet\/>/, 'an empty list is an empty element');
    assert.match(xml, /<privateDnsEnabled>false<\/privateDnsEnabled>/);
    assert.match(xml, /<creationTimestamp>2021-03-05T14:46:16.030Z<\/creationTimestamp>/);
    assert.match(xml, /<value>a &amp; b &lt;c&gt; (&quot;|")d(&quot;|") ('|&apos;)e('|&apos;)<\/value>/);
    assert.doesNotMatch(xml, /<nextToken>/, 'an absent member is no element');
  });

  it('DescribeVpcEndpoints with no endpoints: <vpcEndpointSet/>', () => {
    const xml = ec2.encode('DescribeVpcEndpoints', { VpcEndpoints: [] }, REQUEST_ID);
    golden('ec2-describe-vpc-endpoints-empty', xml);
    assert.equal(xml, `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${REQUEST_ID}</requestId><vpcEndpointSet/></DescribeVpcEndpointsResponse>`);
  });

  it('ModifyVpcEndpoint: <return>true</return>; batch Unsuccessful items', () => {
    golden('ec2-modify-vpc-endpoint', ec2.encode('ModifyVpcEndpoint', { Return: true }, REQUEST_ID));
    const xml = ec2.encode('DeleteVpcEndpointServiceConfigurations', {
      Unsuccessful: [{ Error: { Code: 'ExistingVpcEndpointConnections', Message: 'Service has existing active VPC Endpoint connections!' }, ResourceId: 'vpce-svc-03d5ebb7d9579a2b3' }],
    }, REQUEST_ID);
    golden('ec2-delete-vpc-endpoint-service-configurations', xml);
    assert.match(xml, /<unsuccessful><item><error><code>ExistingVpcEndpointConnections<\/code><message>Service has existing active VPC Endpoint connections!<\/message><\/error><resourceId>vpce-svc-03d5ebb7d9579a2b3<\/resourceId><\/item><\/unsuccessful>/);
  });

  it('CreateVpcEndpointServiceConfiguration: nested structures and lists of structures', () => {
    golden('ec2-create-vpc-endpoint-service-configuration', ec2.encode('CreateVpcEndpointServiceConfiguration', {
      ServiceConfiguration: {
        ServiceType: [{ ServiceType: 'Interface' }],
        ServiceId: 'vpce-svc-03d5ebb7d9579a2b3',
        ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-03d5ebb7d9579a2b3',
        ServiceState: 'Available',
        AvailabilityZones: ['us-east-1a', 'us-east-1b'],
        AcceptanceRequired: true,
        ManagesVpcEndpoints: false,
        NetworkLoadBalancerArns: ['arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/nlb/1238753950b25123'],
        SupportedIpAddressTypes: ['ipv4'],
        BaseEndpointDnsNames: ['vpce-svc-03d5ebb7d9579a2b3.us-east-1.vpce.amazonaws.com'],
        PrivateDnsName: 'api.example.com',
        PrivateDnsNameConfiguration: { State: 'pendingVerification', Type: 'TXT', Value: 'vpce:l6p0ERxlTt45jevFwOCp', Name: '_6e86v84tqgqubxbwii1m' },
        Tags: [],
      },
      ClientToken: 'tok-1',
    }, REQUEST_ID));
  });

  it('refuses an output member that is not in the model', () => {
    assert.throws(() => ec2.encode('DescribeVpcEndpoints', { VpcEndpoints: [], Bogus: 1 }, REQUEST_ID), /Bogus/);
  });
});

const NLB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/my-nlb/1238753950b25123';

const LOAD_BALANCER = {
  LoadBalancerArn: NLB_ARN,
  DNSName: 'my-nlb-1238753950b25123.elb.us-east-1.amazonaws.com',
  CanonicalHostedZoneId: 'Z26RNL4JYFTOTI',
  CreatedTime: WHEN,
  LoadBalancerName: 'my-nlb',
  Scheme: 'internal',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  State: { Code: 'active' },
  Type: 'network',
  AvailabilityZones: [
    { ZoneName: 'us-east-1a', SubnetId: 'subnet-0aaaaaaaaaaaaaaaa', LoadBalancerAddresses: [{ PrivateIPv4Address: '10.0.1.4' }] },
    { ZoneName: 'us-east-1b', SubnetId: 'subnet-0bbbbbbbbbbbbbbbb', LoadBalancerAddresses: [{ PrivateIPv4Address: '10.0.2.4' }] },
  ],
  SecurityGroups: [],
  IpAddressType: 'ipv4',
};

describe('ELBv2 success bodies (golden)', () => {
  it('DescribeLoadBalancers: <member> lists, <XResult>, <ResponseMetadata><RequestId>', () => {
    const xml = elb.encode('DescribeLoadBalancers', { LoadBalancers: [LOAD_BALANCER] }, REQUEST_ID);
    golden('elbv2-describe-load-balancers', xml);
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancersResult><LoadBalancers><member>'));
    assert.ok(xml.endsWith(`</DescribeLoadBalancersResult><ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>`));
    assert.match(xml, /<LoadBalancerAddresses><member><PrivateIPv4Address>10.0.1.4<\/PrivateIPv4Address><\/member><\/LoadBalancerAddresses>/);
    assert.match(xml, /<State><Code>active<\/Code><\/State>/);
    assert.match(xml, /<SecurityGroups\/>/);
  });

  it('DescribeTargetHealth and an operation with an empty result', () => {
    golden('elbv2-describe-target-health', elb.encode('DescribeTargetHealth', {
      TargetHealthDescriptions: [
        { Target: { Id: '10.0.1.10', Port: 8080, AvailabilityZone: 'us-east-1a' }, HealthCheckPort: '8080', TargetHealth: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' } },
      ],
    }, REQUEST_ID));
    const empty = elb.encode('RegisterTargets', {}, REQUEST_ID);
    golden('elbv2-register-targets', empty);
    assert.equal(empty, `<?xml version="1.0" encoding="UTF-8"?>\n<RegisterTargetsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><RegisterTargetsResult/><ResponseMetadata><RequestId>${REQUEST_ID}</RequestId></ResponseMetadata></RegisterTargetsResponse>`);
  });
});

describe('error envelopes (golden)', () => {
  it('EC2: <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>', () => {
    const xml = ec2.encodeError('InvalidVpcEndpointId.NotFound', "The VpcEndPoint ID 'vpce-123' does not exist", REQUEST_ID, 400);
    golden('ec2-error', xml);
    // An apostrophe may be written as itself (as AWS does) or as &apos;: both are the same text.
    assert.equal(xml.replace(/&apos;/g, "'"), `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidVpcEndpointId.NotFound</Code><Message>The VpcEndPoint ID 'vpce-123' does not exist</Message></Error></Errors><RequestID>${REQUEST_ID}</RequestID></Response>`);
  });

  it('EC2: a message needing escaping survives', () => {
    const message = 'Value (<a&b>) for parameter "X" is invalid';
    const xml = ec2.encodeError('InvalidParameterValue', message, REQUEST_ID, 400);
    golden('ec2-error-escaped', xml);
    assert.equal(parseErrorXml(xml)?.message, message);
  });

  it('ELBv2: <ErrorResponse xmlns=…><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>', () => {
    const xml = elb.encodeError('LoadBalancerNotFound', 'One or more load balancers not found', REQUEST_ID, 400);
    golden('elbv2-error', xml);
    assert.equal(xml, `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error><RequestId>${REQUEST_ID}</RequestId></ErrorResponse>`);
  });

  it('ELBv2: a server error is a Receiver error', () => {
    const xml = elb.encodeError('InternalFailure', 'An internal error has occurred', REQUEST_ID, 500);
    golden('elbv2-error-receiver', xml);
    assert.equal(parseErrorXml(xml)?.type, 'Receiver');
  });
});

// ---------------------------------------------------------------------------------------------
// The SDK as the oracle

let server: Server;
let endpoint = '';
let nextResponse: { status: number; body: string } = { status: 200, body: '' };

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(nextResponse.status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': REQUEST_ID });
      res.end(nextResponse.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };

/** What the SDK makes of `body` as the answer to `op`. */
async function sdkRead(service: 'ec2' | 'elbv2', op: string, body: string, input: Record<string, unknown> = {}, status = 200): Promise<any> {
  nextResponse = { status, body };
  const mod = (service === 'ec2' ? EC2 : ELB) as unknown as Record<string, new (i: unknown) => any>;
  const client: any = service === 'ec2'
    ? new EC2.EC2Client({ endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 })
    : new ELB.ElasticLoadBalancingV2Client({ endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  try {
    const out = await client.send(new mod[`${op}Command`]!(input));
    delete out.$metadata;
    return out;
  } finally {
    client.destroy();
  }
}

/** Dates → ISO strings, so expectations can be written as JSON. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

describe('the SDK reads our bytes as what we encoded', () => {
  it('DescribeVpcEndpoints', async () => {
    const out = await sdkRead('ec2', 'DescribeVpcEndpoints', ec2.encode('DescribeVpcEndpoints', { VpcEndpoints: [INTERFACE_ENDPOINT] }, REQUEST_ID));
    assert.deepEqual(plain(out), plain({ VpcEndpoints: [INTERFACE_ENDPOINT] }));
  });

  it('DescribeLoadBalancers and DescribeTargetHealth', async () => {
    const lbs = await sdkRead('elbv2', 'DescribeLoadBalancers', elb.encode('DescribeLoadBalancers', { LoadBalancers: [LOAD_BALANCER], NextMarker: 'm-1' }, REQUEST_ID));
    assert.deepEqual(plain(lbs), plain({ LoadBalancers: [LOAD_BALANCER], NextMarker: 'm-1' }));
    const th = { TargetHealthDescriptions: [{ Target: { Id: '10.0.2.10', Port: 8080 }, HealthCheckPort: '8080', TargetHealth: { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' } }] };
    assert.deepEqual(plain(await sdkRead('elbv2', 'DescribeTargetHealth', elb.encode('DescribeTargetHealth', th, REQUEST_ID), { TargetGroupArn: 'arn' })), th);
  });

  it('both error envelopes: code, message, status and request id', async () => {
    const ec2Err = await sdkRead('ec2', 'DescribeVpcs', ec2.encodeError('InvalidVpcID.NotFound', "The vpc ID 'vpc-0123456789abcdef0' does not exist", REQUEST_ID, 400), {}, 400)
      .then(() => undefined, (e: unknown) => e as any);
    assert.ok(ec2Err, 'the SDK throws');
    assert.equal(ec2Err.name, 'InvalidVpcID.NotFound');
    assert.equal(ec2Err.message, "The vpc ID 'vpc-0123456789abcdef0' does not exist");
    assert.equal(ec2Err.$metadata.httpStatusCode, 400);
    assert.equal(ec2Err.$metadata.requestId, REQUEST_ID);

    const elbErr = await sdkRead('elbv2', 'DescribeLoadBalancers', elb.encodeError('LoadBalancerNotFound', 'One or more load balancers not found', REQUEST_ID, 400), {}, 400)
      .then(() => undefined, (e: unknown) => e as any);
    assert.ok(elbErr, 'the SDK throws');
    assert.equal(elbErr.name, 'LoadBalancerNotFoundException', 'the SDK maps the code to its modelled exception');
    assert.equal(elbErr.message, 'One or more load balancers not found');
    assert.equal(elbErr.$metadata.httpStatusCode, 400);
    assert.equal(elbErr.$metadata.requestId, REQUEST_ID);
  });
});

// ---------------------------------------------------------------------------------------------
// Recorded real-AWS DescribeVpcEndpoints responses

describe('recorded AWS DescribeVpcEndpoints responses round-trip through our encoder and the SDK parser', () => {
  for (const { file, endpoint: recorded } of recordedEndpoints()) {
    it(file, async () => {
      // The output object a handler would return: the policy as the JSON string AWS sends, the time as a Date.
      const output = { ...recorded, PolicyDocument: JSON.stringify(recorded.PolicyDocument), CreationTimestamp: new Date(recorded.CreationTimestamp) };
      const xml = ec2.encode('DescribeVpcEndpoints', { VpcEndpoints: [output] }, REQUEST_ID);
      const read = plain(await sdkRead('ec2', 'DescribeVpcEndpoints', xml)) as { VpcEndpoints: Array<Record<string, any>> };
      assert.equal(read.VpcEndpoints.length, 1);
      const got = read.VpcEndpoints[0]!;
      got.PolicyDocument = JSON.parse(got.PolicyDocument);
      assert.deepEqual(got, recorded);
    });
  }
});
