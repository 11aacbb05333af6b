/**
 * The provider side of PrivateLink with the real @aws-sdk/client-ec2: endpoint service
 * configurations, permissions, visibility across accounts, connection accept/reject, deletion and
 * the timed service states. Load balancers and consumer endpoints are inserted as documents
 * (the contract of src/control/resources.ts), so these tests depend only on the provider handlers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import type { EndpointDoc, EndpointState, LoadBalancerDoc } from '../../src/control/resources.js';
import { providerTick } from '../../src/control/services/privatelink/provider/index.js';
import { findUsableService } from '../../src/control/services/privatelink/provider/lookup.js';
import { DEFAULT_CONTROL_CONFIG } from '../../src/control/api/context.js';
import { DIALECTS, devCredentials, eventually, startTestServer, type TestServer } from '../support/harness.js';

const REGION = 'us-east-1';
const OWNER = '111111111111';
const CONSUMER = '222222222222';
const STRANGER = '333333333333';

function ec2For(server: TestServer, account: string): EC2.EC2Client {
  return new EC2.EC2Client({ endpoint: server.endpoint, region: REGION, credentials: devCredentials(account), maxAttempts: 1 });
}

/**
 * Runs the test's clean-ups last-registered-first: the server must stop before its PostgreSQL
 * database is dropped (the harness registers the drop first).
 */
function lifo(t: TestContext): { after: (fn: () => Promise<void>) => void } {
  const fns: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return { after: (fn) => { fns.push(fn); } };
}

const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

/** Expects the call to fail with `code`; returns the message. */
async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; Code?: string; message: string };
    assert.equal(err.Code ?? err.name, code, `expected ${code}, got ${err.Code ?? err.name}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err.message;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

interface LbOptions { account?: string; type?: 'network' | 'gateway'; zones?: Array<[string, string]>; ipAddressType?: string; state?: LoadBalancerDoc['state'] }

async function putLoadBalancer(server: TestServer, o: LbOptions = {}): Promise<string> {
  const account = o.account ?? OWNER;
  const type = o.type ?? 'network';
  const name = `lb-${hex(6)}`;
  const arn = `arn:aws:elasticloadbalancing:${REGION}:${account}:loadbalancer/${type === 'network' ? 'net' : 'gwy'}/${name}/${hex(16)}`;
  const zones = (o.zones ?? [['us-east-1a', 'use1-az1'], ['us-east-1b', 'use1-az2']]).map(([az, id], i) => ({
    subnetId: `subnet-${hex(17)}`, availabilityZone: az, availabilityZoneId: id, networkInterfaceId: `eni-${hex(17)}`, privateIpv4Address: `10.0.${i}.10`,
  }));
  const doc: LoadBalancerDoc = {
    kind: 'load-balancer', id: arn, account, region: REGION, createdAt: new Date().toISOString(), tags: [],
    name, type, scheme: 'internal', ipAddressType: o.ipAddressType ?? 'ipv4', vpcId: `vpc-${hex(17)}`,
    dnsName: `${name}-${hex(16)}.elb.${REGION}.amazonaws.com`, canonicalHostedZoneId: 'Z26RNL4JYFTOTI',
    state: o.state ?? 'active', zones, securityGroups: [], attributes: {},
  };
  await server.store.transaction(true, (tx) => tx.put(doc));
  return arn;
}

async function putEndpoint(server: TestServer, serviceId: string, serviceName: string, state: EndpointState, account = CONSUMER): Promise<string> {
  const id = `vpce-${hex(17)}`;
  const doc: EndpointDoc = {
    kind: 'endpoint', id, account, region: REGION, createdAt: new Date().toISOString(), tags: [],
    type: 'Interface', vpcId: `vpc-${hex(17)}`, serviceName, serviceId, serviceOwner: OWNER, state,
    stateChangedAt: new Date().toISOString(), routeTableIds: [], subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'], groupIds: [],
    networkInterfaceIds: ['eni-0aaaaaaaaaaaaaaaa'], ipAddressType: 'ipv4', dnsRecordIpType: 'ipv4', privateDnsEnabled: false,
    dnsSuffix: 'abcd1234', connectionId: `vpce-con-${hex(17)}`,
    interfaces: [{ subnetId: 'subnet-0aaaaaaaaaaaaaaaa', networkInterfaceId: 'eni-0aaaaaaaaaaaaaaaa', availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az1', privateIpAddress: '10.1.0.5' }],
  };
  await server.store.transaction(true, (tx) => tx.put(doc));
  return id;
}

async function endpointState(server: TestServer, id: string): Promise<string | undefined> {
  return server.store.transaction(false, async (tx) => (await tx.get('endpoint', id))?.state);
}

async function createService(ec2: EC2.EC2Client, input: EC2.CreateVpcEndpointServiceConfigurationCommandInput): Promise<EC2.ServiceConfiguration> {
  const out = await ec2.send(new EC2.CreateVpcEndpointServiceConfigurationCommand(input));
  return out.ServiceConfiguration!;
}

async function describeService(ec2: EC2.EC2Client, id: string): Promise<EC2.ServiceConfiguration> {
  const out = await ec2.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
  assert.equal(out.ServiceConfigurations?.length, 1);
  return out.ServiceConfigurations![0]!;
}

async function waitState(ec2: EC2.EC2Client, id: string, state: string): Promise<EC2.ServiceConfiguration> {
  return eventually(async () => {
    const s = await describeService(ec2, id);
    return s.ServiceState === state ? s : undefined;
  });
}

for (const dialect of DIALECTS) {
  describe(`provider side of PrivateLink (${dialect})`, () => {
    it('creates a service with acceptance and a private DNS name, and describes it field by field', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const nlb = await putLoadBalancer(server, { zones: [['us-east-1b', 'use1-az2'], ['us-east-1a', 'use1-az1']] });
      const created = await createService(owner, {
        NetworkLoadBalancerArns: [nlb], AcceptanceRequired: true, PrivateDnsName: 'api.example.com',
        TagSpecifications: [{ ResourceType: 'vpc-endpoint-service', Tags: [{ Key: 'Name', Value: 'svc' }] }],
      });
      const id = created.ServiceId!;
      assert.match(id, /^vpce-svc-[0-9a-f]{17}$/);
      assert.equal(created.ServiceState, 'Pending');
      const s = await waitState(owner, id, 'Available');
      assert.deepEqual(s.ServiceType, [{ ServiceType: 'Interface' }]);
      assert.equal(s.ServiceName, `com.amazonaws.vpce.${REGION}.${id}`);
      assert.deepEqual(s.AvailabilityZones, ['us-east-1a', 'us-east-1b']);
      assert.deepEqual(s.AvailabilityZoneIds, ['use1-az1', 'use1-az2']);
      assert.equal(s.AcceptanceRequired, true);
      assert.equal(s.ManagesVpcEndpoints, false);
      assert.deepEqual(s.NetworkLoadBalancerArns, [nlb]);
      assert.equal(s.GatewayLoadBalancerArns, undefined);
      assert.deepEqual(s.SupportedIpAddressTypes, ['ipv4']);
      assert.deepEqual(s.BaseEndpointDnsNames, [`${id}.${REGION}.vpce.amazonaws.com`]);
      assert.equal(s.PrivateDnsName, 'api.example.com');
      assert.equal(s.PrivateDnsNameConfiguration?.State, 'pendingVerification');
      assert.equal(s.PrivateDnsNameConfiguration?.Type, 'TXT');
      assert.match(s.PrivateDnsNameConfiguration?.Name ?? '', /^_[a-z0-9]{20}$/);
      assert.match(s.PrivateDnsNameConfiguration?.Value ?? '', /^vpce:[A-Za-z0-9]{20}$/);
      assert.deepEqual(s.Tags, [{ Key: 'Name', Value: 'svc' }]);
      assert.deepEqual(s.SupportedRegions, [{ Region: REGION, ServiceState: 'Available' }]);
      assert.equal(s.RemoteAccessEnabled, false);
      assert.equal(s.PayerResponsibility, undefined);

      // Acceptance defaults to required when absent (AWS's API default, like the console's).
      const nlb2 = await putLoadBalancer(server);
      await rejects(createService(owner, { NetworkLoadBalancerArns: [nlb2], DryRun: true }), 'DryRunOperation');
      const tokenOut = await owner.send(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [nlb2], ClientToken: 'tok-1' }));
      assert.equal(tokenOut.ClientToken, 'tok-1');
      const replay = await owner.send(new EC2.CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [nlb2], ClientToken: 'tok-1' }));
      assert.equal(replay.ServiceConfiguration?.ServiceId, tokenOut.ServiceConfiguration?.ServiceId, 'ClientToken replays the first result');
      const dflt = tokenOut.ServiceConfiguration!;
      assert.equal(dflt.AcceptanceRequired, true);
      assert.equal(dflt.PrivateDnsName, undefined);

      // Filters and pagination.
      const byTag = await owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ Filters: [{ Name: 'tag:Name', Values: ['svc'] }] }));
      assert.deepEqual(byTag.ServiceConfigurations?.map((c) => c.ServiceId), [id]);
      const byState = await owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ Filters: [{ Name: 'service-name', Values: [`*${dflt.ServiceId}`] }] }));
      assert.deepEqual(byState.ServiceConfigurations?.map((c) => c.ServiceId), [dflt.ServiceId]);
      await rejects(owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ MaxResults: 4 })), 'InvalidParameterValue');
      await rejects(owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })), 'InvalidParameterValue', /bogus/);

      // Unknown and foreign ids.
      await rejects(owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: ['vpce-svc-0123456789abcdef0'] })), 'InvalidVpcEndpointServiceId.NotFound', /vpce-svc-0123456789abcdef0/);
      await rejects(ec2For(server, CONSUMER).send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] })), 'InvalidVpcEndpointServiceId.NotFound');
      await rejects(owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: ['svc-123'] })), 'InvalidVpcEndpointServiceId.Malformed');
      const foreignList = await ec2For(server, CONSUMER).send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({}));
      assert.deepEqual(foreignList.ServiceConfigurations ?? [], []);
    });

    it('refuses bad create and modify input with AWS codes', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const nlb = await putLoadBalancer(server);
      const gwlb = await putLoadBalancer(server, { type: 'gateway' });
      const dual = await putLoadBalancer(server, { ipAddressType: 'dualstack' });
      const foreign = await putLoadBalancer(server, { account: CONSUMER });
      const missing = `arn:aws:elasticloadbalancing:${REGION}:${OWNER}:loadbalancer/net/nope/${'0'.repeat(16)}`;
      const cases: Array<[string, EC2.CreateVpcEndpointServiceConfigurationCommandInput, string, RegExp?]> = [
        ['neither kind of load balancer', {}, 'InvalidParameter', /NetworkLoadBalancerArns/],
        ['both kinds', { NetworkLoadBalancerArns: [nlb], GatewayLoadBalancerArns: [gwlb] }, 'InvalidParameter', /mix/],
        ['malformed NLB ARN', { NetworkLoadBalancerArns: ['arn:aws:nope'] }, 'InvalidNetworkLoadBalancerArn.Malformed', /arn:aws:nope/],
        ['unknown NLB', { NetworkLoadBalancerArns: [missing] }, 'InvalidNetworkLoadBalancerArn.NotFound', /nope/],
        ["another account's NLB", { NetworkLoadBalancerArns: [foreign] }, 'InvalidNetworkLoadBalancerArn.NotFound'],
        ['a GWLB as an NLB', { NetworkLoadBalancerArns: [gwlb] }, 'InvalidParameter', /Gateway Load Balancer/],
        ['an NLB as a GWLB', { GatewayLoadBalancerArns: [nlb] }, 'InvalidParameter', /Network Load Balancer/],
        ['private DNS on a GWLB service', { GatewayLoadBalancerArns: [gwlb], PrivateDnsName: 'a.example.com' }, 'InvalidParameter', /Gateway Load Balancer/],
        ['upper-case private DNS name', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'API.example.com' }, 'InvalidParameterValue', /lowercase/],
        ['one-label private DNS name', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'localhost' }, 'InvalidParameterValue', /two labels/],
        ['label over 63 characters', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: `${'a'.repeat(64)}.example.com` }, 'InvalidParameterValue', /63/],
        ['name over 255 characters', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: `${'abcdefgh.'.repeat(29)}com` }, 'InvalidParameterValue', /255/],
        ['wildcard not first', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'a.*.example.com' }, 'InvalidParameterValue', /wildcard/],
        ['trailing dot', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'api.example.com.' }, 'InvalidParameterValue', /dot/],
        ['underscore in a label', { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'a_b.example.com' }, 'InvalidParameterValue', /a_b/],
        ['ipv6 on an IPv4-only NLB', { NetworkLoadBalancerArns: [nlb], SupportedIpAddressTypes: ['ipv4', 'ipv6'] }, 'InvalidParameter', /dual-stack/],
        ['unknown IP address type', { NetworkLoadBalancerArns: [nlb], SupportedIpAddressTypes: ['ipx'] }, 'InvalidParameterValue', /ipx/],
        ['another Region', { NetworkLoadBalancerArns: [nlb], SupportedRegions: ['us-west-2'] }, 'InvalidParameter', /Cross-Region/],
        ['an unknown Region', { NetworkLoadBalancerArns: [nlb], SupportedRegions: ['mars-1'] }, 'InvalidParameterValue', /mars-1/],
        ['wrong tag resource type', { NetworkLoadBalancerArns: [nlb], TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'a', Value: 'b' }] }] }, 'InvalidParameterValue', /vpc-endpoint/],
      ];
      for (const [name, input, code, message] of cases) {
        await t.test(name, async () => { await rejects(createService(owner, input), code, message); });
      }
      assert.deepEqual((await owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({}))).ServiceConfigurations ?? [], [], 'nothing half-created');

      // Valid variants: a wildcard name, the own Region, ipv6 on a dual-stack NLB, a GWLB service.
      const ok = await createService(owner, { NetworkLoadBalancerArns: [dual], PrivateDnsName: '*.svc.example.com', SupportedRegions: [REGION], SupportedIpAddressTypes: ['ipv4', 'ipv6'], AcceptanceRequired: false });
      assert.deepEqual(ok.SupportedIpAddressTypes, ['ipv4', 'ipv6']);
      assert.equal(ok.AcceptanceRequired, false);
      const gw = await createService(owner, { GatewayLoadBalancerArns: [gwlb], AcceptanceRequired: false });
      assert.deepEqual(gw.ServiceType, [{ ServiceType: 'GatewayLoadBalancer' }]);
      assert.deepEqual(gw.GatewayLoadBalancerArns, [gwlb]);
      assert.equal(gw.BaseEndpointDnsNames, undefined);
      // An NLB serves one service at most.
      await rejects(createService(owner, { NetworkLoadBalancerArns: [dual] }), 'InvalidParameter', new RegExp(ok.ServiceId!));

      // Modify.
      const svc = await createService(owner, { NetworkLoadBalancerArns: [nlb], PrivateDnsName: 'old.example.com' });
      const id = svc.ServiceId!;
      const modify = (input: Omit<EC2.ModifyVpcEndpointServiceConfigurationCommandInput, 'ServiceId'>) =>
        owner.send(new EC2.ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: id, ...input }));
      await rejects(modify({ PrivateDnsName: 'x.example.com', RemovePrivateDnsName: true }), 'InvalidParameterCombination');
      await rejects(modify({ RemoveNetworkLoadBalancerArns: [nlb] }), 'InvalidParameter', /last/);
      await rejects(modify({ AddGatewayLoadBalancerArns: [gwlb] }), 'InvalidParameter', /Gateway/);
      await rejects(modify({ AddNetworkLoadBalancerArns: [dual] }), 'InvalidParameter', /already associated/);
      await rejects(modify({ AddSupportedIpAddressTypes: ['ipv6'] }), 'InvalidParameter', /dual-stack/);
      await rejects(modify({ RemoveSupportedIpAddressTypes: ['ipv4'] }), 'InvalidParameter', /at least one/);
      await rejects(modify({ AddSupportedRegions: ['eu-west-1'] }), 'InvalidParameter', /Cross-Region/);
      await rejects(modify({ RemoveSupportedRegions: [REGION] }), 'InvalidParameter', /own Region/);
      await rejects(owner.send(new EC2.ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: 'vpce-svc-0123456789abcdef0', AcceptanceRequired: false })), 'InvalidVpcEndpointServiceId.NotFound');

      const before = await describeService(owner, id);
      const nlb3 = await putLoadBalancer(server, { zones: [['us-east-1c', 'use1-az3']] });
      const r = await modify({ PrivateDnsName: 'new.example.com', AcceptanceRequired: false, AddNetworkLoadBalancerArns: [nlb3], AddSupportedRegions: [REGION] });
      assert.equal(r.Return, true);
      const after = await describeService(owner, id);
      assert.equal(after.PrivateDnsName, 'new.example.com');
      assert.equal(after.PrivateDnsNameConfiguration?.State, 'pendingVerification');
      assert.notEqual(after.PrivateDnsNameConfiguration?.Name, before.PrivateDnsNameConfiguration?.Name, 'a new TXT record name');
      assert.equal(after.AcceptanceRequired, false);
      assert.deepEqual(after.NetworkLoadBalancerArns, [nlb, nlb3]);
      assert.deepEqual(after.AvailabilityZones, ['us-east-1a', 'us-east-1b', 'us-east-1c'], 'zones follow the load balancers');
      await modify({ RemoveNetworkLoadBalancerArns: [nlb], RemovePrivateDnsName: true });
      const removed = await describeService(owner, id);
      assert.deepEqual(removed.NetworkLoadBalancerArns, [nlb3]);
      assert.deepEqual(removed.AvailabilityZones, ['us-east-1c']);
      assert.equal(removed.PrivateDnsName, undefined);
      assert.equal(removed.PrivateDnsNameConfiguration, undefined);
      // The freed NLB can back another service.
      await createService(owner, { NetworkLoadBalancerArns: [nlb] });

      // Payer responsibility.
      const pr = await owner.send(new EC2.ModifyVpcEndpointServicePayerResponsibilityCommand({ ServiceId: id, PayerResponsibility: 'ServiceOwner' }));
      assert.equal(pr.ReturnValue, true);
      assert.equal((await describeService(owner, id)).PayerResponsibility, 'ServiceOwner');
    });

    it('manages allowed principals: types, bad principals, add/remove/describe', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const svc = await createService(owner, { NetworkLoadBalancerArns: [await putLoadBalancer(server)] });
      const id = svc.ServiceId!;
      const types: Array<[string, string]> = [
        ['*', 'All'],
        [`arn:aws:iam::${CONSUMER}:root`, 'Account'],
        [`arn:aws:iam::${CONSUMER}:user/alice`, 'User'],
        [`arn:aws:iam::${CONSUMER}:role/deployer`, 'Role'],
      ];
      const added = await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: types.map(([p]) => p) }));
      assert.equal(added.ReturnValue, true);
      assert.deepEqual(added.AddedPrincipals?.map((a) => [a.Principal, a.PrincipalType]), types);
      for (const a of added.AddedPrincipals ?? []) {
        assert.match(a.ServicePermissionId ?? '', /^vpce-svc-perm-[0-9a-f]{17}$/);
        assert.equal(a.ServiceId, id);
      }
      const described = await owner.send(new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: id }));
      assert.deepEqual(described.AllowedPrincipals?.map((a) => [a.Principal, a.PrincipalType, a.ServicePermissionId, a.ServiceId]),
        added.AddedPrincipals?.map((a) => [a.Principal, a.PrincipalType, a.ServicePermissionId, id]));
      const roles = await owner.send(new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: id, Filters: [{ Name: 'principal-type', Values: ['Role', 'User'] }] }));
      assert.deepEqual(roles.AllowedPrincipals?.map((a) => a.PrincipalType), ['User', 'Role']);
      const page = await owner.send(new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: id, MaxResults: 5, Filters: [{ Name: 'principal', Values: ['arn:*'] }] }));
      assert.equal(page.AllowedPrincipals?.length, 3);
      assert.equal(page.NextToken, undefined);

      // Re-adding is idempotent (same permission id).
      const again = await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: ['*'] }));
      assert.equal(again.AddedPrincipals?.[0]?.ServicePermissionId, added.AddedPrincipals?.[0]?.ServicePermissionId);

      const bad: Array<[string, RegExp]> = [
        ['arn:aws:iam::123:root', /12-digit/],
        [`arn:aws:iam::${CONSUMER}:role/path/deployer`, /paths/],
        [`arn:aws:iam::${CONSUMER}:group/admins`, /group/],
        ['123456789012', /123456789012/],
        [`arn:aws:sts::${CONSUMER}:assumed-role/r/s`, /assumed-role/],
        [`arn:aws:iam::${CONSUMER}:user/bad name`, /bad name/],
      ];
      for (const [principal, message] of bad) {
        await rejects(owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: [principal] })), 'InvalidPrincipal', message);
      }
      await rejects(owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: ['*'], RemoveAllowedPrincipals: ['*'] })), 'InvalidParameter');
      await rejects(ec2For(server, CONSUMER).send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, AddAllowedPrincipals: ['*'] })), 'InvalidVpcEndpointServiceId.NotFound');
      await rejects(ec2For(server, CONSUMER).send(new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: id })), 'InvalidVpcEndpointServiceId.NotFound');

      const rm = await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: id, RemoveAllowedPrincipals: ['*', `arn:aws:iam::${CONSUMER}:user/alice`, `arn:aws:iam::${STRANGER}:root`] }));
      assert.equal(rm.ReturnValue, true);
      const left = await owner.send(new EC2.DescribeVpcEndpointServicePermissionsCommand({ ServiceId: id }));
      assert.deepEqual(left.AllowedPrincipals?.map((a) => a.Principal), [`arn:aws:iam::${CONSUMER}:root`, `arn:aws:iam::${CONSUMER}:role/deployer`]);
    });

    it('shows a service to its owner and allowed accounts only; a third account cannot tell it exists', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const consumer = ec2For(server, CONSUMER);
      const stranger = ec2For(server, STRANGER);
      const svc = await createService(owner, {
        NetworkLoadBalancerArns: [await putLoadBalancer(server)], AcceptanceRequired: true, PrivateDnsName: 'api.example.com',
        TagSpecifications: [{ ResourceType: 'vpc-endpoint-service', Tags: [{ Key: 'team', Value: 'core' }] }],
      });
      const name = svc.ServiceName!;
      await waitState(owner, svc.ServiceId!, 'Available');
      await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId!, AddAllowedPrincipals: [`arn:aws:iam::${CONSUMER}:root`] }));

      for (const [who, client] of [['owner', owner], ['consumer', consumer]] as const) {
        const out = await client.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [name] }));
        assert.deepEqual(out.ServiceNames, [name], who);
        const d = out.ServiceDetails![0]!;
        assert.equal(d.ServiceName, name);
        assert.equal(d.ServiceId, svc.ServiceId);
        assert.deepEqual(d.ServiceType, [{ ServiceType: 'Interface' }]);
        assert.equal(d.ServiceRegion, REGION);
        assert.deepEqual(d.AvailabilityZones, ['us-east-1a', 'us-east-1b']);
        assert.deepEqual(d.AvailabilityZoneIds, ['use1-az1', 'use1-az2']);
        assert.equal(d.Owner, OWNER);
        assert.deepEqual(d.BaseEndpointDnsNames, [`${svc.ServiceId}.${REGION}.vpce.amazonaws.com`]);
        assert.equal(d.PrivateDnsName, 'api.example.com');
        assert.deepEqual(d.PrivateDnsNames, [{ PrivateDnsName: 'api.example.com' }]);
        assert.equal(d.PrivateDnsNameVerificationState, 'pendingVerification');
        assert.equal(d.VpcEndpointPolicySupported, false);
        assert.equal(d.AcceptanceRequired, true);
        assert.equal(d.ManagesVpcEndpoints, false);
        assert.deepEqual(d.SupportedIpAddressTypes, ['ipv4']);
        assert.deepEqual(d.Tags, who === 'owner' ? [{ Key: 'team', Value: 'core' }] : [], `${who} tags`);
        const all = await client.send(new EC2.DescribeVpcEndpointServicesCommand({}));
        assert.deepEqual(all.ServiceNames, [`com.amazonaws.${REGION}.dynamodb`, `com.amazonaws.${REGION}.s3`, name].sort(), `${who} list`);
      }
      // The stranger: the same error as for a name that does not exist, and no trace in the list.
      const missing = `com.amazonaws.vpce.${REGION}.vpce-svc-0123456789abcdef0`;
      const m1 = await rejects(stranger.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [name] })), 'InvalidServiceName');
      const m2 = await rejects(stranger.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [missing] })), 'InvalidServiceName');
      assert.equal(m1.replace(name, 'NAME'), m2.replace(missing, 'NAME'));
      assert.equal(m1, `The Vpc Endpoint Service '${name}' does not exist`);
      const strangerList = await stranger.send(new EC2.DescribeVpcEndpointServicesCommand({}));
      assert.deepEqual(strangerList.ServiceNames, [`com.amazonaws.${REGION}.dynamodb`, `com.amazonaws.${REGION}.s3`]);

      // AWS gateway services, filters.
      const s3 = await stranger.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [`com.amazonaws.${REGION}.s3`] }));
      const d = s3.ServiceDetails![0]!;
      assert.equal(d.Owner, 'amazon');
      assert.deepEqual(d.ServiceType, [{ ServiceType: 'Gateway' }]);
      assert.deepEqual(d.BaseEndpointDnsNames, [`s3.${REGION}.amazonaws.com`]);
      assert.equal(d.VpcEndpointPolicySupported, true);
      assert.equal(d.AcceptanceRequired, false);
      assert.deepEqual(d.AvailabilityZones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
      const mine = await consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ Filters: [{ Name: 'owner', Values: [OWNER] }] }));
      assert.deepEqual(mine.ServiceNames, [name]);
      const gateways = await consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ Filters: [{ Name: 'service-type', Values: ['Gateway'] }] }));
      assert.equal(gateways.ServiceNames?.length, 2);
      const tagged = await owner.send(new EC2.DescribeVpcEndpointServicesCommand({ Filters: [{ Name: 'tag:team', Values: ['core'] }] }));
      assert.deepEqual(tagged.ServiceNames, [name]);
      const p1 = await consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ MaxResults: 2 }));
      assert.equal(p1.ServiceNames?.length, 2);
      const p2 = await consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ MaxResults: 2, NextToken: p1.NextToken }));
      assert.deepEqual([...p1.ServiceNames!, ...p2.ServiceNames!], [`com.amazonaws.${REGION}.dynamodb`, `com.amazonaws.${REGION}.s3`, name].sort());
      assert.equal(p2.NextToken, undefined);
      await rejects(consumer.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceRegions: ['eu-west-1'] })), 'InvalidParameter', /Cross-Region/);

      // findUsableService: the lookup CreateVpcEndpoint uses, for user and role principals too.
      await server.store.transaction(false, async (tx) => {
        assert.equal((await findUsableService(tx, { account: CONSUMER, principalArn: `arn:aws:iam::${CONSUMER}:root` }, name, REGION))?.kind, 'customer');
        assert.equal(await findUsableService(tx, { account: STRANGER, principalArn: `arn:aws:iam::${STRANGER}:root` }, name, REGION), undefined);
        assert.equal(await findUsableService(tx, { account: CONSUMER, principalArn: `arn:aws:iam::${CONSUMER}:root` }, name, 'eu-west-1'), undefined);
        assert.deepEqual(await findUsableService(tx, { account: STRANGER, principalArn: `arn:aws:iam::${STRANGER}:root` }, `com.amazonaws.${REGION}.s3`, REGION),
          { kind: 'aws', name: `com.amazonaws.${REGION}.s3`, type: 'Gateway', prefixListName: `com.amazonaws.${REGION}.s3` });
      });
      // Services that are not Available are not offered, not even to the owner (one transaction: no tick interleaves).
      await server.store.transaction(true, async (tx) => {
        const doc = (await tx.get('endpoint-service', svc.ServiceId!))!;
        for (const state of ['Pending', 'Deleting', 'Deleted', 'Failed'] as const) {
          await tx.put({ ...doc, state });
          assert.equal(await findUsableService(tx, { account: OWNER, principalArn: `arn:aws:iam::${OWNER}:root` }, name, REGION), undefined, state);
        }
        await tx.put({ ...doc, state: 'Available' });
      });
      await owner.send(new EC2.ModifyVpcEndpointServicePermissionsCommand({ ServiceId: svc.ServiceId!, AddAllowedPrincipals: [`arn:aws:iam::${STRANGER}:role/app`] }));
      await server.store.transaction(false, async (tx) => {
        assert.equal((await findUsableService(tx, { account: STRANGER, principalArn: `arn:aws:iam::${STRANGER}:role/app` }, name, REGION))?.kind, 'customer');
        assert.equal(await findUsableService(tx, { account: STRANGER, principalArn: `arn:aws:iam::${STRANGER}:role/other` }, name, REGION), undefined);
      });
    });

    it('accepts and rejects connections, lists them, and deletes the service once none is active', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const nlb = await putLoadBalancer(server);
      const svc = await createService(owner, { NetworkLoadBalancerArns: [nlb], AcceptanceRequired: true });
      const id = svc.ServiceId!;
      await waitState(owner, id, 'Available');
      const a = await putEndpoint(server, id, svc.ServiceName!, 'pendingAcceptance');
      const b = await putEndpoint(server, id, svc.ServiceName!, 'pendingAcceptance', STRANGER);
      const c = await putEndpoint(server, id, svc.ServiceName!, 'available');
      const other = await putEndpoint(server, 'vpce-svc-0123456789abcdef0', 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0', 'pendingAcceptance');

      const conns = await owner.send(new EC2.DescribeVpcEndpointConnectionsCommand({}));
      assert.deepEqual(conns.VpcEndpointConnections?.map((x) => x.VpcEndpointId), [a, b, c]);
      const first = conns.VpcEndpointConnections![0]!;
      assert.equal(first.ServiceId, id);
      assert.equal(first.VpcEndpointOwner, CONSUMER);
      assert.equal(first.VpcEndpointState, 'pendingAcceptance');
      assert.ok(first.CreationTimestamp instanceof Date);
      assert.deepEqual(first.NetworkLoadBalancerArns, [nlb]);
      assert.equal(first.IpAddressType, 'ipv4');
      assert.match(first.VpcEndpointConnectionId ?? '', /^vpce-con-[0-9a-f]{17}$/);
      assert.equal(first.VpcEndpointRegion, REGION);
      assert.deepEqual(first.DnsEntries?.map((e) => e.DnsName), [
        `${a}-abcd1234.${id}.${REGION}.vpce.amazonaws.com`, `${a}-abcd1234-us-east-1a.${id}.${REGION}.vpce.amazonaws.com`,
      ]);
      const pendingOnly = await owner.send(new EC2.DescribeVpcEndpointConnectionsCommand({ Filters: [{ Name: 'vpc-endpoint-state', Values: ['pendingAcceptance'] }, { Name: 'vpc-endpoint-owner', Values: [STRANGER] }] }));
      assert.deepEqual(pendingOnly.VpcEndpointConnections?.map((x) => x.VpcEndpointId), [b]);
      assert.deepEqual((await ec2For(server, CONSUMER).send(new EC2.DescribeVpcEndpointConnectionsCommand({}))).VpcEndpointConnections ?? [], [], 'consumers see no connections');
      await rejects(owner.send(new EC2.DescribeVpcEndpointConnectionsCommand({ MaxResults: 1 })), 'InvalidParameterValue');

      // Delete refused while connections are active.
      const refused = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id, 'vpce-svc-0123456789abcdef0'] }));
      assert.deepEqual(refused.Unsuccessful?.map((u) => [u.ResourceId, u.Error?.Code, u.Error?.Message]), [
        [id, 'ExistingVpcEndpointConnections', 'Service has existing active VPC Endpoint connections!'],
        ['vpce-svc-0123456789abcdef0', 'InvalidVpcEndpointService.NotFound', "The VpcEndpointService Id 'vpce-svc-0123456789abcdef0' does not exist"],
      ]);

      // Each of pendingAcceptance, pending and available alone blocks deletion; rejected, failed, deleting and deleted do not.
      const blocking: EndpointState[] = ['pendingAcceptance', 'pending', 'available'];
      const harmless: EndpointState[] = ['rejected', 'failed', 'deleting', 'deleted'];
      const verdicts: Array<[EndpointState, string | undefined]> = [];
      for (const state of [...blocking, ...harmless]) {
        const extra = await createService(owner, { NetworkLoadBalancerArns: [await putLoadBalancer(server)] });
        await putEndpoint(server, extra.ServiceId!, extra.ServiceName!, state);
        const out = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [extra.ServiceId!] }));
        verdicts.push([state, out.Unsuccessful?.[0]?.Error?.Code]);
      }
      assert.deepEqual(verdicts, [...blocking.map((s) => [s, 'ExistingVpcEndpointConnections']), ...harmless.map((s) => [s, undefined])]);

      // Accept: pendingAcceptance → pending (→ available by the consumer's tick); others fail per item.
      const acc = await owner.send(new EC2.AcceptVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [a, c, other, 'vpce-0123456789abcdef0', 'bogus'] }));
      assert.deepEqual(acc.Unsuccessful?.map((u) => [u.ResourceId, u.Error?.Code]), [
        [c, 'InvalidState'], [other, 'InvalidVpcEndpointId.NotFound'], ['vpce-0123456789abcdef0', 'InvalidVpcEndpointId.NotFound'], ['bogus', 'InvalidVpcEndpointId.Malformed'],
      ]);
      assert.match(acc.Unsuccessful![0]!.Error!.Message!, /available/);
      assert.equal(await endpointState(server, a), 'pending');
      assert.equal(await endpointState(server, other), 'pendingAcceptance', "another service's endpoint is untouched");
      await rejects(ec2For(server, CONSUMER).send(new EC2.AcceptVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [b] })), 'InvalidVpcEndpointServiceId.NotFound');

      // Reject: from pendingAcceptance, pending and available.
      const rej = await owner.send(new EC2.RejectVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [a, b, c] }));
      assert.deepEqual(rej.Unsuccessful ?? [], []);
      for (const e of [a, b, c]) assert.equal(await endpointState(server, e), 'rejected');
      const again = await owner.send(new EC2.RejectVpcEndpointConnectionsCommand({ ServiceId: id, VpcEndpointIds: [a] }));
      assert.equal(again.Unsuccessful?.[0]?.Error?.Code, 'InvalidState');
      const rejected = await owner.send(new EC2.DescribeVpcEndpointConnectionsCommand({ Filters: [{ Name: 'vpc-endpoint-state', Values: ['rejected'] }, { Name: 'service-id', Values: [id] }] }));
      assert.equal(rejected.VpcEndpointConnections?.length, 3);

      // Now the service can go: Deleting → Deleted, and the NLB is free again.
      const del = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
      assert.deepEqual(del.Unsuccessful ?? [], []);
      const deleting = await describeService(owner, id);
      assert.ok(deleting.ServiceState === 'Deleting' || deleting.ServiceState === 'Deleted', deleting.ServiceState);
      await rejects(owner.send(new EC2.ModifyVpcEndpointServiceConfigurationCommand({ ServiceId: id, AcceptanceRequired: false })), 'IncorrectState');
      // A service being deleted no longer holds its NLB.
      await createService(owner, { NetworkLoadBalancerArns: [nlb] });
      await waitState(owner, id, 'Deleted');
      await rejects(owner.send(new EC2.DescribeVpcEndpointServicesCommand({ ServiceNames: [svc.ServiceName!] })), 'InvalidServiceName');
      const again2 = await owner.send(new EC2.DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] }));
      assert.equal(again2.Unsuccessful?.[0]?.Error?.Code, 'InvalidVpcEndpointService.NotFound');

      // Deleted services are purged after the retention time.
      const later = new Date(Date.now() + DEFAULT_CONTROL_CONFIG.deletedRetentionMs + 60_000);
      await server.store.transaction(true, (tx) => providerTick(tx, later, { ...DEFAULT_CONTROL_CONFIG, stateDelayMs: 50 }));
      await rejects(owner.send(new EC2.DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [id] })), 'InvalidVpcEndpointServiceId.NotFound');
    });

    it('keeps a service Pending while a load balancer is still provisioning', async (t: TestContext) => {
      const server = await startTestServer(lifo(t), { dialect });
      const owner = ec2For(server, OWNER);
      const nlb = await putLoadBalancer(server);
      const svc = await createService(owner, { NetworkLoadBalancerArns: [nlb] });
      const id = svc.ServiceId!;
      const config = { ...DEFAULT_CONTROL_CONFIG, stateDelayMs: 50 };
      // One transaction, so that the server's own ticks (which also advance load balancers) cannot interleave.
      await server.store.transaction(true, async (tx) => {
        const lb = (await tx.get('load-balancer', nlb))!;
        const service = (await tx.get('endpoint-service', id))!;
        await tx.put({ ...lb, state: 'provisioning' });
        await tx.put({ ...service, state: 'Pending', stateChangedAt: new Date(Date.now() - 10_000).toISOString() });
        await providerTick(tx, new Date(), config);
        assert.equal((await tx.get('endpoint-service', id))!.state, 'Pending');
        await tx.put({ ...lb, state: 'active' });
        await providerTick(tx, new Date(), config);
        assert.equal((await tx.get('endpoint-service', id))!.state, 'Available');
      });
    });
  });
}
