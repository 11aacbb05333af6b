/**
 * Consumer-side fixtures: the consumer's VPC (subnets in zones a, b, c and a second one in a,
 * default security group, a route table) and a provider's NLB + endpoint service, written straight
 * into the store by the contract of src/control/resources.ts — so these tests exercise the
 * endpoint operations without depending on the substrate, ELB and provider handlers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import type {
  EndpointServiceDoc, LoadBalancerDoc, RouteTableDoc, SecurityGroupDoc, SubnetDoc, VpcDoc,
} from '../../src/control/resources.js';
import { DEFAULT_CONTROL_CONFIG } from '../../src/control/api/context.js';
import { consumerTick } from '../../src/control/services/privatelink/consumer/index.js';
import { findZone } from '../../src/core/regions.js';
import { devCredentials, type TestServer } from '../support/harness.js';

export const REGION = 'us-east-1';
export const CONSUMER = '111111111111';
export const PROVIDER = '222222222222';
export const STRANGER = '333333333333';

export function hexId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

function base(account: string) {
  return { account, region: REGION, createdAt: new Date().toISOString(), tags: [] };
}

export interface ConsumerNetwork {
  vpcId: string;
  /** Subnets in us-east-1a, us-east-1b, us-east-1c, and a second one in us-east-1a. */
  subnetA: string; subnetB: string; subnetC: string; subnetA2: string;
  defaultSgId: string;
  /** A second group of the VPC. */
  sgId: string;
  routeTableId: string;
  routeTable2Id: string;
}

export async function seedConsumerNetwork(server: TestServer, account = CONSUMER, opts: { dns?: boolean; cidr?: string } = {}): Promise<ConsumerNetwork> {
  const b = base(account);
  const dns = opts.dns ?? true;
  const octet = opts.cidr ?? '10.1';
  const vpc: VpcDoc = {
    ...b, kind: 'vpc', id: hexId('vpc'), cidrBlock: `${octet}.0.0/16`, cidrAssociationId: hexId('vpc-cidr-assoc'), state: 'available',
    instanceTenancy: 'default', enableDnsSupport: dns, enableDnsHostnames: dns, dhcpOptionsId: hexId('dopt'),
    mainRouteTableId: hexId('rtb'), defaultSecurityGroupId: hexId('sg'),
  };
  const subnet = (cidr: string, zone: string): SubnetDoc => ({
    ...b, kind: 'subnet', id: hexId('subnet'), vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zone,
    availabilityZoneId: findZone(REGION, zone)!.zoneId, state: 'available',
  });
  const subnets = [subnet(`${octet}.1.0/24`, 'us-east-1a'), subnet(`${octet}.2.0/24`, 'us-east-1b'), subnet(`${octet}.3.0/24`, 'us-east-1c'), subnet(`${octet}.4.0/24`, 'us-east-1a')];
  const sg = (id: string, name: string): SecurityGroupDoc => ({
    ...b, kind: 'security-group', id, vpcId: vpc.id, groupName: name, description: name, ingress: [], egress: [],
  });
  const main: RouteTableDoc = {
    ...b, kind: 'route-table', id: vpc.mainRouteTableId, vpcId: vpc.id,
    routes: [{ destinationCidrBlock: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable', state: 'active' }],
    associations: [{ id: hexId('rtbassoc'), main: true }],
  };
  const second: RouteTableDoc = { ...main, id: hexId('rtb'), associations: [] };
  const extraSg = sg(hexId('sg'), 'endpoints');
  await server.store.transaction(true, async (tx) => {
    await tx.put(vpc);
    for (const s of subnets) await tx.put(s);
    await tx.put(sg(vpc.defaultSecurityGroupId, 'default'));
    await tx.put(extraSg);
    await tx.put(main);
    await tx.put(second);
  });
  return {
    vpcId: vpc.id, subnetA: subnets[0]!.id, subnetB: subnets[1]!.id, subnetC: subnets[2]!.id, subnetA2: subnets[3]!.id,
    defaultSgId: vpc.defaultSecurityGroupId, sgId: extraSg.id, routeTableId: main.id, routeTable2Id: second.id,
  };
}

export interface SeededService { serviceId: string; serviceName: string }

/**
 * A provider's Available endpoint service behind a load balancer with nodes in `zones` (zone
 * names; us-east-1a and us-east-1b by default), usable by `allowed` accounts.
 */
export async function seedService(server: TestServer, opts: {
  acceptanceRequired: boolean;
  allowed?: string[];
  zones?: string[];
  type?: 'Interface' | 'GatewayLoadBalancer';
  privateDnsName?: string;
  privateDnsState?: 'pendingVerification' | 'verified';
}): Promise<SeededService> {
  const b = base(PROVIDER);
  const type = opts.type ?? 'Interface';
  const lbKind = type === 'Interface' ? 'net' : 'gwy';
  const lbArn = `arn:aws:elasticloadbalancing:${REGION}:${PROVIDER}:loadbalancer/${lbKind}/lb-${randomBytes(3).toString('hex')}/${randomBytes(8).toString('hex')}`;
  const zones = (opts.zones ?? ['us-east-1a', 'us-east-1b']).map((z) => findZone(REGION, z)!);
  const lb: LoadBalancerDoc = {
    ...b, kind: 'load-balancer', id: lbArn, name: 'lb', type: type === 'Interface' ? 'network' : 'gateway', scheme: 'internal',
    ipAddressType: 'ipv4', vpcId: hexId('vpc'), dnsName: 'lb.elb.amazonaws.com', canonicalHostedZoneId: 'Z26RNL4JYFTOTI', state: 'active',
    zones: zones.map((z, i) => ({
      subnetId: hexId('subnet'), availabilityZone: z.zoneName, availabilityZoneId: z.zoneId, networkInterfaceId: hexId('eni'), privateIpv4Address: `10.9.${i}.10`,
    })),
    securityGroups: [], attributes: {},
  };
  const serviceId = hexId('vpce-svc');
  const serviceName = `com.amazonaws.vpce.${REGION}.${serviceId}`;
  const service: EndpointServiceDoc = {
    ...b, kind: 'endpoint-service', id: serviceId, serviceName, serviceType: type, state: 'Available', stateChangedAt: b.createdAt,
    acceptanceRequired: opts.acceptanceRequired,
    networkLoadBalancerArns: type === 'Interface' ? [lbArn] : [], gatewayLoadBalancerArns: type === 'Interface' ? [] : [lbArn],
    supportedIpAddressTypes: ['ipv4'],
    permissions: (opts.allowed ?? [CONSUMER]).map((a) => ({ id: hexId('vpce-svc-perm'), principal: `arn:aws:iam::${a}:root`, principalType: 'Account' as const })),
    ...(opts.privateDnsName ? {
      privateDnsName: opts.privateDnsName,
      privateDnsNameConfiguration: { state: opts.privateDnsState ?? 'pendingVerification', type: 'TXT' as const, name: '_abc', value: 'vpce:xyz' },
    } : {}),
  };
  await server.store.transaction(true, async (tx) => {
    await tx.put(lb);
    await tx.put(service);
  });
  return { serviceId, serviceName };
}

export function ec2(server: TestServer, account = CONSUMER): EC2Client {
  return new EC2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 });
}

/** Asserts that `p` fails with the EC2 error `code` (HTTP 400; 412 for DryRunOperation) and a message matching `message`. */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<EC2ServiceException> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EC2ServiceException, `expected an EC2 error, got ${String(e)}`);
    assert.equal(e.name, code, `expected ${code}, got ${e.name}: ${e.message}`);
    assert.ok(e.message.length > 10, 'the error must say what is wrong');
    if (message) assert.match(e.message, message);
    assert.equal(e.$metadata.httpStatusCode, code === 'DryRunOperation' ? 412 : 400);
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** The store's documents of a kind (all accounts). */
export async function storeList<K extends 'endpoint' | 'network-interface' | 'route-table'>(server: TestServer, kind: K) {
  return server.store.transaction(false, (tx) => tx.list(kind));
}

/**
 * A state delay no test waits out: servers started with it keep transitional states (pending,
 * deleting) until `advance` runs the consumer's transitions, so tests can observe them without
 * racing the server's ticker on a loaded machine.
 */
export const SLOW_STATE_DELAY_MS = 3_600_000;

/** Runs the consumer's transition pass as if the slow delay had passed (not the retention period). */
export async function advance(server: TestServer): Promise<void> {
  const now = new Date(Date.now() + SLOW_STATE_DELAY_MS + 1_000);
  await server.store.transaction(true, (tx) => consumerTick(tx, now, { ...DEFAULT_CONTROL_CONFIG, stateDelayMs: SLOW_STATE_DELAY_MS }));
}
