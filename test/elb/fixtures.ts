/**
 * ELB test fixtures: a VPC with subnets and a security group written straight into the store (so
 * the ELB tests do not depend on the EC2 substrate handlers), and SDK clients per account.
 */
import { randomBytes } from 'node:crypto';
import { ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import assert from 'node:assert/strict';
import type { SecurityGroupDoc, SubnetDoc, VpcDoc } from '../../src/control/resources.js';
import { findZone } from '../../src/core/regions.js';
import { devCredentials, startTestServer, type Dialect, type TestServer } from '../support/harness.js';

export const REGION = 'us-east-1';

function id(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export interface Network {
  vpcId: string;
  subnetIds: string[];
  sgId: string;
}

/** A VPC (`cidr`), one subnet per `subnets` entry ([cidr, zone]) and a security group, owned by `account`. */
export async function seedNetwork(server: TestServer, account: string, cidr: string, subnets: Array<[string, string]>): Promise<Network> {
  const now = new Date().toISOString();
  const base = { account, region: REGION, createdAt: now, tags: [] };
  const vpc: VpcDoc = {
    ...base, kind: 'vpc', id: id('vpc'), cidrBlock: cidr, cidrAssociationId: id('vpc-cidr-assoc'), state: 'available',
    instanceTenancy: 'default', enableDnsSupport: true, enableDnsHostnames: false, dhcpOptionsId: id('dopt'),
    mainRouteTableId: id('rtb'), defaultSecurityGroupId: id('sg'),
  };
  const subnetDocs: SubnetDoc[] = subnets.map(([c, zone]) => ({
    ...base, kind: 'subnet', id: id('subnet'), vpcId: vpc.id, cidrBlock: c, availabilityZone: zone,
    availabilityZoneId: findZone(REGION, zone)!.zoneId, state: 'available',
  }));
  const sg: SecurityGroupDoc = {
    ...base, kind: 'security-group', id: id('sg'), vpcId: vpc.id, groupName: `sg-${vpc.id}`, description: 'test', ingress: [], egress: [],
  };
  await server.store.transaction(true, async (tx) => {
    await tx.put(vpc);
    for (const s of subnetDocs) await tx.put(s);
    await tx.put(sg);
  });
  return { vpcId: vpc.id, subnetIds: subnetDocs.map((s) => s.id), sgId: sg.id };
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

/**
 * A test server whose clean-ups run in reverse order of registration: the server closes before
 * its PostgreSQL database is dropped (the harness registers the drop first; node:test runs
 * `after` hooks in registration order).
 */
export async function startElbServer(t: { after: (fn: () => Promise<void>) => void }, dialect: Dialect, opts: { stateDelayMs?: number } = {}): Promise<TestServer> {
  const cleanups: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return startTestServer({ after: (fn: () => Promise<void>) => { cleanups.push(fn); } }, { dialect, ...opts });
}
