/** Every operation of the trimmed models is either served or refused with a stated reason. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { substrateHandlers } from '../../src/control/services/substrate/index.js';
import { elbHandlers } from '../../src/control/services/elb/index.js';
import { privatelinkHandlers, privatelinkNotSupported } from '../../src/control/services/privatelink/index.js';
import { route53resolverHandlers } from '../../src/control/services/route53resolver/index.js';
import { EC2_MODEL, ELBV2_MODEL, ROUTE53RESOLVER_MODEL } from '../../src/wire/model.js';

it('EC2: each modelled operation has a handler or a not-supported reason, never both', () => {
  const handlers = { ...substrateHandlers, ...privatelinkHandlers };
  for (const op of Object.keys(EC2_MODEL.operations)) {
    assert.ok(Boolean(handlers[op]) !== Boolean(privatelinkNotSupported[op]), `${op}: handler and reason must be exclusive and one present`);
  }
  for (const op of Object.keys(handlers)) assert.ok(EC2_MODEL.operations[op], `${op} has a handler but is not in the trimmed model`);
});

it('ELBv2: each modelled operation has a handler', () => {
  for (const op of Object.keys(ELBV2_MODEL.operations)) assert.ok(elbHandlers[op], `${op} has no handler`);
  for (const op of Object.keys(elbHandlers)) assert.ok(ELBV2_MODEL.operations[op], `${op} has a handler but is not in the trimmed model`);
});

it('the models know every operation name of their API', () => {
  assert.ok(EC2_MODEL.allOperations.includes('RunInstances') && EC2_MODEL.allOperations.length > 500);
  assert.ok(ELBV2_MODEL.allOperations.includes('CreateRule'));
  for (const op of Object.keys(EC2_MODEL.operations)) assert.ok(EC2_MODEL.allOperations.includes(op));
});

it('Route 53 Resolver: each modelled operation has a handler, and the model knows the whole API', () => {
  for (const op of Object.keys(ROUTE53RESOLVER_MODEL.operations)) assert.ok(route53resolverHandlers[op], `${op} has no handler`);
  for (const op of Object.keys(route53resolverHandlers)) assert.ok(ROUTE53RESOLVER_MODEL.operations[op], `${op} has a handler but is not in the trimmed model`);
  assert.ok(ROUTE53RESOLVER_MODEL.allOperations.includes('CreateFirewallRule') && ROUTE53RESOLVER_MODEL.allOperations.length > 50);
  assert.equal(ROUTE53RESOLVER_MODEL.metadata.protocol, 'json');
  assert.equal(ROUTE53RESOLVER_MODEL.metadata.targetPrefix, 'Route53Resolver');
});
