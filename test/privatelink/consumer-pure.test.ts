/** Pure parts of the consumer side: DNS names (golden strings) and endpoint policies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/core/errors.js';
import {
  dnsEntriesFor, madeUpZoneId, privateHostedZoneId, vpceHostedZoneId,
} from '../../src/control/services/privatelink/consumer/dns.js';
import {
  DEFAULT_GATEWAY_POLICY, DEFAULT_INTERFACE_POLICY, MAX_POLICY_LENGTH, validatePolicyDocument,
} from '../../src/control/services/privatelink/consumer/policy.js';

const iface = (az: string, n: number) => ({
  subnetId: `subnet-${n}`, networkInterfaceId: `eni-${n}`, availabilityZone: az,
  availabilityZoneId: `use1-az${n}`, privateIpAddress: `10.0.${n}.4`,
});

const endpoint = {
  id: 'vpce-0f89a33420c1931d7',
  type: 'Interface' as const,
  dnsSuffix: 'bluzidnv',
  privateDnsEnabled: false,
  interfaces: [iface('us-east-1a', 1), iface('us-east-1b', 2)],
};
const service = { id: 'vpce-svc-071afff70666e61e0', privateDnsName: undefined as string | undefined };

describe('dnsEntriesFor', () => {
  it('regional first, then the zonal names (zone b before a, as AWS lists them), one hosted zone', () => {
    assert.deepEqual(dnsEntriesFor(endpoint, service, 'us-east-1'), [
      { DnsName: 'vpce-0f89a33420c1931d7-bluzidnv.vpce-svc-071afff70666e61e0.us-east-1.vpce.amazonaws.com', HostedZoneId: 'Z7HUB22UULQXV' },
      { DnsName: 'vpce-0f89a33420c1931d7-bluzidnv-us-east-1b.vpce-svc-071afff70666e61e0.us-east-1.vpce.amazonaws.com', HostedZoneId: 'Z7HUB22UULQXV' },
      { DnsName: 'vpce-0f89a33420c1931d7-bluzidnv-us-east-1a.vpce-svc-071afff70666e61e0.us-east-1.vpce.amazonaws.com', HostedZoneId: 'Z7HUB22UULQXV' },
    ]);
  });

  it('us-east-2 uses AWS\'s zone id; other regions a stable made-up Route 53-style id', () => {
    assert.equal(vpceHostedZoneId('us-east-2'), 'ZC8PG0KIFKBRI');
    const west = vpceHostedZoneId('eu-west-1');
    assert.match(west, /^Z[A-Z0-9]{13}$/);
    assert.equal(west, vpceHostedZoneId('eu-west-1'));
    assert.notEqual(west, vpceHostedZoneId('eu-west-2'));
    assert.equal(dnsEntriesFor(endpoint, service, 'eu-west-1')[0]!.DnsName,
      'vpce-0f89a33420c1931d7-bluzidnv.vpce-svc-071afff70666e61e0.eu-west-1.vpce.amazonaws.com');
  });

  it('adds the private DNS name last, in its own private hosted zone, only when enabled', () => {
    const named = { ...service, privateDnsName: 'api.example.com' };
    assert.equal(dnsEntriesFor(endpoint, named, 'us-east-1').length, 3);
    const entries = dnsEntriesFor({ ...endpoint, privateDnsEnabled: true }, named, 'us-east-1');
    assert.equal(entries.length, 4);
    assert.deepEqual(entries[3], { DnsName: 'api.example.com', HostedZoneId: privateHostedZoneId(endpoint.id) });
    assert.notEqual(entries[3]!.HostedZoneId, 'Z7HUB22UULQXV');
    assert.match(privateHostedZoneId(endpoint.id), /^Z[A-Z0-9]{13}$/);
  });

  it('one zonal name per zone, none for gateway or GWLB endpoints', () => {
    assert.equal(dnsEntriesFor({ ...endpoint, interfaces: [] }, service, 'us-east-1').length, 1);
    assert.deepEqual(dnsEntriesFor({ ...endpoint, type: 'Gateway' }, service, 'us-east-1'), []);
    assert.deepEqual(dnsEntriesFor({ ...endpoint, type: 'GatewayLoadBalancer' }, service, 'us-east-1'), []);
    assert.deepEqual(dnsEntriesFor(endpoint, undefined, 'us-east-1'), []);
  });

  it('made-up zone ids depend on their seed only', () => {
    assert.equal(madeUpZoneId('a'), madeUpZoneId('a'));
    assert.notEqual(madeUpZoneId('a'), madeUpZoneId('b'));
  });
});

describe('endpoint policies', () => {
  it('the defaults are AWS\'s strings byte for byte', () => {
    assert.equal(DEFAULT_INTERFACE_POLICY,
      '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}');
    assert.deepEqual(JSON.parse(DEFAULT_INTERFACE_POLICY), { Statement: [{ Action: '*', Effect: 'Allow', Principal: '*', Resource: '*' }] });
    assert.equal(DEFAULT_GATEWAY_POLICY, '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}');
  });

  it('accepts a valid policy verbatim', () => {
    const p = '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["s3:*"],"Resource":"*"}}';
    assert.equal(validatePolicyDocument(p), p);
    assert.equal(validatePolicyDocument(DEFAULT_INTERFACE_POLICY), DEFAULT_INTERFACE_POLICY);
    assert.equal(validatePolicyDocument(DEFAULT_GATEWAY_POLICY), DEFAULT_GATEWAY_POLICY);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"Statement": [', /not valid JSON/],
    ['empty', '   ', /empty/],
    ['an array', '[]', /JSON object/],
    ['no Statement', '{"Version":"2012-10-17"}', /no Statement/],
    ['empty Statement', '{"Statement":[]}', /empty list/],
    ['bad Effect', '{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}', /Effect/],
    ['no Principal', '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', /no Principal/],
    ['no Action', '{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}', /no Action/],
    ['bad Version', '{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}', /Version/],
    ['too long', `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Sid":"${'x'.repeat(MAX_POLICY_LENGTH)}"}]}`, /maximum is 20480/],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses a policy: ${name}`, () => {
      assert.throws(() => validatePolicyDocument(text), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, 'InvalidPolicyDocument');
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
