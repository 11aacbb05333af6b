/**
 * ELB test fixtures: a VPC with subnets and a security group made through the EC2 API
 * (@aws-sdk/client-ec2), SDK clients per account, error assertions, and a test server whose
 * clean-ups run server-first.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import { devCredentials, startTestServer, type Dialect, type TestServer } from '../support/harness.js';

export const REGION = 'us-east-1';

export interface Network {
  vpcId: string;
  subnetIds: string[];
  sgId: string;
}

export function ec2Client(server: TestServer, account = '000000000000'): EC2Client {
  return new EC2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 });
}

/** A VPC (`cidr`), one subnet per `subnets` entry ([cidr, zone]) and a security group, owned by `account`, through the EC2 API. */
export async function seedNetwork(server: TestServer, account: string, cidr: string, subnets: Array<[string, string]>): Promise<Network> {
  const ec2 = ec2Client(server, account);
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [c, zone] of subnets) {
    subnetIds.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: c, AvailabilityZone: zone }))).Subnet!.SubnetId!);
  }
  const sgId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `elb-${vpcId}`, Description: 'load balancer' }))).GroupId!;
  ec2.destroy();
  return { vpcId, subnetIds, sgId };
}

export function elbClient(server: TestServer, account = '000000000000'): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 });
}

/** Asserts that `p` fails with the AWS error `code` (and a message matching `message`, when given). */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ElasticLoadBalancingV2ServiceException, `expected an ELBv2 error, got ${String(e)}`);
    // The SDK names modelled errors by their shape (wire code `ResourceInUse` → ResourceInUseException).
    const wire = (e as unknown as { Code?: string }).Code ?? e.name.replace(/Exception$/, '');
    assert.equal(wire, code, `expected ${code}, got ${e.name}: ${e.message}`);
    assert.ok(e.message.length > 0, 'the error must say what is wrong');
    if (message) assert.match(e.message, message);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** A test server for one test (or, with a collecting `after`, for a suite); clean-ups as the harness orders them. */
export async function startElbServer(t: { after: (fn: () => Promise<void>) => void }, dialect: Dialect, opts: { stateDelayMs?: number } = {}): Promise<TestServer> {
  return startTestServer(t, { dialect, ...opts });
}
