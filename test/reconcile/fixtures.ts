/**
 * Hand-built store snapshots for the desired-state compiler: full control-plane documents (typed
 * by src/control/resources.ts, so the fixtures also prove those documents satisfy `Snapshot`),
 * made by small builders and composed into the topologies the golden tests compile.
 */
import type {
  EndpointDoc, EndpointServiceDoc, EndpointState, ListenerDoc, LoadBalancerDoc, NetworkInterfaceDoc, RegisteredTarget,
  ResolverEndpointDoc, ResolverRuleAssociationDoc, ResolverRuleDoc,
  RouteTableDoc, SecurityGroupDoc, SecurityGroupRule, SubnetDoc, TargetGroupDoc, VpcDoc,
} from '../../src/control/resources.js';

export const PROVIDER = '111111111111';
export const CONSUMER = '222222222222';
const REGION = 'us-east-1';
const AT = '2026-01-01T00:00:00.000Z';

/** Every stored kind, as full documents. */
export interface Docs {
  vpcs: VpcDoc[];
  subnets: SubnetDoc[];
  securityGroups: SecurityGroupDoc[];
  routeTables: RouteTableDoc[];
  networkInterfaces: NetworkInterfaceDoc[];
  loadBalancers: LoadBalancerDoc[];
  targetGroups: TargetGroupDoc[];
  listeners: ListenerDoc[];
  endpointServices: EndpointServiceDoc[];
  endpoints: EndpointDoc[];
  resolverEndpoints: ResolverEndpointDoc[];
  resolverRules: ResolverRuleDoc[];
  resolverRuleAssociations: ResolverRuleAssociationDoc[];
}

export function emptyDocs(): Docs {
  return {
    vpcs: [], subnets: [], securityGroups: [], routeTables: [], networkInterfaces: [], loadBalancers: [],
    targetGroups: [], listeners: [], endpointServices: [], endpoints: [],
    resolverEndpoints: [], resolverRules: [], resolverRuleAssociations: [],
  };
}

const base = (id: string, account: string) => ({ id, account, region: REGION, createdAt: AT, tags: [] });

/** Zone letter → [name, id] (us-east-1a is use1-az1, as src/core/regions.ts maps them). */
export function zone(letter: 'a' | 'b' | 'c'): [string, string] {
  return [`${REGION}${letter}`, `use1-az${'abc'.indexOf(letter) + 1}`];
}

export function vpc(id: string, account: string, cidr: string): VpcDoc {
  return {
    ...base(id, account), kind: 'vpc', cidrBlock: cidr, cidrAssociationId: `vpc-cidr-assoc-${id.slice(4)}`, state: 'available',
    instanceTenancy: 'default', enableDnsSupport: true, enableDnsHostnames: true, dhcpOptionsId: 'dopt-1',
    mainRouteTableId: `rtb-${id.slice(4)}`, defaultSecurityGroupId: `sg-${id.slice(4)}`,
  };
}

export function subnet(id: string, v: VpcDoc, cidr: string, letter: 'a' | 'b' | 'c'): SubnetDoc {
  const [name, zid] = zone(letter);
  return { ...base(id, v.account), kind: 'subnet', vpcId: v.id, cidrBlock: cidr, availabilityZone: name, availabilityZoneId: zid, state: 'available' };
}

export function rule(ruleId: string, fields: Omit<SecurityGroupRule, 'ruleId'>): SecurityGroupRule {
  return { ruleId, ...fields };
}

export function securityGroup(id: string, v: VpcDoc, ingress: SecurityGroupRule[], egress: SecurityGroupRule[]): SecurityGroupDoc {
  return { ...base(id, v.account), kind: 'security-group', vpcId: v.id, groupName: id, description: `group ${id}`, ingress, egress };
}

export function routeTable(id: string, v: VpcDoc): RouteTableDoc {
  return {
    ...base(id, v.account), kind: 'route-table', vpcId: v.id,
    routes: [{ destinationCidrBlock: v.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable', state: 'active' }],
    associations: [{ id: `rtbassoc-${id.slice(4)}`, main: true }],
  };
}

export function eni(
  id: string, sn: SubnetDoc, account: string, ip: string, type: NetworkInterfaceDoc['interfaceType'], owner: string, groupIds: string[],
): NetworkInterfaceDoc {
  return {
    ...base(id, account), kind: 'network-interface', vpcId: sn.vpcId, subnetId: sn.id, availabilityZone: sn.availabilityZone,
    availabilityZoneId: sn.availabilityZoneId, privateIpAddress: ip, interfaceType: type, description: `ENI ${id}`,
    requesterId: type === 'vpc_endpoint' ? PROVIDER : 'amazon-elb', requesterManaged: true, groupIds, status: 'in-use',
    ownerResourceId: owner, macAddress: '02:00:00:00:00:01',
  };
}

/** An ENI the account created itself (CreateNetworkInterface): `interface`, not requester-managed, owned by itself. */
export function workloadEni(id: string, sn: SubnetDoc, ip: string, groupIds: string[]): NetworkInterfaceDoc {
  return {
    ...base(id, sn.account), kind: 'network-interface', vpcId: sn.vpcId, subnetId: sn.id, availabilityZone: sn.availabilityZone,
    availabilityZoneId: sn.availabilityZoneId, privateIpAddress: ip, interfaceType: 'interface', description: `workload ${id}`,
    requesterManaged: false, groupIds, status: 'available', ownerResourceId: id, macAddress: '02:00:00:00:00:02',
  };
}

export const nlbArn = (name: string): string => `arn:aws:elasticloadbalancing:us-east-1:${PROVIDER}:loadbalancer/net/${name}/0123456789abcdef`;
export const tgArn = (name: string): string => `arn:aws:elasticloadbalancing:us-east-1:${PROVIDER}:targetgroup/${name}/0123456789abcdef`;
export const listenerArn = (lb: string, n: number): string => `arn:aws:elasticloadbalancing:us-east-1:${PROVIDER}:listener/net/${lb}/0123456789abcdef/${String(n).padStart(16, '0')}`;

/** An NLB with one node per [subnet, node ENI id, node ip]; the node ENI documents come back too. */
export function nlb(
  name: string, v: VpcDoc, nodes: Array<[SubnetDoc, string, string]>, attributes: Record<string, string> = {},
): { lb: LoadBalancerDoc; enis: NetworkInterfaceDoc[] } {
  const arn = nlbArn(name);
  const lb: LoadBalancerDoc = {
    ...base(arn, v.account), kind: 'load-balancer', name, type: 'network', scheme: 'internal', ipAddressType: 'ipv4', vpcId: v.id,
    dnsName: `${name}-0123456789abcdef.elb.us-east-1.amazonaws.com`, canonicalHostedZoneId: 'Z26RNL4JYFTOTI', state: 'active',
    zones: nodes.map(([sn, eniId, ip]) => ({
      subnetId: sn.id, availabilityZone: sn.availabilityZone, availabilityZoneId: sn.availabilityZoneId, networkInterfaceId: eniId, privateIpv4Address: ip,
    })),
    securityGroups: [], attributes,
  };
  const enis = nodes.map(([sn, eniId, ip]) => eni(eniId, sn, v.account, ip, 'network_load_balancer', arn, []));
  return { lb, enis };
}

export function target(id: string, port: number, extra: Partial<RegisteredTarget> = {}): RegisteredTarget {
  return { id, port, registeredAt: AT, ...extra };
}

export function targetGroup(name: string, v: VpcDoc, port: number, targets: RegisteredTarget[], attributes: Record<string, string> = {}): TargetGroupDoc {
  return {
    ...base(tgArn(name), v.account), kind: 'target-group', name, protocol: 'TCP', port, vpcId: v.id, targetType: 'ip', ipAddressType: 'ipv4',
    healthCheck: {
      enabled: true, protocol: 'TCP', port: 'traffic-port', intervalSeconds: 30, timeoutSeconds: 10, healthyThresholdCount: 5, unhealthyThresholdCount: 2,
    },
    attributes, targets,
  };
}

export function listener(lb: LoadBalancerDoc, n: number, port: number, tg: TargetGroupDoc, attributes: Record<string, string> = {}): ListenerDoc {
  return {
    ...base(listenerArn(lb.name, n), lb.account), kind: 'listener', loadBalancerArn: lb.id, port, protocol: 'TCP',
    defaultActions: [{ Type: 'forward', TargetGroupArn: tg.id }], attributes, actionsSetAt: AT,
  };
}

export function service(id: string, nlbs: LoadBalancerDoc[]): EndpointServiceDoc {
  return {
    ...base(id, PROVIDER), kind: 'endpoint-service', serviceName: `com.amazonaws.vpce.us-east-1.${id}`, serviceType: 'Interface',
    state: 'Available', stateChangedAt: AT, acceptanceRequired: true, networkLoadBalancerArns: nlbs.map((lb) => lb.id),
    gatewayLoadBalancerArns: [], supportedIpAddressTypes: ['ipv4'], permissions: [],
  };
}

/** An interface endpoint with one ENI per [subnet, ENI id, ip]; its ENI documents come back too. */
export function endpoint(
  id: string, v: VpcDoc, svc: EndpointServiceDoc, state: EndpointState, enis: Array<[SubnetDoc, string, string]>, groupIds: string[],
): { endpoint: EndpointDoc; enis: NetworkInterfaceDoc[] } {
  const doc: EndpointDoc = {
    ...base(id, v.account), kind: 'endpoint', type: 'Interface', vpcId: v.id, serviceName: svc.serviceName, serviceId: svc.id,
    serviceOwner: svc.account, state, stateChangedAt: AT, routeTableIds: [], subnetIds: enis.map(([sn]) => sn.id), groupIds,
    networkInterfaceIds: enis.map(([, e]) => e), ipAddressType: 'ipv4', dnsRecordIpType: 'ipv4', privateDnsEnabled: false,
    dnsSuffix: 'abcd1234', connectionId: `vpce-con-${id.slice(5)}`,
    interfaces: enis.map(([sn, e, ip]) => ({
      subnetId: sn.id, networkInterfaceId: e, availabilityZone: sn.availabilityZone, availabilityZoneId: sn.availabilityZoneId, privateIpAddress: ip,
    })),
  };
  const docs = ['deleted'].includes(state) ? [] : enis.map(([sn, e, ip]) => eni(e, sn, v.account, ip, 'vpc_endpoint', id, groupIds));
  return { endpoint: doc, enis: docs };
}

/**
 * (1) The two-account flow: a provider VPC with two subnets in two zones, an NLB with a node in
 * each, a target group with two ip targets and PROXY v2 on, listener 80, the service; a consumer
 * VPC (same CIDR: overlapping is fine) with an available interface endpoint in two subnets.
 */
export function twoAccounts(): Docs & { provider: { vpc: VpcDoc; subnets: SubnetDoc[] }; consumer: { vpc: VpcDoc; subnets: SubnetDoc[] }; svc: EndpointServiceDoc } {
  const d = emptyDocs();
  const pv = vpc('vpc-0aaaaaaaaaaaaaaa1', PROVIDER, '10.0.0.0/16');
  const pa = subnet('subnet-0aaaaaaaaaaaaaaa1', pv, '10.0.1.0/24', 'a');
  const pb = subnet('subnet-0aaaaaaaaaaaaaaa2', pv, '10.0.2.0/24', 'b');
  const cv = vpc('vpc-0ccccccccccccccc1', CONSUMER, '10.0.0.0/16');
  const ca = subnet('subnet-0ccccccccccccccc1', cv, '10.0.1.0/24', 'a');
  const cb = subnet('subnet-0ccccccccccccccc2', cv, '10.0.2.0/24', 'b');
  const provSg = securityGroup('sg-0aaaaaaaaaaaaaaa1', pv,
    [rule('sgr-0aaaaaaaaaaaaaaa1', { ipProtocol: '-1', referencedGroupId: 'sg-0aaaaaaaaaaaaaaa1', referencedGroupAccount: PROVIDER })],
    [rule('sgr-0aaaaaaaaaaaaaaa2', { ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' })]);
  const epSg = securityGroup('sg-0ccccccccccccccc1', cv,
    [rule('sgr-0ccccccccccccccc1', { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.0.0.0/16', description: 'web', tags: [{ Key: 'k', Value: 'v' }] })],
    [rule('sgr-0ccccccccccccccc2', { ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' })]);
  const { lb, enis: nodeEnis } = nlb('web', pv, [[pa, 'eni-0aaaaaaaaaaaaaa01', '10.0.1.4'], [pb, 'eni-0aaaaaaaaaaaaaa02', '10.0.2.4']]);
  const tg = targetGroup('web-targets', pv, 8080, [target('10.0.1.10', 8080, { zone: pa.availabilityZone }), target('10.0.2.10', 8080, { zone: pb.availabilityZone })],
    { 'proxy_protocol_v2.enabled': 'true' });
  const svc = service('vpce-svc-0123456789abcdef0', [lb]);
  const ep = endpoint('vpce-0ccccccccccccccc1', cv, svc, 'available', [[ca, 'eni-0cccccccccccccc01', '10.0.1.5'], [cb, 'eni-0cccccccccccccc02', '10.0.2.5']], [epSg.id]);
  d.vpcs.push(pv, cv);
  d.subnets.push(pa, pb, ca, cb);
  d.securityGroups.push(provSg, epSg);
  d.routeTables.push(routeTable('rtb-0aaaaaaaaaaaaaaa1', pv), routeTable('rtb-0ccccccccccccccc1', cv));
  d.networkInterfaces.push(...nodeEnis, ...ep.enis);
  d.loadBalancers.push(lb);
  d.targetGroups.push(tg);
  d.listeners.push(listener(lb, 1, 80, tg));
  d.endpointServices.push(svc);
  d.endpoints.push(ep.endpoint);
  return { ...d, provider: { vpc: pv, subnets: [pa, pb] }, consumer: { vpc: cv, subnets: [ca, cb] }, svc };
}

/** A Route 53 Resolver endpoint with its requester-managed ENIs (ips: [subnet, eni id, address]). */
export function resolverEndpoint(
  id: string, v: VpcDoc, status: ResolverEndpointDoc['status'], ips: Array<[SubnetDoc, string, string]>, groupIds: string[],
): { endpoint: ResolverEndpointDoc; enis: NetworkInterfaceDoc[] } {
  const direction = id.startsWith('rslvr-in-') ? 'INBOUND' : 'OUTBOUND';
  const endpoint: ResolverEndpointDoc = {
    kind: 'resolver-endpoint', ...base(id, v.account), arn: `arn:aws:route53resolver:${REGION}:${v.account}:resolver-endpoint/${id}`,
    creatorRequestId: `req-${id}`, direction, securityGroupIds: groupIds, vpcId: v.id, status, statusMessage: '', stateChangedAt: AT, modifiedAt: AT,
    ips: ips.map(([sn, eniId, ip], i) => ({ ipId: `rni-0${id.slice(-4)}${String(i).padStart(12, '0')}`, subnetId: sn.id, ip, networkInterfaceId: eniId, createdAt: AT })),
  };
  const enis = ips.map(([sn, eniId, ip]) => ({
    ...eni(eniId, sn, v.account, ip, 'interface', id, groupIds), description: `Route 53 Resolver: ${id}:rni-0`, requesterId: 'Route53Resolver', requesterManaged: true,
    status: 'in-use' as const,
  }));
  return { endpoint, enis };
}

export function resolverRule(
  id: string, account: string, domainName: string, type: ResolverRuleDoc['ruleType'], targets: Array<[string, number]>, endpointId?: string,
): ResolverRuleDoc {
  return {
    kind: 'resolver-rule', ...base(id, account), arn: `arn:aws:route53resolver:${REGION}:${account}:resolver-rule/${id}`, creatorRequestId: `req-${id}`,
    domainName, ruleType: type, targetIps: targets.map(([ip, port]) => ({ ip, port })), ...(endpointId && { resolverEndpointId: endpointId }),
    status: 'COMPLETE', statusMessage: '', modifiedAt: AT,
  };
}

export function ruleAssociation(id: string, r: ResolverRuleDoc, v: VpcDoc, status: ResolverRuleAssociationDoc['status']): ResolverRuleAssociationDoc {
  return { kind: 'resolver-rule-association', ...base(id, v.account), resolverRuleId: r.id, vpcId: v.id, status, statusMessage: '', stateChangedAt: AT };
}

/** Just the store's lists of a fixture (drops the handles). */
export function docsOf(d: Docs): Docs {
  return {
    vpcs: d.vpcs, subnets: d.subnets, securityGroups: d.securityGroups, routeTables: d.routeTables, networkInterfaces: d.networkInterfaces,
    loadBalancers: d.loadBalancers, targetGroups: d.targetGroups, listeners: d.listeners, endpointServices: d.endpointServices, endpoints: d.endpoints,
    resolverEndpoints: d.resolverEndpoints, resolverRules: d.resolverRules, resolverRuleAssociations: d.resolverRuleAssociations,
  };
}
