/**
 * From the store to an answer: the private-DNS scenarios of test/reconcile/scenarios.ts compiled
 * by `compileDesiredState`, their views compiled, and `api.example.com` asked in each VPC.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerQuery, type Where } from '../../src/dns/answer.js';
import { compileViews } from '../../src/dns/views.js';
import { compileDesiredState } from '../../src/reconcile/compile.js';
import { privateDns, privateDnsPending } from '../reconcile/scenarios.js';
import { CONSUMER, PROVIDER, query, REGIONAL } from './fixture.js';

function resolve(docs: ReturnType<typeof privateDns>, where: Where, name: string): string[] | string {
  const s = compileDesiredState(docs, 1);
  const r = answerQuery(compileViews(s.dnsRecords, s.networks), where, query({ name }));
  if (r.kind !== 'reply') return r.kind;
  return (dnsPacket.decode(r.packet).answers ?? []).map((a) => `${a.type} ${'data' in a ? String(a.data) : ''}`);
}

describe('desired state → views → answer', () => {
  it('verified and enabled: api.example.com is the endpoint in the consumer VPC, public DNS elsewhere', () => {
    assert.deepEqual(resolve(privateDns(), { vpcId: CONSUMER }, 'api.example.com'), [`CNAME ${REGIONAL}`, 'A 10.0.1.5', 'A 10.0.2.5']);
    assert.equal(resolve(privateDns(), { vpcId: PROVIDER }, 'api.example.com'), 'forward');
    assert.equal(resolve(privateDns(), { host: true }, 'api.example.com'), 'forward');
  });
  it('pendingVerification: forwarded in the consumer VPC too; the regional name still answers', () => {
    assert.equal(resolve(privateDnsPending(), { vpcId: CONSUMER }, 'api.example.com'), 'forward');
    assert.deepEqual(resolve(privateDnsPending(), { vpcId: CONSUMER }, REGIONAL), ['A 10.0.1.5', 'A 10.0.2.5']);
  });
  it('enableDnsSupport turned off in the consumer VPC: its resolver is silent', () => {
    const docs = privateDns();
    docs.vpcs.find((x) => x.id === CONSUMER)!.enableDnsSupport = false;
    assert.equal(resolve(docs, { vpcId: CONSUMER }, REGIONAL), 'drop');
  });
  it('enableDnsHostnames off: the public names only', () => {
    const docs = privateDns();
    docs.vpcs.find((x) => x.id === CONSUMER)!.enableDnsHostnames = false;
    assert.equal(resolve(docs, { vpcId: CONSUMER }, 'api.example.com'), 'forward');
    assert.deepEqual(resolve(docs, { vpcId: CONSUMER }, REGIONAL), ['A 10.0.1.5', 'A 10.0.2.5']);
  });
});
