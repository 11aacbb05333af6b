/**
 * The NLB workflow through @aws-sdk/client-elastic-load-balancing-v2 against a real server, on
 * every store back-end: load balancer, target group, listener, targets and their health, the
 * attributes with their defaults, tags, draining, deletion; and a gateway load balancer. The VPCs
 * and subnets come from the EC2 API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as EC2 from '@aws-sdk/client-ec2';
import * as ELB from '@aws-sdk/client-elastic-load-balancing-v2';
import { DIALECTS, eventually } from '../support/harness.js';
import { REGION, ec2Client, elbClient, rejectsWith, seedNetwork, startElbServer } from './fixtures.js';

const ACCOUNT = '000000000000';

for (const dialect of DIALECTS) {
  describe(`ELBv2 network load balancer flow (${dialect})`, () => {
    it('creates an NLB, target group, listener and targets, field by field, and tears them down', async (t) => {
      const server = await startElbServer(t, dialect);
      const elb = elbClient(server);
      const net = await seedNetwork(server, ACCOUNT, '10.0.0.0/16', [['10.0.1.0/24', 'us-east-1a'], ['10.0.2.0/24', 'us-east-1b'], ['10.0.3.0/24', 'us-east-1c']]);

      // --- load balancer
      const created = await elb.send(new ELB.CreateLoadBalancerCommand({
        Name: 'svc-nlb', Type: 'network', Scheme: 'internal',
        SubnetMappings: [{ SubnetId: net.subnetIds[0] }, { SubnetId: net.subnetIds[1], PrivateIPv4Address: '10.0.2.50' }],
        Tags: [{ Key: 'team', Value: 'core' }],
      }));
      const lb = created.LoadBalancers![0]!;
      const m = /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/net\/svc-nlb\/([0-9a-f]{16})$/.exec(lb.LoadBalancerArn!);
      assert.ok(m, lb.LoadBalancerArn);
      assert.equal(lb.DNSName, `svc-nlb-${m[1]}.elb.us-east-1.amazonaws.com`);
      assert.equal(lb.CanonicalHostedZoneId, 'Z26RNL4JYFTOTI');
      assert.equal(lb.LoadBalancerName, 'svc-nlb');
      assert.equal(lb.Scheme, 'internal');
      assert.equal(lb.Type, 'network');
      assert.equal(lb.VpcId, net.vpcId);
      assert.equal(lb.IpAddressType, 'ipv4');
      assert.deepEqual(lb.State, { Code: 'provisioning' });
      assert.ok(lb.CreatedTime instanceof Date && Math.abs(lb.CreatedTime.getTime() - Date.now()) < 60_000);
      assert.equal(lb.SecurityGroups, undefined);
      assert.deepEqual(lb.AvailabilityZones, [
        { ZoneName: 'us-east-1a', SubnetId: net.subnetIds[0], LoadBalancerAddresses: [{ PrivateIPv4Address: '10.0.1.4' }] },
        { ZoneName: 'us-east-1b', SubnetId: net.subnetIds[1], LoadBalancerAddresses: [{ PrivateIPv4Address: '10.0.2.50' }] },
      ]);
      const lbArn = lb.LoadBalancerArn!;

      // One requester-managed node ENI per subnet, owned by the load balancer.
      const enis = await server.store.transaction(false, (tx) => tx.list('network-interface', ACCOUNT));
      assert.deepEqual(enis.map((e) => [e.subnetId, e.privateIpAddress, e.interfaceType, e.requesterId, e.description, e.ownerResourceId]), [
        [net.subnetIds[0], '10.0.1.4', 'network_load_balancer', 'amazon-elb', `ELB net/svc-nlb/${m[1]}`, lbArn],
        [net.subnetIds[1], '10.0.2.50', 'network_load_balancer', 'amazon-elb', `ELB net/svc-nlb/${m[1]}`, lbArn],
      ]);

      // Idempotent create with identical settings returns the same load balancer.
      const again = await elb.send(new ELB.CreateLoadBalancerCommand({
        Name: 'svc-nlb', Type: 'network', Scheme: 'internal', Subnets: [net.subnetIds[1]!, net.subnetIds[0]!],
      }));
      assert.equal(again.LoadBalancers![0]!.LoadBalancerArn, lbArn);

      await eventually(async () => {
        const d = await elb.send(new ELB.DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
        return d.LoadBalancers![0]!.State!.Code === 'active';
      });
      const byName = await elb.send(new ELB.DescribeLoadBalancersCommand({ Names: ['svc-nlb'] }));
      assert.equal(byName.LoadBalancers!.length, 1);
      assert.equal(byName.LoadBalancers![0]!.DNSName, lb.DNSName);

      // --- load balancer attributes: every key with its default, then a round trip
      const lbAttrs = await elb.send(new ELB.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }));
      assert.deepEqual(Object.fromEntries(lbAttrs.Attributes!.map((a) => [a.Key, a.Value])), {
        'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '',
        'deletion_protection.enabled': 'false', 'load_balancing.cross_zone.enabled': 'false',
        'ipv6.deny_all_igw_traffic': 'true', 'dns_record.client_routing_policy': 'any_availability_zone',
        'zonal_shift.config.enabled': 'false', 'secondary_ips.auto_assigned.per_subnet': '0',
      });
      const modLb = await elb.send(new ELB.ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lbArn, Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
      }));
      assert.equal(modLb.Attributes!.find((a) => a.Key === 'load_balancing.cross_zone.enabled')!.Value, 'true');
      const lbAttrs2 = await elb.send(new ELB.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }));
      assert.equal(lbAttrs2.Attributes!.find((a) => a.Key === 'load_balancing.cross_zone.enabled')!.Value, 'true');
      assert.equal(lbAttrs2.Attributes!.find((a) => a.Key === 'deletion_protection.enabled')!.Value, 'false');

      // --- target group
      const tgOut = await elb.send(new ELB.CreateTargetGroupCommand({
        Name: 'svc-targets', Protocol: 'TCP', Port: 8080, VpcId: net.vpcId, TargetType: 'ip',
      }));
      const tg = tgOut.TargetGroups![0]!;
      assert.match(tg.TargetGroupArn!, /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/svc-targets\/[0-9a-f]{16}$/);
      assert.deepEqual({ ...tg, TargetGroupArn: undefined }, {
        TargetGroupArn: undefined, TargetGroupName: 'svc-targets', Protocol: 'TCP', Port: 8080, VpcId: net.vpcId,
        HealthCheckProtocol: 'TCP', HealthCheckPort: 'traffic-port', HealthCheckEnabled: true,
        HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2,
        LoadBalancerArns: [], TargetType: 'ip', IpAddressType: 'ipv4',
      });
      const tgArn = tg.TargetGroupArn!;
      const tgAttrs = await elb.send(new ELB.DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }));
      const tgAttrMap = Object.fromEntries(tgAttrs.Attributes!.map((a) => [a.Key, a.Value]));
      assert.equal(tgAttrMap['deregistration_delay.timeout_seconds'], '300');
      assert.equal(tgAttrMap['proxy_protocol_v2.enabled'], 'false');
      assert.equal(tgAttrMap['preserve_client_ip.enabled'], 'false', 'ip target groups with TCP do not preserve client IPs by default');
      assert.equal(tgAttrMap['deregistration_delay.connection_termination.enabled'], 'false');
      assert.equal(tgAttrMap['stickiness.enabled'], 'false');
      assert.equal(tgAttrMap['stickiness.type'], 'source_ip');
      assert.equal(tgAttrMap['load_balancing.cross_zone.enabled'], 'use_load_balancer_configuration');
      await elb.send(new ELB.ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tgArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '1' }, { Key: 'proxy_protocol_v2.enabled', Value: 'true' }],
      }));
      const tgAttrs2 = Object.fromEntries((await elb.send(new ELB.DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }))).Attributes!.map((a) => [a.Key, a.Value]));
      assert.equal(tgAttrs2['deregistration_delay.timeout_seconds'], '1');
      assert.equal(tgAttrs2['proxy_protocol_v2.enabled'], 'true');

      // Health check changes.
      const modTg = await elb.send(new ELB.ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckProtocol: 'HTTP', HealthCheckPath: '/healthz' }));
      const mt = modTg.TargetGroups![0]!;
      assert.equal(mt.HealthCheckProtocol, 'HTTP');
      assert.equal(mt.HealthCheckPath, '/healthz');
      assert.deepEqual(mt.Matcher, { HttpCode: '200-399' });
      assert.equal(mt.HealthCheckTimeoutSeconds, 6);

      // --- targets before any listener: unused / Target.NotInUse
      await elb.send(new ELB.RegisterTargetsCommand({
        TargetGroupArn: tgArn,
        Targets: [{ Id: '10.0.1.10' }, { Id: '10.0.3.10', Port: 9090 }, { Id: '192.168.7.7', AvailabilityZone: 'all' }],
      }));
      const h0 = await elb.send(new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
      assert.deepEqual(h0.TargetHealthDescriptions!.map((d) => [d.Target!.Id, d.Target!.Port, d.HealthCheckPort, d.TargetHealth!.State, d.TargetHealth!.Reason]), [
        ['10.0.1.10', 8080, '8080', 'unused', 'Target.NotInUse'],
        ['10.0.3.10', 9090, '9090', 'unused', 'Target.NotInUse'],
        ['192.168.7.7', 8080, '8080', 'unused', 'Target.NotInUse'],
      ]);
      assert.equal(h0.TargetHealthDescriptions![0]!.TargetHealth!.Description, 'Target group is not configured to receive traffic from the load balancer');
      assert.deepEqual(h0.TargetHealthDescriptions!.map((d) => d.Target!.AvailabilityZone), ['us-east-1a', 'us-east-1c', 'all']);

      // --- listener
      const lOut = await elb.send(new ELB.CreateListenerCommand({
        LoadBalancerArn: lbArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
      }));
      const listener = lOut.Listeners![0]!;
      assert.equal(listener.ListenerArn, lbArn.replace(':loadbalancer/', ':listener/') + listener.ListenerArn!.slice(-17));
      assert.match(listener.ListenerArn!, /:listener\/net\/svc-nlb\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
      assert.equal(listener.LoadBalancerArn, lbArn);
      assert.equal(listener.Protocol, 'TCP');
      assert.equal(listener.Port, 80);
      assert.equal(listener.DefaultActions![0]!.Type, 'forward');
      assert.equal(listener.DefaultActions![0]!.TargetGroupArn, tgArn);
      assert.deepEqual(listener.DefaultActions![0]!.ForwardConfig!.TargetGroups, [{ TargetGroupArn: tgArn, Weight: 1 }]);
      const listenerArn = listener.ListenerArn!;
      const lAttrs = await elb.send(new ELB.DescribeListenerAttributesCommand({ ListenerArn: listenerArn }));
      assert.deepEqual(lAttrs.Attributes, [{ Key: 'tcp.idle_timeout.seconds', Value: '350' }]);
      await elb.send(new ELB.ModifyListenerAttributesCommand({ ListenerArn: listenerArn, Attributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '600' }] }));
      assert.deepEqual((await elb.send(new ELB.DescribeListenerAttributesCommand({ ListenerArn: listenerArn }))).Attributes,
        [{ Key: 'tcp.idle_timeout.seconds', Value: '600' }]);
      const dl = await elb.send(new ELB.DescribeListenersCommand({ LoadBalancerArn: lbArn }));
      assert.deepEqual(dl.Listeners!.map((l) => l.ListenerArn), [listenerArn]);

      const dtg = await elb.send(new ELB.DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
      assert.deepEqual(dtg.TargetGroups!.map((x) => [x.TargetGroupArn, x.LoadBalancerArns]), [[tgArn, [lbArn]]]);

      // --- in use: initial (registration, then initial health checking) — never healthy;
      // the target in us-east-1c (not enabled on the load balancer) stays unused.
      const health = async () => Object.fromEntries((await elb.send(new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn })))
        .TargetHealthDescriptions!.map((d) => [`${d.Target!.Id}:${d.Target!.Port}`, `${d.TargetHealth!.State}/${d.TargetHealth!.Reason}`]));
      await eventually(async () => (await health())['10.0.1.10:8080'] === 'initial/Elb.InitialHealthChecking');
      assert.deepEqual(await health(), {
        '10.0.1.10:8080': 'initial/Elb.InitialHealthChecking',
        '10.0.3.10:9090': 'unused/Target.NotInUse',
        '192.168.7.7:8080': 'initial/Elb.InitialHealthChecking',
      });
      const one = await elb.send(new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.3.10', Port: 9090 }, { Id: '10.0.2.99' }] }));
      assert.equal(one.TargetHealthDescriptions![0]!.TargetHealth!.Description, 'Target is in an Availability Zone that is not enabled for the load balancer');
      assert.deepEqual(one.TargetHealthDescriptions![1]!.TargetHealth, { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' });

      // --- deregistration: draining for the delay (1 s), then gone; re-registering cancels draining.
      await elb.send(new ELB.DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.1.10' }, { Id: '192.168.7.7' }, { Id: '10.9.9.9' }] }));
      const drained = await health();
      assert.equal(drained['10.0.1.10:8080'], 'draining/Target.DeregistrationInProgress');
      assert.equal(drained['192.168.7.7:8080'], 'draining/Target.DeregistrationInProgress');
      // Without a Port, deregistration means the group's port (8080): 10.0.3.10:9090 stays.
      await elb.send(new ELB.DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.3.10' }] }));
      assert.equal((await health())['10.0.3.10:9090'], 'unused/Target.NotInUse');
      const reRegisteredAt = Date.now();
      await elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '192.168.7.7', AvailabilityZone: 'all' }] }));
      assert.match((await health())['192.168.7.7:8080']!, /^initial\/Elb\.(RegistrationInProgress|InitialHealthChecking)$/);
      const stored = (await server.store.transaction(false, (tx) => tx.get('target-group', tgArn)))!.targets.find((x) => x.id === '192.168.7.7')!;
      assert.equal(stored.drainingUntil, undefined, 're-registering cancels draining');
      assert.ok(new Date(stored.registeredAt).getTime() >= reRegisteredAt - 5, 'registration starts again');
      await eventually(async () => (await health())['10.0.1.10:8080'] === undefined, 5000);
      assert.deepEqual(Object.keys(await health()).sort(), ['10.0.3.10:9090', '192.168.7.7:8080']);

      // --- tags over the three kinds
      await elb.send(new ELB.AddTagsCommand({ ResourceArns: [lbArn, tgArn, listenerArn], Tags: [{ Key: 'env', Value: 'test' }] }));
      await elb.send(new ELB.RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: ['team'] }));
      const tags = await elb.send(new ELB.DescribeTagsCommand({ ResourceArns: [lbArn, tgArn, listenerArn] }));
      assert.deepEqual(tags.TagDescriptions, [
        { ResourceArn: lbArn, Tags: [{ Key: 'env', Value: 'test' }] },
        { ResourceArn: tgArn, Tags: [{ Key: 'env', Value: 'test' }] },
        { ResourceArn: listenerArn, Tags: [{ Key: 'env', Value: 'test' }] },
      ]);

      // --- modify the listener's port, then tear down: the target group is in use until the listener goes.
      const ml = await elb.send(new ELB.ModifyListenerCommand({ ListenerArn: listenerArn, Port: 8443 }));
      assert.equal(ml.Listeners![0]!.Port, 8443);
      await rejectsWith(elb.send(new ELB.DeleteTargetGroupCommand({ TargetGroupArn: tgArn })), 'ResourceInUse', /in use/);
      await elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] }));
      await rejectsWith(elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })), 'OperationNotPermitted', /deletion protection/);
      await elb.send(new ELB.ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
      // The node ENIs keep the subnet in use (EC2 side) until the load balancer goes.
      const ec2 = ec2Client(server);
      await assert.rejects(ec2.send(new EC2.DeleteSubnetCommand({ SubnetId: net.subnetIds[0]! })), (e: Error) => e.name === 'DependencyViolation');
      await elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      await elb.send(new ELB.DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })); // already gone: succeeds, as AWS does
      await ec2.send(new EC2.DeleteSubnetCommand({ SubnetId: net.subnetIds[0]! }));
      await rejectsWith(elb.send(new ELB.DescribeListenersCommand({ ListenerArns: [listenerArn] })), 'ListenerNotFound');
      assert.deepEqual(await server.store.transaction(false, (tx) => tx.list('network-interface', ACCOUNT)), [], 'node ENIs released');
      assert.equal((await health())['10.0.3.10:9090'], 'unused/Target.NotInUse');
      // No listener uses the group any more: deregistration is immediate, nothing to drain.
      await elb.send(new ELB.DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.3.10', Port: 9090 }] }));
      assert.equal((await health())['10.0.3.10:9090'], undefined);
      await elb.send(new ELB.DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
      await rejectsWith(elb.send(new ELB.DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] })), 'TargetGroupNotFound');
      assert.deepEqual((await elb.send(new ELB.DescribeLoadBalancersCommand({}))).LoadBalancers, []);
    });

    it('creates a gateway load balancer with a GENEVE target group and listener', async (t) => {
      // A long state delay: the load balancer stays provisioning, so target registration stays in progress.
      const server = await startElbServer(t, dialect, { stateDelayMs: 600_000 });
      const elb = elbClient(server);
      const net = await seedNetwork(server, ACCOUNT, '10.1.0.0/16', [['10.1.1.0/24', 'us-east-1a']]);
      const lb = (await elb.send(new ELB.CreateLoadBalancerCommand({ Name: 'fw', Type: 'gateway', Subnets: net.subnetIds }))).LoadBalancers![0]!;
      assert.match(lb.LoadBalancerArn!, /:loadbalancer\/gwy\/fw\/[0-9a-f]{16}$/);
      assert.equal(lb.Type, 'gateway');
      assert.equal(lb.DNSName, undefined);
      assert.equal(lb.Scheme, undefined);
      assert.deepEqual(lb.AvailabilityZones, [{ ZoneName: 'us-east-1a', SubnetId: net.subnetIds[0] }]);
      const attrs = await elb.send(new ELB.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
      assert.deepEqual(attrs.Attributes, [{ Key: 'deletion_protection.enabled', Value: 'false' }, { Key: 'load_balancing.cross_zone.enabled', Value: 'false' }]);
      const tg = (await elb.send(new ELB.CreateTargetGroupCommand({ Name: 'fw-targets', Protocol: 'GENEVE', Port: 6081, VpcId: net.vpcId, TargetType: 'ip' }))).TargetGroups![0]!;
      assert.equal(tg.HealthCheckProtocol, 'TCP');
      assert.equal(tg.HealthCheckPort, '80');
      assert.equal(tg.HealthCheckIntervalSeconds, 10);
      assert.equal(tg.HealthCheckTimeoutSeconds, 5);
      const tgAttrs = Object.fromEntries((await elb.send(new ELB.DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn! }))).Attributes!.map((a) => [a.Key, a.Value]));
      assert.equal(tgAttrs['stickiness.type'], 'source_ip_dest_ip_proto');
      assert.equal(tgAttrs['target_failover.on_deregistration'], 'no_rebalance');
      assert.equal(tgAttrs['proxy_protocol_v2.enabled'], undefined);
      await rejectsWith(elb.send(new ELB.CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
      })), 'ValidationError', /no protocol and no port/);
      const l = (await elb.send(new ELB.CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
      }))).Listeners![0]!;
      assert.match(l.ListenerArn!, /:listener\/gwy\/fw\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
      await elb.send(new ELB.RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn!, Targets: [{ Id: '10.1.1.50' }] }));
      const th = await elb.send(new ELB.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }));
      assert.deepEqual(th.TargetHealthDescriptions, [{
        Target: { Id: '10.1.1.50', Port: 6081, AvailabilityZone: 'us-east-1a' }, HealthCheckPort: '80',
        TargetHealth: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' },
      }]);
      assert.equal((await elb.send(new ELB.DescribeLoadBalancersCommand({ Names: ['fw'] }))).LoadBalancers![0]!.State!.Code, 'provisioning');
      assert.equal(l.Protocol, undefined);
      assert.equal(l.Port, undefined);
      const enis = await server.store.transaction(false, (tx) => tx.list('network-interface', ACCOUNT));
      assert.deepEqual(enis.map((e) => [e.interfaceType, e.description.startsWith('ELB gwy/fw/')]), [['gateway_load_balancer', true]]);
      assert.equal(REGION, 'us-east-1');
    });
  });
}
