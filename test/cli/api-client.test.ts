/**
 * The CLI's API client: parameter flattening for both Query dialects, XML answers as plain objects,
 * credentials from the environment, and signed calls against a real server (EC2 and ELBv2
 * answers, AWS error codes, refused signatures).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiClient, asList, AwsApiError, credentialsFromEnv, flattenParams, parseXml, str, type XmlObject } from '../../src/cli/api-client.js';
import { startTestServer } from '../support/harness.js';

describe('api-client (pure)', () => {
  it('flattens lists and structures as EC2 (Name.N) and ELBv2 (Name.member.N) want them', () => {
    assert.deepEqual(flattenParams({
      VpcId: 'vpc-1', Skip: undefined, DryRun: false, MaxResults: 5,
      Filter: [{ Name: 'vpc-id', Value: ['a', 'b'] }],
      TagSpecification: [{ ResourceType: 'network-interface', Tag: [{ Key: 'k', Value: 'v' }] }],
    }, 'ec2'), [
      ['VpcId', 'vpc-1'], ['DryRun', 'false'], ['MaxResults', '5'],
      ['Filter.1.Name', 'vpc-id'], ['Filter.1.Value.1', 'a'], ['Filter.1.Value.2', 'b'],
      ['TagSpecification.1.ResourceType', 'network-interface'], ['TagSpecification.1.Tag.1.Key', 'k'], ['TagSpecification.1.Tag.1.Value', 'v'],
    ]);
    assert.deepEqual(flattenParams({ Subnets: ['s1', 's2'], Targets: [{ Id: '10.0.1.10', Port: 80 }], DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn' }] }, 'member'), [
      ['Subnets.member.1', 's1'], ['Subnets.member.2', 's2'], ['Targets.member.1.Id', '10.0.1.10'], ['Targets.member.1.Port', '80'],
      ['DefaultActions.member.1.Type', 'forward'], ['DefaultActions.member.1.TargetGroupArn', 'arn'],
    ]);
  });

  it('parses answers with lists as arrays, ids as strings, empty lists as empty', () => {
    const ec2 = parseXml('<?xml version="1.0"?><DescribeVpcsResponse xmlns="x"><requestId>r</requestId><vpcSet><item><vpcId>vpc-1</vpcId><ownerId>000000000001</ownerId></item></vpcSet><tagSet/></DescribeVpcsResponse>');
    assert.deepEqual(ec2, { requestId: 'r', vpcSet: [{ vpcId: 'vpc-1', ownerId: '000000000001' }], tagSet: '' });
    assert.deepEqual(asList(ec2.tagSet), []);
    assert.equal(str(asList(ec2.vpcSet)[0]?.vpcId), 'vpc-1');
    const elb = parseXml('<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions><member><Target><Id>10.0.1.10</Id><Port>80</Port></Target></member></TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>');
    const result = elb.DescribeTargetHealthResult as XmlObject;
    assert.deepEqual(result.TargetHealthDescriptions, [{ Target: { Id: '10.0.1.10', Port: '80' } }]);
  });

  it('takes credentials from the environment, else test/test unless the server is strict', () => {
    assert.deepEqual(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_SESSION_TOKEN: 'T' }, 'strict'), { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'T' });
    assert.deepEqual(credentialsFromEnv({}, 'dev'), { accessKeyId: 'test', secretAccessKey: 'test' });
    assert.throws(() => credentialsFromEnv({}, 'strict'), /--auth strict: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.*accounts create/);
    assert.throws(() => credentialsFromEnv({ AWS_ACCESS_KEY_ID: '111111111111' }, 'dev'), /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
  });
});

describe('api-client against a server', () => {
  it('signs EC2 and ELBv2 calls, and turns error answers into AwsApiError with AWS\'s code', async (t) => {
    const up = await startTestServer(t);
    const provider = new ApiClient({ endpoint: up.endpoint, region: up.region, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } });
    const vpc = await provider.ec2('CreateVpc', { CidrBlock: '10.0.0.0/16' });
    const vpcId = str((vpc.vpc as XmlObject).vpcId);
    assert.match(vpcId, /^vpc-[0-9a-f]{17}$/);
    await provider.ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' });
    const subnets = asList((await provider.ec2('DescribeSubnets', { Filter: [{ Name: 'vpc-id', Value: [vpcId] }] })).subnetSet);
    assert.deepEqual(subnets.map((s) => [s.cidrBlock, s.ownerId]), [['10.0.1.0/24', '111111111111']]);
    const tg = await provider.elbv2('CreateTargetGroup', { Name: 'tg', Protocol: 'TCP', Port: 80, TargetType: 'ip', VpcId: vpcId });
    assert.match(str(asList(tg.TargetGroups)[0]?.TargetGroupArn), /^arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup\/tg\//);

    const consumer = provider.withCredentials({ accessKeyId: '222222222222', secretAccessKey: 'test' });
    await assert.rejects(consumer.ec2('DescribeVpcs', { VpcId: [vpcId] }), (e: unknown) => {
      assert.ok(e instanceof AwsApiError);
      assert.equal(e.code, 'InvalidVpcID.NotFound');
      assert.equal(e.status, 400);
      assert.match(e.message, /^DescribeVpcs: InvalidVpcID.NotFound: The vpc ID 'vpc-/);
      return true;
    });
    await assert.rejects(provider.elbv2('CreateTargetGroup', { Name: 'bad name!', Protocol: 'TCP', Port: 80, TargetType: 'ip', VpcId: vpcId }),
      (e: unknown) => e instanceof AwsApiError && e.code === 'ValidationError');
    await assert.rejects(provider.withCredentials({ accessKeyId: '111111111111', secretAccessKey: 'wrong' }).ec2('DescribeVpcs'),
      (e: unknown) => e instanceof AwsApiError && e.code === 'SignatureDoesNotMatch' && e.status === 403);
  });
});
