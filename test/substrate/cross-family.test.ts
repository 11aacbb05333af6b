/**
 * How the substrate treats resources of the other families (endpoints, endpoint services, load
 * balancers) that live in its VPCs: dependencies on delete and tagging. The documents are put into
 * the store directly, as those families write them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand, CreateTagsCommand, CreateVpcCommand, DeleteSecurityGroupCommand,
  DeleteVpcCommand, DescribeTagsCommand, type IpRange,
} from '@aws-sdk/client-ec2';
import type { EndpointDoc, EndpointServiceDoc, LoadBalancerDoc, StoredResource } from '../../src/control/resources.js';
import { ACCOUNT_A, ACCOUNT_B, ec2, rejectsWith, suiteServer, forEachDialect } from './support.js';

function endpoint(id: string, account: string, vpcId: string, groupIds: string[], state: EndpointDoc['state']): EndpointDoc {
  return {
    kind: 'endpoint', id, account, region: 'us-east-1', createdAt: new Date().toISOString(), tags: [], type: 'Interface', vpcId,
    serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0', serviceOwner: ACCOUNT_B, state, stateChangedAt: new Date().toISOString(),
    routeTableIds: [], subnetIds: [], groupIds, networkInterfaceIds: [], ipAddressType: 'ipv4', dnsRecordIpType: 'ipv4', privateDnsEnabled: false,
    dnsSuffix: 'abcdefgh',
  };
}

function loadBalancer(account: string, vpcId: string, securityGroups: string[]): LoadBalancerDoc {
  return {
    kind: 'load-balancer', id: `arn:aws:elasticloadbalancing:us-east-1:${account}:loadbalancer/net/nlb/0123456789abcdef`, account, region: 'us-east-1',
    createdAt: new Date().toISOString(), tags: [], name: 'nlb', type: 'network', scheme: 'internal', ipAddressType: 'ipv4', vpcId,
    dnsName: 'nlb-0123456789abcdef.elb.us-east-1.amazonaws.com', canonicalHostedZoneId: 'Z26RNL4JYFTOTI', state: 'active', zones: [], securityGroups,
    attributes: {},
  };
}

forEachDialect("substrate: other families' resources", (dialect) => {
  const server = suiteServer(dialect);
  const put = (doc: StoredResource) => server().store.transaction(true, (tx) => tx.put(doc));
  const remove = (id: string) => server().store.transaction(true, (tx) => tx.delete(id));

  it('endpoints and load balancers keep their VPC and security groups from being deleted', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const sg = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'ep', Description: 'ep' }))).GroupId!;
    const ep = endpoint('vpce-0aaaaaaaaaaaaaaa1', ACCOUNT_A, vpcId, [sg], 'available');
    await put(ep);
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: sg })), 'DependencyViolation', /vpce-0aaaaaaaaaaaaaaa1/);
    await put({ ...ep, state: 'deleted' });
    const lb = loadBalancer(ACCOUNT_A, vpcId, [sg]);
    await put(lb);
    await rejectsWith(c.send(new DeleteSecurityGroupCommand({ GroupId: sg })), 'DependencyViolation', /load balancers nlb/);
    await put({ ...lb, securityGroups: [] });
    await c.send(new DeleteSecurityGroupCommand({ GroupId: sg }));

    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', /load balancers/);
    await remove(lb.id);
    await put({ ...ep, state: 'pendingAcceptance' });
    await rejectsWith(c.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', /vpce-0aaaaaaaaaaaaaaa1/);
    await put({ ...ep, state: 'deleted' });
    await c.send(new DeleteVpcCommand({ VpcId: vpcId }));
  });

  it('endpoints and endpoint services are taggable by their owners only', async () => {
    const a = ec2(server(), ACCOUNT_A);
    const b = ec2(server(), ACCOUNT_B);
    const ep = endpoint('vpce-0bbbbbbbbbbbbbbb2', ACCOUNT_A, 'vpc-0000000000000000a', [], 'available');
    await put(ep);
    const svc = {
      kind: 'endpoint-service', id: 'vpce-svc-0ccccccccccccccc3', account: ACCOUNT_B, region: 'us-east-1', createdAt: new Date().toISOString(), tags: [],
      serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0ccccccccccccccc3', serviceType: 'Interface', state: 'Available',
      stateChangedAt: new Date().toISOString(), acceptanceRequired: true, networkLoadBalancerArns: [], gatewayLoadBalancerArns: [],
      supportedIpAddressTypes: ['ipv4'], permissions: [],
    } satisfies EndpointServiceDoc;
    await put(svc);
    await a.send(new CreateTagsCommand({ Resources: [ep.id], Tags: [{ Key: 'Name', Value: 'to-svc' }] }));
    await b.send(new CreateTagsCommand({ Resources: [svc.id], Tags: [{ Key: 'Name', Value: 'svc' }] }));
    await rejectsWith(b.send(new CreateTagsCommand({ Resources: [ep.id], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVpcEndpointId.NotFound');
    await rejectsWith(a.send(new CreateTagsCommand({ Resources: [svc.id], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVpcEndpointServiceId.NotFound');
    const aTags = await a.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-type', Values: ['vpc-endpoint'] }] }));
    assert.deepEqual(aTags.Tags!.map((t) => [t.ResourceId, t.ResourceType, t.Key, t.Value]), [[ep.id, 'vpc-endpoint', 'Name', 'to-svc']]);
    const bTags = await b.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [svc.id] }] }));
    assert.deepEqual(bTags.Tags!.map((t) => [t.ResourceType, t.Value]), [['vpc-endpoint-service', 'svc']]);
    const stored = await server().store.transaction(false, (tx) => tx.get('endpoint', ep.id));
    assert.deepEqual(stored!.tags, [{ Key: 'Name', Value: 'to-svc' }]);
    assert.equal(stored!.state, 'available', 'tagging leaves the rest of the document alone');
  });

  it('a group holds at most 60 rules per direction', async () => {
    const c = ec2(server());
    const vpcId = (await c.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    const sg = (await c.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'many', Description: 'many' }))).GroupId!;
    const ranges = (n: number, offset: number): IpRange[] => Array.from({ length: n }, (_, i) => ({ CidrIp: `10.${offset + i}.0.0/16` }));
    await c.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: ranges(59, 0) }] }));
    await rejectsWith(c.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: ranges(1, 100) }] })),
      'RulesPerSecurityGroupLimitExceeded');
  });
});
