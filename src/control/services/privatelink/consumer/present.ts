/**
 * The `VpcEndpoint` shape of an endpoint document, with the field set AWS returns for each type
 * (recorded AWS responses for interface endpoints; the AWS CLI examples for gateway and Gateway
 * Load Balancer endpoints).
 */
import type { Tx } from '../../../store/store.js';
import type { EndpointDoc } from '../../../resources.js';
import { dnsEntriesFor } from './dns.js';

export async function presentEndpoint(tx: Tx, e: EndpointDoc): Promise<Record<string, unknown>> {
  const base: Record<string, unknown> = {
    VpcEndpointId: e.id,
    VpcEndpointType: e.type,
    VpcId: e.vpcId,
    ServiceName: e.serviceName,
    State: e.state,
  };
  const tail: Record<string, unknown> = {
    CreationTimestamp: e.createdAt,
    Tags: e.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    OwnerId: e.account,
    ServiceRegion: e.region,
    LastError: e.state === 'failed' && e.lastError ? { Code: e.lastError.Code, Message: e.lastError.Message } : undefined,
  };
  if (e.type === 'GatewayLoadBalancer') {
    return {
      ...base,
      SubnetIds: [...e.subnetIds],
      IpAddressType: e.ipAddressType,
      RequesterManaged: false,
      NetworkInterfaceIds: [...e.networkInterfaceIds],
      ...tail,
    };
  }
  if (e.type === 'Gateway') {
    return {
      ...base,
      PolicyDocument: e.policyDocument,
      RouteTableIds: [...e.routeTableIds],
      SubnetIds: [],
      Groups: [],
      IpAddressType: e.ipAddressType,
      PrivateDnsEnabled: false,
      RequesterManaged: false,
      NetworkInterfaceIds: [],
      DnsEntries: [],
      ...tail,
    };
  }
  const groups = [];
  for (const id of e.groupIds) {
    const sg = await tx.get('security-group', id);
    groups.push({ GroupId: id, GroupName: sg?.groupName });
  }
  const service = e.serviceId ? await tx.get('endpoint-service', e.serviceId) : undefined;
  const dnsService = e.serviceId ? { id: e.serviceId, privateDnsName: service?.privateDnsName } : undefined;
  return {
    ...base,
    PolicyDocument: e.policyDocument,
    RouteTableIds: [],
    SubnetIds: [...e.subnetIds],
    Groups: groups,
    IpAddressType: e.ipAddressType,
    DnsOptions: { DnsRecordIpType: e.dnsRecordIpType },
    PrivateDnsEnabled: e.privateDnsEnabled,
    RequesterManaged: false,
    NetworkInterfaceIds: [...e.networkInterfaceIds],
    DnsEntries: dnsEntriesFor(e, dnsService, e.region),
    ...tail,
  };
}
