/**
 * Route 53 Resolver test helpers: a VPC with two subnets and a security group built through the
 * EC2 API, Resolver calls through boto3 (the JS SDK's client-route53resolver is not installed), and
 * raw JSON 1.1 requests signed for `route53resolver`.
 */
import type { AwsApi, RawResponse, ServiceName } from '../support/clients.js';
import { rawRequest } from '../support/clients.js';

export const RESOLVER = 'route53resolver' as ServiceName;

export interface Network { vpcId: string; subnetA: string; subnetB: string; sg: string }

/** A VPC `cidr16` (e.g. '10.0') with subnets .1.0/24 (zone a) and .2.0/24 (zone b) and one security group. */
export async function network(api: AwsApi, cidr16 = '10.0'): Promise<Network> {
  const vpc = await api.call('ec2', 'CreateVpc', { CidrBlock: `${cidr16}.0.0/16` });
  const vpcId = vpc.Vpc.VpcId as string;
  const a = await api.call('ec2', 'CreateSubnet', { VpcId: vpcId, CidrBlock: `${cidr16}.1.0/24`, AvailabilityZone: 'us-east-1a' });
  const b = await api.call('ec2', 'CreateSubnet', { VpcId: vpcId, CidrBlock: `${cidr16}.2.0/24`, AvailabilityZone: 'us-east-1b' });
  const sg = await api.call('ec2', 'CreateSecurityGroup', { VpcId: vpcId, GroupName: 'resolver', Description: 'resolver endpoints' });
  return { vpcId, subnetA: a.Subnet.SubnetId, subnetB: b.Subnet.SubnetId, sg: sg.GroupId };
}

export function endpointInput(n: Network, direction: 'INBOUND' | 'OUTBOUND', requestId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CreatorRequestId: requestId, Direction: direction, SecurityGroupIds: [n.sg],
    IpAddresses: [{ SubnetId: n.subnetA }, { SubnetId: n.subnetB }], ...extra,
  };
}

/** One JSON 1.1 request, signed for route53resolver by `account` (dev credentials) unless overridden. */
export function jsonCall(endpoint: string, target: string, body: unknown, opts: { account?: string; service?: string; sign?: boolean; secretAccessKey?: string; accessKeyId?: string } = {}): Promise<RawResponse> {
  return rawRequest(endpoint, {
    service: opts.service ?? 'route53resolver',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    contentType: 'application/x-amz-json-1.1',
    extraHeaders: { 'x-amz-target': target.includes('.') ? target : `Route53Resolver.${target}` },
    ...(opts.account !== undefined && { account: opts.account }),
    ...(opts.sign !== undefined && { sign: opts.sign }),
    ...(opts.secretAccessKey !== undefined && { secretAccessKey: opts.secretAccessKey }),
    ...(opts.accessKeyId !== undefined && { accessKeyId: opts.accessKeyId }),
  });
}
