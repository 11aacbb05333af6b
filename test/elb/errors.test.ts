/**
 * ELBv2 bad input: every case answers AWS's error code with a message, and nothing half-written
 * remains; another account can neither see nor change the resources; pagination.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EndpointServiceDoc } from '../../src/control/resources.js';
import { DIALECTS, type TestServer } from '../support/harness.js';
import { REGION, elbClient, rejectsWith, seedNetwork, startElbServer, type Network } from './fixtures.js';

const A = '000000000000';
const B = '222233334444';

for (const dialect of DIALECTS) {
  describe(`ELBv2 errors and isolation (${dialect})`, () => {
    let server: TestServer;
    let elb: ELB.ElasticLoadBalancingV2Client;
    let net: Network;
    let other: Network;
    let bNet: Network;
    let lbArn = '';
    let lb2Arn = '';
    let tgArn = '';
    let udpTgArn = '';
    let tcpudpTgArn = '';
    let otherVpcTgArn = '';
    let listenerArn = '';
    // Registered now, at suite level: an `after` called inside `before` would run right after the hook.
    const teardown: Array<() => Promise<void>> = [];
    after(async () => { for (const fn of teardown) await fn(); });

    before(async () => {
      server = await startElbServer({ after: (fn) => { teardown.push(fn); } }, dialect);
      elb = elbClient(server);
      net = await seedNetwork(server, A, '10.0.0.0/16', [['10.0.1.0/24', 'us-east-1a'], ['10.0.2.0/24', 'us-east-1a'], ['10.0.3.0/24', 'us-east-1b']]);
      other = await seedNetwork(server, A, '10.5.0.0/16', [['10.5.1.0/24', 'us-east-1a']]);
      bNet = await seedNetwork(server, B, '10.9.0.0/16', [['10.9.1.0/24', 'us-east-1a']]);
      lbArn = (await elb.send(new ELB.CreateLoadBalancerCommand({ Name: 'main', Type: 'network', Scheme: 'internal', Subnets: [net.subnetIds[0]!, net.subnetIds[2]!] }))).LoadBalancers![0]!.LoadBalancerArn!;
      lb2Arn = (await elb.send(new ELB.CreateLoadBalancerCommand({ Name: 'second', Type: 'network', Scheme: 'internal', Subnets: [net.subnetIds[1]!], SecurityGroups: [net.sgId] }))).LoadBalancers![0]!.LoadBalancerArn!;
      const tg = async (Name: string, Protocol: ELB.ProtocolEnum, VpcId: string) =>
        (await elb.send(new ELB.CreateTargetGroupCommand({ Name, Protocol, Port: 80, VpcId, TargetType: 'ip' }))).TargetGroups![0]!.TargetGroupArn!;
      tgArn = await tg('tcp', 'TCP', net.vpcId);
      udpTgArn = await tg('udp', 'UDP', net.vpcId);
      tcpudpTgArn = await tg('tcpudp', 'TCP_UDP', net.vpcId);
      otherVpcTgArn = await tg('elsewhere', 'TCP', other.vpcId);
      listenerArn = (await elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }))).Listeners![0]!.ListenerArn!;
    });

    const fwd = (arn: string): ELB.Action[] => [{ Type: 'forward', TargetGroupArn: arn }];
    const lbIn = (extra: Partial<ELB.CreateLoadBalancerCommandInput>): ELB.CreateLoadBalancerCommandInput =>
      ({ Name: 'x-lb', Type: 'network', Scheme: 'internal', Subnets: [net.subnetIds[0]!], ...extra });
    const tgIn = (extra: Partial<ELB.CreateTargetGroupCommandInput>): ELB.CreateTargetGroupCommandInput =>
      ({ Name: 'x-tg', Protocol: 'TCP', Port: 80, VpcId: net.vpcId, TargetType: 'ip', ...extra });

    const cases: Array<{ name: string; call: () => Promise<unknown>; code: string; message?: RegExp }> = [
      // load balancers
      { name: 'application load balancers are refused', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Type: 'application' }))), code: 'ValidationError', message: /network and gateway load balancers only/ },
      { name: 'Type defaults to application, refused', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Type: undefined }))), code: 'ValidationError', message: /network and gateway/ },
      { name: 'name longer than 32', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Name: 'a'.repeat(33) }))), code: 'ValidationError', message: /32/ },
      { name: 'name with an underscore', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Name: 'a_b' }))), code: 'ValidationError', message: /alphanumeric/ },
      { name: 'name ending in a hyphen', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Name: 'ab-' }))), code: 'ValidationError', message: /begin or end with '-'/ },
      { name: "name starting with 'internal-'", call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Name: 'internal-x' }))), code: 'ValidationError', message: /internal-/ },
      { name: 'same name, other settings', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Name: 'main' }))), code: 'DuplicateLoadBalancerName' },
      { name: 'unknown subnet', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: ['subnet-0123456789abcdef0'] }))), code: 'SubnetNotFound' },
      { name: "another account's subnet", call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: [bNet.subnetIds[0]!] }))), code: 'SubnetNotFound' },
      { name: 'two subnets in one AZ', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: [net.subnetIds[0]!, net.subnetIds[1]!] }))), code: 'InvalidConfigurationRequest', message: /same Availability Zone/ },
      { name: 'subnets of two VPCs', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: [net.subnetIds[2]!, other.subnetIds[0]!] }))), code: 'InvalidConfigurationRequest', message: /same VPC/ },
      { name: 'no subnet', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: [] }))), code: 'ValidationError' },
      { name: 'subnets and subnet mappings together', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ SubnetMappings: [{ SubnetId: net.subnetIds[2]! }] }))), code: 'ValidationError' },
      { name: 'pinned address outside the subnet', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: undefined, SubnetMappings: [{ SubnetId: net.subnetIds[0]!, PrivateIPv4Address: '10.0.9.9' }] }))), code: 'InvalidConfigurationRequest', message: /not in the CIDR/ },
      { name: 'pinned address reserved by AWS', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: undefined, SubnetMappings: [{ SubnetId: net.subnetIds[0]!, PrivateIPv4Address: '10.0.1.3' }] }))), code: 'InvalidConfigurationRequest', message: /reserved/ },
      { name: 'pinned address already in use', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: undefined, SubnetMappings: [{ SubnetId: net.subnetIds[0]!, PrivateIPv4Address: '10.0.1.4' }] }))), code: 'InvalidConfigurationRequest', message: /in use/ },
      { name: "second subnet's pinned address in use (the first node ENI is rolled back)", call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Subnets: undefined, SubnetMappings: [{ SubnetId: net.subnetIds[2]! }, { SubnetId: net.subnetIds[0]!, PrivateIPv4Address: '10.0.1.4' }] }))), code: 'InvalidConfigurationRequest', message: /in use/ },
      { name: 'unknown security group', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ SecurityGroups: ['sg-0123456789abcdef0'] }))), code: 'InvalidSecurityGroup' },
      { name: 'security group of another VPC', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ SecurityGroups: [other.sgId] }))), code: 'InvalidSecurityGroup' },
      { name: 'security groups on a gateway load balancer', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Type: 'gateway', Scheme: undefined, SecurityGroups: [net.sgId] }))), code: 'InvalidConfigurationRequest', message: /gateway/ },
      { name: 'duplicate tag keys', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Tags: [{ Key: 'k', Value: '1' }, { Key: 'k', Value: '2' }] }))), code: 'DuplicateTagKeys' },
      { name: '51 tags', call: () => elb.send(new ELB.CreateLoadBalancerCommand(lbIn({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }))), code: 'TooManyTags' },
      { name: 'describe an unknown load balancer', call: () => elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn.replace(/[0-9a-f]{16}$/, '0000000000000000')] })), code: 'LoadBalancerNotFound' },
      { name: 'describe a malformed ARN', call: () => elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: ['arn:nope'] })), code: 'ValidationError', message: /not a valid load balancer ARN/ },
      { name: 'describe an unknown name', call: () => elb.send(new ELB.DescribeLoadBalancersCommand({ Names: ['nope'] })), code: 'LoadBalancerNotFound' },
      { name: 'describe 21 ARNs', call: () => elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: Array.from({ length: 21 }, () => lbArn) })), code: 'ValidationError' },
      { name: 'a bad marker', call: () => elb.send(new ELB.DescribeLoadBalancersCommand({ Marker: 'bogus' })), code: 'ValidationError' },
      // load balancer attributes
      { name: 'unknown load balancer attribute', call: () => elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'nope.enabled', Value: 'true' }] })), code: 'InvalidConfigurationRequest', message: /not supported/ },
      { name: 'ALB attribute on an NLB', call: () => elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }] })), code: 'InvalidConfigurationRequest', message: /type 'network'/ },
      { name: 'non-boolean value', call: () => elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'yes' }] })), code: 'InvalidConfigurationRequest', message: /'true' or 'false'/ },
      { name: 'bad routing policy', call: () => elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'dns_record.client_routing_policy', Value: 'nearest' }] })), code: 'InvalidConfigurationRequest' },
      // target groups
      { name: 'HTTP target group', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Protocol: 'HTTP' }))), code: 'ValidationError', message: /Application Load Balancer/ },
      { name: 'lambda target type', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ TargetType: 'lambda', Protocol: undefined, Port: undefined, VpcId: undefined }))), code: 'ValidationError', message: /lambda/ },
      { name: 'GENEVE on a port other than 6081', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Protocol: 'GENEVE', Port: 80 }))), code: 'ValidationError', message: /6081/ },
      { name: 'target group name with a dot', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Name: 'a.b' }))), code: 'ValidationError' },
      { name: 'target group without a port', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Port: undefined }))), code: 'ValidationError', message: /port/ },
      { name: 'same target group name, other port', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Name: 'tcp', Port: 81 }))), code: 'DuplicateTargetGroupName' },
      { name: 'unknown VPC', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ VpcId: 'vpc-0123456789abcdef0' }))), code: 'ValidationError', message: /VPC/ },
      { name: "another account's VPC", call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ VpcId: bNet.vpcId }))), code: 'ValidationError', message: /VPC/ },
      { name: 'health check path with TCP checks', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ HealthCheckPath: '/x' }))), code: 'ValidationError', message: /HTTP and HTTPS/ },
      { name: 'health check timeout not below the interval', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 }))), code: 'ValidationError', message: /smaller than the interval/ },
      { name: 'health checks disabled on ip targets', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ HealthCheckEnabled: false }))), code: 'InvalidConfigurationRequest' },
      { name: 'bad matcher', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ HealthCheckProtocol: 'HTTP', Matcher: { HttpCode: '100-700' } }))), code: 'ValidationError', message: /matcher/ },
      { name: 'UDP health checks', call: () => elb.send(new ELB.CreateTargetGroupCommand(tgIn({ HealthCheckProtocol: 'UDP' }))), code: 'ValidationError' },
      { name: 'deregistration delay over 3600', call: () => elb.send(new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '4000' }] })), code: 'InvalidConfigurationRequest', message: /0 to 3600/ },
      { name: 'client IP preservation off for UDP', call: () => elb.send(new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: udpTgArn, Attributes: [{ Key: 'preserve_client_ip.enabled', Value: 'false' }] })), code: 'InvalidConfigurationRequest' },
      { name: 'ALB stickiness type', call: () => elb.send(new ELB.ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'stickiness.type', Value: 'lb_cookie' }] })), code: 'InvalidConfigurationRequest' },
      { name: 'delete a target group in use', call: () => elb.send(new ELB.DeleteTargetGroupCommand({ TargetGroupArn: tgArn })), code: 'ResourceInUse' },
      // targets
      { name: 'public IP target', call: () => elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '8.8.8.8', AvailabilityZone: 'all' }] })), code: 'InvalidTarget', message: /public/ },
      { name: 'private IP outside the VPC without an AZ', call: () => elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '192.168.1.1' }] })), code: 'ValidationError', message: /AvailabilityZone/ },
      { name: 'target that is not an IP', call: () => elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: 'i-0123456789abcdef0' }] })), code: 'InvalidTarget' },
      { name: 'IP in the VPC but in no subnet', call: () => elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.200.1' }] })), code: 'InvalidTarget', message: /none of its subnets/ },
      { name: 'bad AvailabilityZone', call: () => elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '192.168.1.1', AvailabilityZone: 'mars-1a' }] })), code: 'ValidationError' },
      // listeners
      { name: 'TCP listener to a UDP target group', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 81, DefaultActions: fwd(udpTgArn) })), code: 'IncompatibleProtocols' },
      { name: 'TCP_UDP listener to a TCP target group', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP_UDP', Port: 82, DefaultActions: fwd(tgArn) })), code: 'IncompatibleProtocols' },
      { name: 'TLS listener', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TLS', Port: 443, DefaultActions: fwd(tcpudpTgArn) })), code: 'UnsupportedProtocol', message: /TLS/ },
      { name: 'HTTP listener', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'HTTP', Port: 80, DefaultActions: fwd(tcpudpTgArn) })), code: 'UnsupportedProtocol' },
      { name: 'listener without a protocol', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Port: 83, DefaultActions: fwd(tcpudpTgArn) })), code: 'ValidationError' },
      { name: 'duplicate listener port', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: fwd(tcpudpTgArn) })), code: 'DuplicateListener' },
      { name: 'target group of another VPC', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 84, DefaultActions: fwd(otherVpcTgArn) })), code: 'InvalidConfigurationRequest', message: /VPC/ },
      { name: 'target group already used by another load balancer', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 85, DefaultActions: fwd(tgArn) })), code: 'TargetGroupAssociationLimit' },
      { name: 'redirect action', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 86, DefaultActions: [{ Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301' } }] })), code: 'InvalidLoadBalancerAction' },
      { name: 'two default actions', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 87, DefaultActions: [...fwd(tcpudpTgArn), ...fwd(tcpudpTgArn)] })), code: 'ValidationError' },
      { name: 'unknown target group', call: () => elb.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lb2Arn, Protocol: 'TCP', Port: 88, DefaultActions: fwd(tgArn.replace(/[0-9a-f]{16}$/, '0000000000000000')) })), code: 'TargetGroupNotFound' },
      { name: 'modify to an incompatible protocol', call: () => elb.send(new ELB.ModifyListenerCommand({ ListenerArn: listenerArn, Protocol: 'UDP' })), code: 'IncompatibleProtocols' },
      { name: 'idle timeout below 60', call: () => elb.send(new ELB.ModifyListenerAttributesCommand({ ListenerArn: listenerArn, Attributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '10' }] })), code: 'InvalidConfigurationRequest', message: /60 to 6000/ },
      { name: 'describe listeners without a filter', call: () => elb.send(new ELB.DescribeListenersCommand({})), code: 'ValidationError' },
      { name: 'unknown listener', call: () => elb.send(new ELB.DeleteListenerCommand({ ListenerArn: listenerArn.replace(/[0-9a-f]{16}$/, '0000000000000000') })), code: 'ListenerNotFound' },
      // tags
      { name: 'tag an unknown target group', call: () => elb.send(new ELB.AddTagsCommand({ ResourceArns: [tgArn.replace(/[0-9a-f]{16}$/, '0000000000000000')], Tags: [{ Key: 'a', Value: 'b' }] })), code: 'TargetGroupNotFound' },
      { name: 'tag an unknown listener', call: () => elb.send(new ELB.AddTagsCommand({ ResourceArns: [listenerArn.replace(/[0-9a-f]{16}$/, '0000000000000000')], Tags: [{ Key: 'a', Value: 'b' }] })), code: 'ListenerNotFound' },
      { name: 'tag past 50', call: () => elb.send(new ELB.AddTagsCommand({ ResourceArns: [lbArn], Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `t${i}`, Value: 'v' })) })), code: 'TooManyTags' },
      { name: 'duplicate keys in AddTags', call: () => elb.send(new ELB.AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] })), code: 'DuplicateTagKeys' },
      { name: 'describe tags of 21 resources', call: () => elb.send(new ELB.DescribeTagsCommand({ ResourceArns: Array.from({ length: 21 }, () => lbArn) })), code: 'ValidationError' },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        await rejectsWith(c.call(), c.code, c.message);
      });
    }

    it('left nothing half-written behind', async () => {
      const lbs = (await elb.send(new ELB.DescribeLoadBalancersCommand({}))).LoadBalancers!;
      assert.deepEqual(lbs.map((l) => l.LoadBalancerName), ['main', 'second']);
      const tgs = (await elb.send(new ELB.DescribeTargetGroupsCommand({}))).TargetGroups!;
      assert.deepEqual(tgs.map((t) => t.TargetGroupName), ['tcp', 'udp', 'tcpudp', 'elsewhere']);
      const enis = await server.store.transaction(false, (tx) => tx.list('network-interface', A));
      assert.equal(enis.length, 3, 'one node ENI per subnet of the two load balancers, none from failed creates');
      const tgDoc = await server.store.transaction(false, (tx) => tx.get('target-group', tgArn));
      assert.deepEqual(tgDoc!.targets, []);
    });

    it('idempotent target group create returns the existing group', async () => {
      const again = await elb.send(new ELB.CreateTargetGroupCommand(tgIn({ Name: 'tcp' })));
      assert.equal(again.TargetGroups![0]!.TargetGroupArn, tgArn);
      assert.deepEqual(again.TargetGroups![0]!.LoadBalancerArns, [lbArn]);
    });

    it('paginates with PageSize and Marker', async () => {
      const p1 = await elb.send(new ELB.DescribeTargetGroupsCommand({ PageSize: 3 }));
      assert.equal(p1.TargetGroups!.length, 3);
      assert.ok(p1.NextMarker);
      const p2 = await elb.send(new ELB.DescribeTargetGroupsCommand({ PageSize: 3, Marker: p1.NextMarker }));
      assert.deepEqual(p2.TargetGroups!.map((t) => t.TargetGroupName), ['elsewhere']);
      assert.equal(p2.NextMarker, undefined);
    });

    it('refuses to delete a load balancer an endpoint service uses', async () => {
      const svc: EndpointServiceDoc = {
        kind: 'endpoint-service', id: 'vpce-svc-0123456789abcdef0', account: A, region: REGION, createdAt: new Date().toISOString(), tags: [],
        serviceName: `com.amazonaws.vpce.${REGION}.vpce-svc-0123456789abcdef0`, serviceType: 'Interface', state: 'Available',
        stateChangedAt: new Date().toISOString(), acceptanceRequired: true, networkLoadBalancerArns: [lb2Arn], gatewayLoadBalancerArns: [],
        supportedIpAddressTypes: ['ipv4'], permissions: [],
      };
      await server.store.transaction(true, (tx) => tx.put(svc));
      await rejectsWith(elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: lb2Arn })), 'ResourceInUse', /currently associated with another service/);
      await server.store.transaction(true, (tx) => tx.put({ ...svc, state: 'Deleted' }));
      // A deleted service no longer holds it (the deletion itself is checked in the flow test).
      const still = await elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lb2Arn] }));
      assert.equal(still.LoadBalancers!.length, 1);
    });

    it('another account can neither see nor change the resources', async () => {
      const b = elbClient(server, B);
      assert.deepEqual((await b.send(new ELB.DescribeLoadBalancersCommand({}))).LoadBalancers, []);
      assert.deepEqual((await b.send(new ELB.DescribeTargetGroupsCommand({}))).TargetGroups, []);
      await rejectsWith(b.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })), 'LoadBalancerNotFound');
      await rejectsWith(b.send(new ELB.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn })), 'LoadBalancerNotFound');
      await rejectsWith(b.send(new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn })), 'TargetGroupNotFound');
      await rejectsWith(b.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.1.9' }] })), 'TargetGroupNotFound');
      await rejectsWith(b.send(new ELB.DeleteTargetGroupCommand({ TargetGroupArn: udpTgArn })), 'TargetGroupNotFound');
      await rejectsWith(b.send(new ELB.DescribeListenersCommand({ ListenerArns: [listenerArn] })), 'ListenerNotFound');
      await rejectsWith(b.send(new ELB.CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 99, DefaultActions: fwd(tcpudpTgArn) })), 'LoadBalancerNotFound');
      await rejectsWith(b.send(new ELB.AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'x', Value: 'y' }] })), 'LoadBalancerNotFound');
      await rejectsWith(b.send(new ELB.DescribeTagsCommand({ ResourceArns: [tgArn] })), 'TargetGroupNotFound');
      // B's own load balancer cannot forward to A's target group.
      const bLb = (await b.send(new ELB.CreateLoadBalancerCommand({ Name: 'main', Type: 'network', Subnets: bNet.subnetIds }))).LoadBalancers![0]!;
      assert.match(bLb.LoadBalancerArn!, /:222233334444:loadbalancer\/net\/main\//, 'names are unique per account, not globally');
      await rejectsWith(b.send(new ELB.CreateListenerCommand({ LoadBalancerArn: bLb.LoadBalancerArn!, Protocol: 'TCP', Port: 80, DefaultActions: fwd(tcpudpTgArn) })), 'TargetGroupNotFound');
      // Deleting another account's load balancer answers as for a missing one (success) and deletes nothing.
      await b.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      assert.equal((await elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers!.length, 1);
    });
  });
}
