/** Stored Resolver documents → the API's shapes (ResolverEndpoint, IpAddressResponse, ResolverRule, ResolverRuleAssociation). */
import type { ResolverEndpointDoc, ResolverEndpointIp, ResolverRuleAssociationDoc, ResolverRuleDoc } from '../../resources.js';

export function presentEndpoint(e: ResolverEndpointDoc): Record<string, unknown> {
  return {
    Id: e.id,
    CreatorRequestId: e.creatorRequestId,
    Arn: e.arn,
    ...(e.name !== undefined && { Name: e.name }),
    SecurityGroupIds: e.securityGroupIds,
    Direction: e.direction,
    IpAddressCount: e.ips.length,
    HostVPCId: e.vpcId,
    Status: e.status,
    StatusMessage: e.statusMessage,
    CreationTime: e.createdAt,
    ModificationTime: e.modifiedAt,
    ResolverEndpointType: 'IPV4',
    Protocols: ['Do53'],
  };
}

/** AWS's per-address states: CREATING while the endpoint is created, ATTACHED once it is operational, DELETING with it. */
export function presentIp(e: ResolverEndpointDoc, ip: ResolverEndpointIp): Record<string, unknown> {
  const status = e.status === 'OPERATIONAL' ? 'ATTACHED' : e.status;
  const message = status === 'ATTACHED' ? 'This IP address is operational.' : status === 'CREATING' ? 'Creating the IP address.' : 'Deleting the IP address.';
  return {
    IpId: ip.ipId,
    SubnetId: ip.subnetId,
    Ip: ip.ip,
    Status: status,
    StatusMessage: message,
    CreationTime: ip.createdAt,
    ModificationTime: e.status === 'CREATING' ? ip.createdAt : e.modifiedAt,
  };
}

export function presentRule(r: ResolverRuleDoc): Record<string, unknown> {
  return {
    Id: r.id,
    CreatorRequestId: r.creatorRequestId,
    Arn: r.arn,
    DomainName: r.domainName,
    Status: r.status,
    StatusMessage: r.statusMessage,
    RuleType: r.ruleType,
    ...(r.name !== undefined && { Name: r.name }),
    ...(r.ruleType === 'FORWARD' && { TargetIps: r.targetIps.map((t) => ({ Ip: t.ip, Port: t.port, Protocol: 'Do53' })) }),
    ...(r.resolverEndpointId !== undefined && { ResolverEndpointId: r.resolverEndpointId }),
    OwnerId: r.account,
    ShareStatus: 'NOT_SHARED',
    CreationTime: r.createdAt,
    ModificationTime: r.modifiedAt,
  };
}

export function presentAssociation(a: ResolverRuleAssociationDoc): Record<string, unknown> {
  return {
    Id: a.id,
    ResolverRuleId: a.resolverRuleId,
    ...(a.name !== undefined && { Name: a.name }),
    VPCId: a.vpcId,
    Status: a.status,
    StatusMessage: a.statusMessage,
  };
}
