/** The JSON 1.1 codec (src/wire/json-codec.ts) against the trimmed Route 53 Resolver model: decode checks, encode by the model. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../src/core/errors.js';
import { JsonCodec } from '../../src/wire/json-codec.js';
import { EC2_MODEL, ROUTE53RESOLVER_MODEL } from '../../src/wire/model.js';

const codec = new JsonCodec(ROUTE53RESOLVER_MODEL);

describe('JsonCodec', () => {
  it('names the protocol and the operations of X-Amz-Target', () => {
    assert.equal(codec.contentType, 'application/x-amz-json-1.1');
    assert.equal(codec.operationOf('Route53Resolver.GetResolverRule'), 'GetResolverRule');
    assert.equal(codec.operationOf('Route53ResolverX.GetResolverRule'), undefined);
    assert.throws(() => new JsonCodec(EC2_MODEL), /JSON-protocol model/);
  });

  const rows: Array<{ op: string; body: string; code?: string; message?: RegExp; want?: unknown }> = [
    { op: 'ListResolverRules', body: '', want: {} },
    { op: 'ListResolverRules', body: '{"MaxResults":5,"Unknown":1,"Filters":null}', want: { MaxResults: 5 } },
    { op: 'GetResolverRule', body: '{"ResolverRuleId":"rslvr-rr-1"}', want: { ResolverRuleId: 'rslvr-rr-1' } },
    { op: 'GetResolverRule', body: '{"ResolverRuleId":""}', code: 'ValidationException', message: /'resolverRuleId' failed to satisfy constraint: Member must have length greater than or equal to 1/ },
    { op: 'GetResolverRule', body: '{"ResolverRuleId":5}', code: 'SerializationException' },
    { op: 'CreateResolverRule', body: '{"CreatorRequestId":"x","RuleType":"FORWARD","TargetIps":[{"Ip":"1.2.3.4","Port":70000}]}', code: 'ValidationException', message: /'targetIps\.1\.member\.port'.*less than or equal to 65535/ },
    { op: 'CreateResolverRule', body: '{"CreatorRequestId":"x","RuleType":"FORWARD","TargetIps":[]}', code: 'ValidationException', message: /'targetIps'/ },
    { op: 'CreateResolverEndpoint', body: '{"CreatorRequestId":"x","Direction":"INBOUND","SecurityGroupIds":["sg-1"]}', code: 'ValidationException', message: /'ipAddresses'.*must not be null/ },
    { op: 'ListResolverRules', body: 'null', code: 'SerializationException' },
  ];
  for (const row of rows) {
    it(`decode ${row.op} ${row.body || '(empty)'}`, () => {
      if (row.code) {
        assert.throws(() => codec.decode(row.op, row.body), (e: unknown) => isApiError(e) && e.code === row.code && (!row.message || row.message.test(e.message)));
      } else {
        assert.deepEqual(codec.decode(row.op, row.body), row.want);
      }
    });
  }

  it('encodes only modelled members, leaving absent ones out', () => {
    const body = codec.encode('GetResolverRuleAssociation', { ResolverRuleAssociation: { Id: 'a', VPCId: 'vpc-1', Status: 'COMPLETE', internal: 1, Name: undefined } });
    assert.equal(body, '{"ResolverRuleAssociation":{"Id":"a","VPCId":"vpc-1","Status":"COMPLETE"}}');
    assert.equal(codec.encodeError('ResourceNotFoundException', 'no'), '{"__type":"ResourceNotFoundException","message":"no"}');
  });
});
