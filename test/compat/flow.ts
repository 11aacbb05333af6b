/**
 * The two-account PrivateLink flow, written once against `AwsApi` and driven by the SDK, boto3 and
 * the AWS CLI (two-account-flow.test.ts). Every response is checked field by field; `full` adds the
 * calls that only re-read state (run with the SDK; the CLI and boto3 keep to the essential calls).
 */
import assert from 'node:assert/strict';
import { AwsCallError, REGION, type AwsApi, type ClientFactory } from '../support/clients.js';

export const PROVIDER = '111111111111';
export const CONSUMER = '222222222222';
export const STRANGER = '333333333333';

export const DEFAULT_POLICY = { Statement: [{ Action: '*', Effect: 'Allow', Principal: '*', Resource: '*' }] };

const HEX17 = '[0-9a-f]{17}';

/**
 * Drives the server's timed transitions: `undefined` when the server's own ticker does (the real
 * path), or a function that runs one transition pass now (`TestServer.tick`, with a ticker that
 * never fires on its own) so a slow client still sees every transitional state deterministically.
 */
export type Advance = (() => Promise<void>) | undefined;

/**
 * Bounded polling: `fn` until it returns a value, at most `timeoutMs`. `fn` runs first, before any
 * `advance`, so the state right after a request is always observed.
 */
export async function poll<T>(what: string, fn: () => Promise<T | undefined>, advance?: Advance, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    if (advance) await advance();
    else await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The call fails with AWS error `code` (and a message matching `message`, when given). */
export async function expectError(p: Promise<unknown>, code: string | RegExp, message?: RegExp): Promise<AwsCallError> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    if (!(e instanceof AwsCallError)) throw e;
    if (typeof code === 'string') assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    else assert.match(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected the error ${String(code)}, got success: ${JSON.stringify(result)}`);
}

export function assertRecent(ts: unknown, what: string): void {
  const t = typeof ts === 'string' ? Date.parse(ts) : ts instanceof Date ? ts.getTime() : NaN;
  assert.ok(Number.isFinite(t), `${what} is a timestamp (${String(ts)})`);
  assert.ok(Math.abs(Date.now() - t) < 10 * 60_000, `${what} is about now (${String(ts)})`);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

/** The address is in `cidr` and not one of AWS's five reserved addresses of a subnet. */
export function assertUsableAddress(ip: string, cidr: string): void {
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = ipToInt(base!);
  const n = ipToInt(ip);
  assert.ok(n >= first && n < first + size, `${ip} is in ${cidr}`);
  assert.ok(n - first >= 4 && n !== first + size - 1, `${ip} is not a reserved address of ${cidr}`);
}

export interface Network { vpcId: string; cidr: string; subnets: Array<{ id: string; cidr: string; az: string }>; defaultSecurityGroupId?: string }

/** A VPC with one subnet per (cidr, az), checked field by field. */
export async function buildNetwork(api: AwsApi, cidr: string, subnets: Array<[string, string]>): Promise<Network> {
  const v = (await api.call('ec2', 'CreateVpc', { CidrBlock: cidr })).Vpc;
  assert.match(v.VpcId, new RegExp(`^vpc-${HEX17}$`));
  assert.equal(v.CidrBlock, cidr);
  assert.equal(v.OwnerId, api.account);
  assert.ok(['pending', 'available'].includes(v.State), `VPC state ${v.State}`);
  const net: Network = { vpcId: v.VpcId, cidr, subnets: [] };
  for (const [sCidr, az] of subnets) {
    const s = (await api.call('ec2', 'CreateSubnet', { VpcId: v.VpcId, CidrBlock: sCidr, AvailabilityZone: az })).Subnet;
    assert.match(s.SubnetId, new RegExp(`^subnet-${HEX17}$`));
    assert.equal(s.VpcId, v.VpcId);
    assert.equal(s.CidrBlock, sCidr);
    assert.equal(s.AvailabilityZone, az);
    assert.match(s.AvailabilityZoneId, /^use1-az\d$/);
    assert.equal(s.OwnerId, api.account);
    assert.ok(['pending', 'available'].includes(s.State), `subnet state ${s.State}`);
    assert.equal(s.AvailableIpAddressCount, 2 ** (32 - Number(sCidr.split('/')[1])) - 5, 'a fresh subnet has all but the 5 reserved addresses free');
    net.subnets.push({ id: s.SubnetId, cidr: sCidr, az });
  }
  return net;
}

export interface ProviderSetup {
  net: Network;
  lbArn: string;
  tgArn: string;
  listenerArn: string;
  serviceId: string;
  serviceName: string;
}

/** The provider's side: VPC, two subnets, internal NLB, TCP/ip target group, listener, two targets, a service. */
export async function buildProvider(api: AwsApi, opts: { acceptanceRequired: boolean; full: boolean; name?: string; advance?: Advance }): Promise<ProviderSetup> {
  const name = opts.name ?? 'svc';
  const net = await buildNetwork(api, '10.0.0.0/16', [['10.0.1.0/24', 'us-east-1a'], ['10.0.2.0/24', 'us-east-1b']]);

  const lb = (await api.call('elbv2', 'CreateLoadBalancer', {
    Name: `${name}-nlb`, Type: 'network', Scheme: 'internal', Subnets: net.subnets.map((s) => s.id),
  })).LoadBalancers[0];
  assert.match(lb.LoadBalancerArn, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${api.account}:loadbalancer/net/${name}-nlb/[0-9a-f]{16}$`));
  assert.equal(lb.LoadBalancerName, `${name}-nlb`);
  assert.equal(lb.Type, 'network');
  assert.equal(lb.Scheme, 'internal');
  assert.equal(lb.VpcId, net.vpcId);
  assert.equal(lb.IpAddressType, 'ipv4');
  assert.ok(['provisioning', 'active'].includes(lb.State.Code), `LB state ${lb.State.Code}`);
  assert.match(lb.DNSName, new RegExp(`^${name}-nlb-[0-9a-f]+\\.elb\\.${REGION}\\.amazonaws\\.com$`));
  assert.match(lb.CanonicalHostedZoneId, /^Z[A-Z0-9]+$/);
  assertRecent(lb.CreatedTime, 'LoadBalancer.CreatedTime');
  assert.deepEqual(lb.AvailabilityZones.map((z: any) => [z.ZoneName, z.SubnetId]).sort(),
    net.subnets.map((s) => [s.az, s.id]).sort(), 'one zone per subnet');

  const tg = (await api.call('elbv2', 'CreateTargetGroup', {
    Name: `${name}-tg`, Protocol: 'TCP', Port: 8080, VpcId: net.vpcId, TargetType: 'ip',
  })).TargetGroups[0];
  assert.match(tg.TargetGroupArn, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${api.account}:targetgroup/${name}-tg/[0-9a-f]{16}$`));
  assert.equal(tg.TargetGroupName, `${name}-tg`);
  assert.equal(tg.Protocol, 'TCP');
  assert.equal(tg.Port, 8080);
  assert.equal(tg.VpcId, net.vpcId);
  assert.equal(tg.TargetType, 'ip');
  assert.equal(tg.HealthCheckEnabled, true);
  assert.equal(tg.HealthCheckProtocol, 'TCP');
  assert.equal(tg.HealthCheckPort, 'traffic-port');
  assert.deepEqual(tg.LoadBalancerArns ?? [], []);

  const listener = (await api.call('elbv2', 'CreateListener', {
    LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
  })).Listeners[0];
  const lbSuffix = lb.LoadBalancerArn.split(':loadbalancer/')[1];
  assert.match(listener.ListenerArn, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${api.account}:listener/${lbSuffix}/[0-9a-f]{16}$`));
  assert.equal(listener.LoadBalancerArn, lb.LoadBalancerArn);
  assert.equal(listener.Port, 80);
  assert.equal(listener.Protocol, 'TCP');
  assert.equal(listener.DefaultActions.length, 1);
  assert.equal(listener.DefaultActions[0].Type, 'forward');
  assert.equal(listener.DefaultActions[0].TargetGroupArn, tg.TargetGroupArn);

  const reg = await api.call('elbv2', 'RegisterTargets', {
    TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '10.0.1.10', Port: 8080 }, { Id: '10.0.2.10', Port: 8080 }],
  });
  assert.deepEqual(reg, {});

  if (opts.full) {
    const health = (await api.call('elbv2', 'DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions;
    assert.deepEqual(health.map((h: any) => `${h.Target.Id}:${h.Target.Port}`).sort(), ['10.0.1.10:8080', '10.0.2.10:8080']);
    for (const h of health) {
      assert.notEqual(h.TargetHealth.State, 'healthy', 'no target is healthy before a real health check');
      assert.ok(['initial', 'unhealthy', 'unused', 'unavailable'].includes(h.TargetHealth.State), `target state ${h.TargetHealth.State}`);
      assert.match(h.TargetHealth.Reason, /^(Elb|Target)\.[A-Za-z]+$/);
    }
    const tgNow = (await api.call('elbv2', 'DescribeTargetGroups', { TargetGroupArns: [tg.TargetGroupArn] })).TargetGroups[0];
    assert.deepEqual(tgNow.LoadBalancerArns, [lb.LoadBalancerArn], 'the listener ties the target group to the NLB');
  }

  await poll('the NLB becomes active', async () => {
    const l = (await api.call('elbv2', 'DescribeLoadBalancers', { LoadBalancerArns: [lb.LoadBalancerArn] })).LoadBalancers[0];
    return l.State.Code === 'active' ? l : undefined;
  }, opts.advance);

  const svc = (await api.call('ec2', 'CreateVpcEndpointServiceConfiguration', {
    NetworkLoadBalancerArns: [lb.LoadBalancerArn], AcceptanceRequired: opts.acceptanceRequired,
  })).ServiceConfiguration;
  assert.match(svc.ServiceId, new RegExp(`^vpce-svc-${HEX17}$`));
  assert.equal(svc.ServiceName, `com.amazonaws.vpce.${REGION}.${svc.ServiceId}`);
  assert.deepEqual(svc.ServiceType, [{ ServiceType: 'Interface' }]);
  assert.ok(['Pending', 'Available'].includes(svc.ServiceState), `service state ${svc.ServiceState}`);
  assert.equal(svc.AcceptanceRequired, opts.acceptanceRequired);
  assert.equal(svc.ManagesVpcEndpoints, false);
  assert.deepEqual(svc.NetworkLoadBalancerArns, [lb.LoadBalancerArn]);
  assert.deepEqual([...svc.AvailabilityZones].sort(), ['us-east-1a', 'us-east-1b']);
  assert.deepEqual(svc.BaseEndpointDnsNames, [`${svc.ServiceId}.${REGION}.vpce.amazonaws.com`]);
  assert.deepEqual(svc.SupportedIpAddressTypes, ['ipv4']);
  assert.equal(svc.PrivateDnsName, undefined);

  await poll('the service becomes Available', async () => {
    const c = (await api.call('ec2', 'DescribeVpcEndpointServiceConfigurations', { ServiceIds: [svc.ServiceId] })).ServiceConfigurations[0];
    return c.ServiceState === 'Available' ? c : undefined;
  }, opts.advance);

  return { net, lbArn: lb.LoadBalancerArn, tgArn: tg.TargetGroupArn, listenerArn: listener.ListenerArn, serviceId: svc.ServiceId, serviceName: svc.ServiceName };
}

/** Allows `account`'s root principal, checked. */
export async function allowAccount(api: AwsApi, serviceId: string, account: string, full: boolean): Promise<void> {
  const principal = `arn:aws:iam::${account}:root`;
  const r = await api.call('ec2', 'ModifyVpcEndpointServicePermissions', { ServiceId: serviceId, AddAllowedPrincipals: [principal] });
  assert.equal(r.ReturnValue, true);
  assert.equal(r.AddedPrincipals.length, 1);
  const added = r.AddedPrincipals[0];
  assert.equal(added.Principal, principal);
  assert.equal(added.PrincipalType, 'Account');
  assert.equal(added.ServiceId, serviceId);
  assert.match(added.ServicePermissionId, /^vpce-svc-perm-[0-9a-z]+$/);
  if (full) {
    const d = await api.call('ec2', 'DescribeVpcEndpointServicePermissions', { ServiceId: serviceId });
    assert.deepEqual(d.AllowedPrincipals.map((p: any) => ({ ...p, Tags: undefined })).map((p: any) => JSON.parse(JSON.stringify(p))),
      [{ Principal: principal, PrincipalType: 'Account', ServiceId: serviceId, ServicePermissionId: added.ServicePermissionId }]);
  }
}

/** Checks an interface endpoint object against what was asked and AWS's formats. */
export function checkInterfaceEndpoint(ep: any, want: { owner: string; vpcId: string; serviceName: string; serviceId: string; subnets: Network['subnets']; state: string | string[]; groupId?: string }): void {
  assert.match(ep.VpcEndpointId, new RegExp(`^vpce-${HEX17}$`));
  assert.equal(ep.VpcEndpointType, 'Interface');
  assert.equal(ep.VpcId, want.vpcId);
  assert.equal(ep.ServiceName, want.serviceName);
  const states = Array.isArray(want.state) ? want.state : [want.state];
  assert.ok(states.includes(ep.State), `endpoint state ${ep.State}, expected ${states.join('|')}`);
  assert.equal(ep.OwnerId, want.owner);
  assert.equal(ep.RequesterManaged, false);
  assert.equal(ep.PrivateDnsEnabled, false);
  assert.equal(ep.IpAddressType, 'ipv4');
  assert.deepEqual(ep.DnsOptions, { DnsRecordIpType: 'ipv4' });
  assert.deepEqual(JSON.parse(ep.PolicyDocument), DEFAULT_POLICY, 'the default full-access policy, without Version');
  assert.deepEqual(ep.RouteTableIds, []);
  assert.deepEqual(ep.SubnetIds, want.subnets.map((s) => s.id));
  assert.equal(ep.NetworkInterfaceIds.length, want.subnets.length, 'one ENI per subnet');
  for (const id of ep.NetworkInterfaceIds) assert.match(id, new RegExp(`^eni-${HEX17}$`));
  assert.equal(ep.Groups.length, 1);
  assert.match(ep.Groups[0].GroupId, new RegExp(`^sg-${HEX17}$`));
  if (want.groupId) assert.equal(ep.Groups[0].GroupId, want.groupId);
  assert.equal(ep.Groups[0].GroupName, 'default', 'no security group given: the VPC default group');
  assertRecent(ep.CreationTimestamp, 'VpcEndpoint.CreationTimestamp');
  assert.deepEqual(ep.Tags ?? [], []);
  checkDnsEntries(ep.DnsEntries, ep.VpcEndpointId, want.serviceId, want.subnets.map((s) => s.az));
}

/** Regional first, then one zonal per AZ; AWS's name formats; one hosted zone. */
export function checkDnsEntries(entries: Array<{ DnsName: string; HostedZoneId: string }>, endpointId: string, serviceId: string, azs: string[]): void {
  assert.equal(entries.length, 1 + azs.length, `regional + one zonal per AZ: ${JSON.stringify(entries)}`);
  const regional = new RegExp(`^${endpointId}-([a-z0-9]{8})\\.${serviceId}\\.${REGION}\\.vpce\\.amazonaws\\.com$`).exec(entries[0]!.DnsName);
  assert.ok(regional, `regional name first: ${entries[0]!.DnsName}`);
  const suffix = regional[1]!;
  const zonal = entries.slice(1).map((e) => {
    const m = new RegExp(`^${endpointId}-${suffix}-(${REGION}[a-z])\\.${serviceId}\\.${REGION}\\.vpce\\.amazonaws\\.com$`).exec(e.DnsName);
    assert.ok(m, `zonal name format: ${e.DnsName}`);
    return m[1]!;
  });
  assert.deepEqual([...zonal].sort(), [...azs].sort(), 'one zonal name per AZ');
  for (const e of entries) {
    assert.match(e.HostedZoneId, /^Z[A-Z0-9]{8,}$/);
    assert.equal(e.HostedZoneId, entries[0]!.HostedZoneId, 'regional and zonal names share one hosted zone');
  }
}

async function describeEndpoint(api: AwsApi, id: string): Promise<any> {
  const r = await api.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [id] });
  assert.equal(r.VpcEndpoints.length, 1);
  return r.VpcEndpoints[0];
}

/** The whole flow with one client. */
export async function twoAccountFlow(clients: ClientFactory, opts: { full: boolean; advance?: Advance }): Promise<void> {
  const { full, advance } = opts;
  const provider = clients.forAccount(PROVIDER);
  const consumer = clients.forAccount(CONSUMER);
  const stranger = clients.forAccount(STRANGER);

  // --- provider builds the service and allows the consumer's account
  const p = await buildProvider(provider, { acceptanceRequired: true, full, advance });
  if (full) {
    // Before it is allowed, the consumer cannot see the service.
    await expectError(consumer.call('ec2', 'DescribeVpcEndpointServices', { ServiceNames: [p.serviceName] }), 'InvalidServiceName');
  }
  await allowAccount(provider, p.serviceId, CONSUMER, full);

  // --- consumer: its network, finds the service, creates an endpoint in both subnets
  const c = await buildNetwork(consumer, '10.1.0.0/16', [['10.1.1.0/24', 'us-east-1a'], ['10.1.2.0/24', 'us-east-1b']]);
  const found = await consumer.call('ec2', 'DescribeVpcEndpointServices', { ServiceNames: [p.serviceName] });
  assert.deepEqual(found.ServiceNames, [p.serviceName]);
  assert.equal(found.ServiceDetails.length, 1);
  const detail = found.ServiceDetails[0];
  assert.equal(detail.ServiceName, p.serviceName);
  assert.equal(detail.ServiceId, p.serviceId);
  assert.deepEqual(detail.ServiceType, [{ ServiceType: 'Interface' }]);
  assert.deepEqual([...detail.AvailabilityZones].sort(), ['us-east-1a', 'us-east-1b']);
  assert.equal(detail.Owner, PROVIDER);
  assert.deepEqual(detail.BaseEndpointDnsNames, [`${p.serviceId}.${REGION}.vpce.amazonaws.com`]);
  assert.equal(detail.AcceptanceRequired, true);
  assert.equal(detail.ManagesVpcEndpoints, false);
  assert.equal(typeof detail.VpcEndpointPolicySupported, 'boolean');
  assert.deepEqual(detail.SupportedIpAddressTypes, ['ipv4']);
  if (full) {
    const all = await consumer.call('ec2', 'DescribeVpcEndpointServices', {});
    assert.ok(all.ServiceNames.includes(p.serviceName), 'the allowed service is listed without a filter');
    assert.ok(all.ServiceDetails.some((d: any) => d.ServiceId === p.serviceId));
  }

  const created = (await consumer.call('ec2', 'CreateVpcEndpoint', {
    VpcEndpointType: 'Interface', VpcId: c.vpcId, ServiceName: p.serviceName, SubnetIds: c.subnets.map((s) => s.id),
  })).VpcEndpoint;
  checkInterfaceEndpoint(created, { owner: CONSUMER, vpcId: c.vpcId, serviceName: p.serviceName, serviceId: p.serviceId, subnets: c.subnets, state: 'pendingAcceptance' });
  const epId: string = created.VpcEndpointId;

  // --- provider sees the connection request and accepts it
  const conns = (await provider.call('ec2', 'DescribeVpcEndpointConnections', { Filters: [{ Name: 'service-id', Values: [p.serviceId] }] })).VpcEndpointConnections;
  assert.equal(conns.length, 1);
  const conn = conns[0];
  assert.equal(conn.ServiceId, p.serviceId);
  assert.equal(conn.VpcEndpointId, epId);
  assert.equal(conn.VpcEndpointOwner, CONSUMER);
  assert.equal(conn.VpcEndpointState, 'pendingAcceptance');
  assert.deepEqual(conn.NetworkLoadBalancerArns, [p.lbArn]);
  assert.equal(conn.IpAddressType, 'ipv4');
  assertRecent(conn.CreationTimestamp, 'VpcEndpointConnection.CreationTimestamp');
  assert.match(conn.VpcEndpointConnectionId, /^vpce-con-[0-9a-z]+$/);
  if (conn.DnsEntries !== undefined) checkDnsEntries(conn.DnsEntries, epId, p.serviceId, ['us-east-1a', 'us-east-1b']);

  const accepted = await provider.call('ec2', 'AcceptVpcEndpointConnections', { ServiceId: p.serviceId, VpcEndpointIds: [epId] });
  assert.deepEqual(accepted.Unsuccessful ?? [], []);

  const seen = new Set<string>();
  const available = await poll('the endpoint becomes available', async () => {
    const ep = await describeEndpoint(consumer, epId);
    seen.add(ep.State);
    return ep.State === 'available' ? ep : undefined;
  }, advance);
  for (const s of seen) assert.ok(['pending', 'available'].includes(s), `after acceptance the endpoint is pending, then available (saw ${s})`);
  if (advance) assert.ok(seen.has('pending'), 'right after acceptance, before any transition pass, the endpoint is pending');
  checkInterfaceEndpoint(available, { owner: CONSUMER, vpcId: c.vpcId, serviceName: p.serviceName, serviceId: p.serviceId, subnets: c.subnets, state: 'available', groupId: created.Groups[0].GroupId });
  assert.deepEqual(available.NetworkInterfaceIds, created.NetworkInterfaceIds, 'the ENIs are the ones allocated at creation');
  assert.deepEqual(available.DnsEntries, created.DnsEntries, 'the DNS names do not change');

  // --- the endpoint's ENIs, as the consumer sees them
  const enis = (await consumer.call('ec2', 'DescribeNetworkInterfaces', { NetworkInterfaceIds: available.NetworkInterfaceIds })).NetworkInterfaces;
  assert.equal(enis.length, 2);
  for (const eni of enis) {
    const subnet = c.subnets.find((s) => s.id === eni.SubnetId);
    assert.ok(subnet, `ENI ${eni.NetworkInterfaceId} is in one of the endpoint's subnets`);
    assert.equal(eni.VpcId, c.vpcId);
    assert.equal(eni.AvailabilityZone, subnet.az);
    assert.equal(eni.InterfaceType, 'vpc_endpoint');
    assert.equal(eni.RequesterManaged, true);
    assert.equal(eni.Status, 'in-use');
    assert.equal(eni.OwnerId, CONSUMER);
    assertUsableAddress(eni.PrivateIpAddress, subnet.cidr);
    assert.deepEqual(eni.Groups.map((g: any) => g.GroupId), [created.Groups[0].GroupId]);
    assert.match(eni.Description, new RegExp(epId), 'the description names the endpoint');
  }
  assert.deepEqual(enis.map((e: any) => e.SubnetId).sort(), c.subnets.map((s) => s.id).sort(), 'one ENI per subnet');

  if (full) {
    const after = (await provider.call('ec2', 'DescribeVpcEndpointConnections', { Filters: [{ Name: 'vpc-endpoint-id', Values: [epId] }] })).VpcEndpointConnections;
    assert.equal(after.length, 1);
    assert.equal(after[0].VpcEndpointState, 'available');
    // The provider does not see the consumer's ENIs.
    await expectError(provider.call('ec2', 'DescribeNetworkInterfaces', { NetworkInterfaceIds: [available.NetworkInterfaceIds[0]] }), 'InvalidNetworkInterfaceID.NotFound');
    // The consumer's subnets now have two fewer free addresses... one each.
    const subs = (await consumer.call('ec2', 'DescribeSubnets', { SubnetIds: c.subnets.map((s) => s.id) })).Subnets;
    for (const s of subs) assert.equal(s.AvailableIpAddressCount, 251 - 1, `${s.SubnetId}: one address used by the endpoint ENI`);
  }

  // --- a third account can neither see nor use the service, nor see the provider's VPC
  const listed = await stranger.call('ec2', 'DescribeVpcEndpointServices', {});
  assert.ok(!(listed.ServiceNames ?? []).includes(p.serviceName), 'a stranger does not see the service');
  assert.ok(!(listed.ServiceDetails ?? []).some((d: any) => d.ServiceId === p.serviceId));
  await expectError(stranger.call('ec2', 'DescribeVpcEndpointServices', { ServiceNames: [p.serviceName] }), 'InvalidServiceName', new RegExp(p.serviceName.replace(/\./g, '\\.')));
  const s = await buildNetwork(stranger, '10.0.0.0/16', [['10.0.1.0/24', 'us-east-1a']]);
  await expectError(stranger.call('ec2', 'CreateVpcEndpoint', {
    VpcEndpointType: 'Interface', VpcId: s.vpcId, ServiceName: p.serviceName, SubnetIds: [s.subnets[0]!.id],
  }), 'InvalidServiceName');
  await expectError(stranger.call('ec2', 'DescribeVpcs', { VpcIds: [p.net.vpcId] }), 'InvalidVpcID.NotFound');
  if (full) {
    const strangerEnis = (await stranger.call('ec2', 'DescribeNetworkInterfaces', {})).NetworkInterfaces;
    assert.deepEqual(strangerEnis, [], 'the failed CreateVpcEndpoint left no ENI behind');
    await expectError(stranger.call('ec2', 'AcceptVpcEndpointConnections', { ServiceId: p.serviceId, VpcEndpointIds: [epId] }), /^InvalidVpcEndpointService(Id)?\.NotFound$/);
  }

  // --- reject path: a second endpoint, rejected by the provider
  const second = (await consumer.call('ec2', 'CreateVpcEndpoint', {
    VpcEndpointType: 'Interface', VpcId: c.vpcId, ServiceName: p.serviceName, SubnetIds: [c.subnets[0]!.id],
  })).VpcEndpoint;
  checkInterfaceEndpoint(second, { owner: CONSUMER, vpcId: c.vpcId, serviceName: p.serviceName, serviceId: p.serviceId, subnets: [c.subnets[0]!], state: 'pendingAcceptance' });
  const rejected = await provider.call('ec2', 'RejectVpcEndpointConnections', { ServiceId: p.serviceId, VpcEndpointIds: [second.VpcEndpointId] });
  assert.deepEqual(rejected.Unsuccessful ?? [], []);
  await poll('the second endpoint is rejected', async () => ((await describeEndpoint(consumer, second.VpcEndpointId)).State === 'rejected' ? true : undefined), advance);
  if (full) {
    const rc = (await provider.call('ec2', 'DescribeVpcEndpointConnections', { Filters: [{ Name: 'vpc-endpoint-id', Values: [second.VpcEndpointId] }] })).VpcEndpointConnections;
    assert.equal(rc[0]?.VpcEndpointState, 'rejected');
  }

  // --- the service cannot be deleted while a connection is available
  const refused = await provider.call('ec2', 'DeleteVpcEndpointServiceConfigurations', { ServiceIds: [p.serviceId] });
  assert.equal(refused.Unsuccessful.length, 1);
  assert.equal(refused.Unsuccessful[0].ResourceId, p.serviceId);
  assert.equal(refused.Unsuccessful[0].Error.Code, 'ExistingVpcEndpointConnections');
  assert.ok(refused.Unsuccessful[0].Error.Message, 'the refusal says why');

  // --- delete path: the consumer deletes its endpoint: deleting → deleted, ENIs released
  const del = await consumer.call('ec2', 'DeleteVpcEndpoints', { VpcEndpointIds: [epId] });
  assert.deepEqual(del.Unsuccessful ?? [], []);
  const states: string[] = [];
  await poll('the endpoint is deleted', async () => {
    const r = await consumer.call('ec2', 'DescribeVpcEndpoints', { VpcEndpointIds: [epId] }).catch((e) => {
      if (e instanceof AwsCallError && e.code === 'InvalidVpcEndpointId.NotFound') return { VpcEndpoints: [] };
      throw e;
    });
    const st = r.VpcEndpoints[0]?.State ?? 'gone';
    if (states.at(-1) !== st) states.push(st);
    return st === 'deleted' || st === 'gone' ? true : undefined;
  }, advance);
  if (advance) {
    // Nothing advanced the state between the delete and the first look.
    assert.equal(states[0], 'deleting', `right after DeleteVpcEndpoints the endpoint is deleting (saw ${states.join(' → ')})`);
  } else {
    assert.ok(['deleting', 'deleted'].includes(states[0]!), `after DeleteVpcEndpoints: deleting, then deleted (saw ${states.join(' → ')})`);
  }
  assert.ok(states.includes('deleted'), `the endpoint stays visible as deleted for a while (saw ${states.join(' → ')})`);
  const left = (await consumer.call('ec2', 'DescribeNetworkInterfaces', { Filters: [{ Name: 'network-interface-id', Values: available.NetworkInterfaceIds }] })).NetworkInterfaces;
  assert.deepEqual(left, [], 'a deleted endpoint has no ENIs');

  // --- now the service can be deleted (a rejected and a deleted connection do not hold it)
  const gone = await provider.call('ec2', 'DeleteVpcEndpointServiceConfigurations', { ServiceIds: [p.serviceId] });
  assert.deepEqual(gone.Unsuccessful ?? [], []);
  if (full) {
    await poll('the service is deleted', async () => {
      const r = await provider.call('ec2', 'DescribeVpcEndpointServiceConfigurations', { ServiceIds: [p.serviceId] }).catch((e) => {
        if (e instanceof AwsCallError && /NotFound/.test(e.code)) return { ServiceConfigurations: [] };
        throw e;
      });
      const st = r.ServiceConfigurations[0]?.ServiceState;
      assert.ok(st === undefined || ['Deleting', 'Deleted'].includes(st), `service state after delete: ${st}`);
      return st === undefined || st === 'Deleted' ? true : undefined;
    }, advance);
    await expectError(consumer.call('ec2', 'DescribeVpcEndpointServices', { ServiceNames: [p.serviceName] }), 'InvalidServiceName');
  }
}
