import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2_MODEL, ELBV2_MODEL } from '../../src/wire/model.js';
import { QueryDecoder } from '../../src/wire/query-decode.js';
import { ApiError } from '../../src/core/errors.js';

const ec2 = new QueryDecoder(EC2_MODEL);
const elb = new QueryDecoder(ELBV2_MODEL);

function form(s: string): Iterable<[string, string]> {
  return new URLSearchParams(s).entries();
}

describe('EC2 query decoding (bodies captured from real clients)', () => {
  const cases: Array<{ name: string; op: string; body: string; want: unknown }> = [
    {
      name: 'AWS CLI v2 describe-vpc-endpoints with ids, filters and max results',
      op: 'DescribeVpcEndpoints',
      body: 'Action=DescribeVpcEndpoints&Version=2016-11-15&VpcEndpointId.1=vpce-0123456789abcdef0&VpcEndpointId.2=vpce-0fedcba9876543210&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-11112222&Filter.2.Name=tag%3Aenv&Filter.2.Value.1=prod&Filter.2.Value.2=dev&MaxResults=5',
      want: {
        VpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'],
        Filters: [{ Name: 'vpc-id', Values: ['vpc-11112222'] }, { Name: 'tag:env', Values: ['prod', 'dev'] }],
        MaxResults: 5,
      },
    },
    {
      name: 'AWS CLI v2 create-vpc-endpoint with a + for a space',
      op: 'CreateVpcEndpoint',
      body: 'Action=CreateVpcEndpoint&Version=2016-11-15&VpcEndpointType=Interface&VpcId=vpc-11112222&ServiceName=com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0&SubnetId.1=subnet-aaaa&SubnetId.2=subnet-bbbb&SecurityGroupId.1=sg-1&PrivateDnsEnabled=true&TagSpecification.1.ResourceType=vpc-endpoint&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=my+ep',
      want: {
        VpcEndpointType: 'Interface', VpcId: 'vpc-11112222',
        ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0',
        SubnetIds: ['subnet-aaaa', 'subnet-bbbb'], SecurityGroupIds: ['sg-1'], PrivateDnsEnabled: true,
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'Name', Value: 'my ep' }] }],
      },
    },
    {
      name: 'botocore create-vpc-endpoint with nested structures',
      op: 'CreateVpcEndpoint',
      body: 'Action=CreateVpcEndpoint&Version=2016-11-15&VpcId=vpc-0123456789abcdef0&DnsOptions.DnsRecordIpType=dualstack&DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint=false&SubnetConfiguration.1.SubnetId=subnet-aaa&SubnetConfiguration.1.Ipv4=10.0.1.10&ClientToken=tok-1&DryRun=false',
      want: {
        VpcId: 'vpc-0123456789abcdef0',
        DnsOptions: { DnsRecordIpType: 'dualstack', PrivateDnsOnlyForInboundResolverEndpoint: false },
        SubnetConfigurations: [{ SubnetId: 'subnet-aaa', Ipv4: '10.0.1.10' }], ClientToken: 'tok-1', DryRun: false,
      },
    },
    {
      name: 'ModifyVpcAttribute with an AttributeBooleanValue',
      op: 'ModifyVpcAttribute',
      body: 'Action=ModifyVpcAttribute&Version=2016-11-15&VpcId=vpc-1&EnableDnsHostnames.Value=true',
      want: { VpcId: 'vpc-1', EnableDnsHostnames: { Value: true } },
    },
    {
      name: 'list indexes sort numerically',
      op: 'DescribeVpcs',
      body: 'VpcId.10=vpc-j&VpcId.2=vpc-b&VpcId.1=vpc-a',
      want: { VpcIds: ['vpc-a', 'vpc-b', 'vpc-j'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(ec2.decode(c.op, form(c.body)), c.want);
    });
  }
});

describe('ELBv2 query decoding', () => {
  it('decodes .member.N lists and structures', () => {
    const got = elb.decode('CreateLoadBalancer', form('Action=CreateLoadBalancer&Version=2015-12-01&Name=my-nlb&Subnets.member.1=subnet-a&Subnets.member.2=subnet-b&Scheme=internal&Tags.member.1.Key=env&Tags.member.1.Value=dev&Type=network'));
    assert.deepEqual(got, { Name: 'my-nlb', Subnets: ['subnet-a', 'subnet-b'], Scheme: 'internal', Tags: [{ Key: 'env', Value: 'dev' }], Type: 'network' });
  });
  it('decodes an empty list sent as a bare name', () => {
    assert.deepEqual(elb.decode('DescribeLoadBalancers', form('Names=')), { Names: [] });
  });
});

describe('bad input is refused with AWS codes', () => {
  const cases: Array<{ name: string; dec: QueryDecoder; op: string; body: string; code: string; message: RegExp }> = [
    { name: 'unknown parameter', dec: ec2, op: 'DescribeVpcs', body: 'Foo=1', code: 'UnknownParameter', message: /Foo/ },
    { name: 'unknown nested parameter', dec: ec2, op: 'DescribeVpcs', body: 'Filter.1.Nme=x', code: 'UnknownParameter', message: /Filter\.1\.Nme/ },
    { name: 'missing required parameter', dec: ec2, op: 'DeleteVpc', body: '', code: 'MissingParameter', message: /VpcId/ },
    { name: 'integer that is not one', dec: ec2, op: 'DescribeVpcEndpoints', body: 'MaxResults=ten', code: 'InvalidParameterValue', message: /MaxResults/ },
    { name: 'boolean that is not one', dec: ec2, op: 'DescribeVpcs', body: 'DryRun=maybe', code: 'InvalidParameterValue', message: /DryRun/ },
    { name: 'enum value outside the model', dec: ec2, op: 'CreateVpcEndpoint', body: 'VpcId=vpc-1&VpcEndpointType=Tunnel', code: 'InvalidParameterValue', message: /Interface/ },
    { name: 'list index that is not a positive number', dec: ec2, op: 'DescribeVpcs', body: 'VpcId.0=vpc-1', code: 'UnknownParameter', message: /VpcId\.0/ },
    { name: 'scalar given as a list', dec: ec2, op: 'DeleteVpc', body: 'VpcId.1=vpc-1', code: 'UnknownParameter', message: /VpcId\.1/ },
    { name: 'duplicate parameter', dec: ec2, op: 'DeleteVpc', body: 'VpcId=vpc-1&VpcId=vpc-2', code: 'InvalidParameterValue', message: /more than once/ },
    { name: 'ELBv2 missing name', dec: elb, op: 'CreateLoadBalancer', body: 'Type=network', code: 'ValidationError', message: /Name/ },
    { name: 'ELBv2 port out of range', dec: elb, op: 'CreateListener', body: 'LoadBalancerArn=a&Port=70000&DefaultActions.member.1.Type=forward', code: 'ValidationError', message: /70000/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => c.dec.decode(c.op, form(c.body)), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, c.code);
        assert.match(e.message, c.message);
        return true;
      });
    });
  }
});
