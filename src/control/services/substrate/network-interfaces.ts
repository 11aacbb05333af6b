/**
 * DescribeNetworkInterfaces, in AWS's shape: the requester-managed ENIs of endpoints and load
 * balancers, and the account's own (`interface`, network-interface-lifecycle.ts).
 */
import type { Handlers } from '../../api/context.js';
import type { Filter } from '../../api/filters.js';
import type { NetworkInterfaceDoc } from '../../resources.js';
import { apiTags, describe, ownedByIds } from './common.js';
import { fnv1aHex } from './prefix-lists.js';

/** EC2's internal DNS name of an address: ip-10-0-1-5.ec2.internal (us-east-1) or ip-….<region>.compute.internal. */
export function privateDnsName(region: string, ip: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

/** Requester-managed ENIs (status in-use) are attached to an AWS-owned instance: a stable ela-attach-… id per ENI. */
function attachmentId(eniId: string): string {
  return `ela-attach-${fnv1aHex(`${eniId}#attach`)}${fnv1aHex(`${eniId}#attach2`).slice(0, 7)}`;
}

export function presentNetworkInterface(region: string, e: NetworkInterfaceDoc, groupNames: Map<string, string>): Record<string, unknown> {
  return {
    NetworkInterfaceId: e.id,
    InterfaceType: e.interfaceType,
    Description: e.description,
    OwnerId: e.account,
    RequesterId: e.requesterId,
    RequesterManaged: e.requesterManaged,
    Status: e.status,
    MacAddress: e.macAddress,
    PrivateIpAddress: e.privateIpAddress,
    PrivateDnsName: privateDnsName(region, e.privateIpAddress),
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: e.privateIpAddress, PrivateDnsName: privateDnsName(region, e.privateIpAddress) }],
    Groups: e.groupIds.map((id) => ({ GroupId: id, GroupName: groupNames.get(id) })),
    SubnetId: e.subnetId,
    VpcId: e.vpcId,
    AvailabilityZone: e.availabilityZone,
    AvailabilityZoneId: e.availabilityZoneId,
    SourceDestCheck: true,
    Ipv6Addresses: [],
    TagSet: apiTags(e.tags),
    Attachment: e.status === 'in-use'
      ? {
        AttachmentId: attachmentId(e.id), AttachTime: e.createdAt, DeleteOnTermination: false, DeviceIndex: 1,
        NetworkCardIndex: 0, InstanceOwnerId: 'amazon-aws', Status: 'attached',
      }
      : undefined,
  };
}

export const networkInterfaceHandlers: Handlers = {
  async DescribeNetworkInterfaces(ctx, input: { NetworkInterfaceIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    const items = input.NetworkInterfaceIds?.length
      ? await ownedByIds(ctx, 'network-interface', input.NetworkInterfaceIds)
      : await ctx.tx.list('network-interface', ctx.account);
    const groupNames = new Map((await ctx.tx.list('security-group')).map((g) => [g.id, g.groupName]));
    const page = describe({
      operation: 'DescribeNetworkInterfaces', items, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken, min: 5,
      tagsOf: (e) => e.tags,
      fields: {
        'network-interface-id': (e) => e.id,
        'interface-type': (e) => e.interfaceType,
        'vpc-id': (e) => e.vpcId,
        'subnet-id': (e) => e.subnetId,
        'availability-zone': (e) => e.availabilityZone,
        'requester-managed': (e) => e.requesterManaged,
        'requester-id': (e) => e.requesterId,
        description: (e) => e.description,
        'group-id': (e) => e.groupIds,
        'group-name': (e) => e.groupIds.map((id) => groupNames.get(id)),
        'private-ip-address': (e) => e.privateIpAddress,
        'addresses.private-ip-address': (e) => e.privateIpAddress,
        'addresses.primary': () => true,
        'private-dns-name': (e) => privateDnsName(ctx.region, e.privateIpAddress),
        'mac-address': (e) => e.macAddress,
        'owner-id': (e) => e.account,
        status: (e) => e.status,
        'source-dest-check': () => true,
        'attachment.status': (e) => (e.status === 'in-use' ? 'attached' : undefined),
        'attachment.instance-owner-id': (e) => (e.status === 'in-use' ? 'amazon-aws' : undefined),
        'attachment.attachment-id': (e) => (e.status === 'in-use' ? attachmentId(e.id) : undefined),
        'attachment.device-index': (e) => (e.status === 'in-use' ? 1 : undefined),
        'attachment.delete-on-termination': (e) => (e.status === 'in-use' ? false : undefined),
      },
    });
    return { NetworkInterfaces: page.items.map((e) => presentNetworkInterface(ctx.region, e, groupNames)), NextToken: page.nextToken };
  },
};
