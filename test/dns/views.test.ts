/** `compileViews` and `lookup`: zones per VPC, wildcards, the CNAME decision, flags, and that the views are frozen. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ancestors, asciiLower, compileViews, lookup } from '../../src/dns/views.js';
import { CONSUMER, EP, NO_DNS, REGIONAL, views, WILD, WILD_REGIONAL, world } from './fixture.js';

describe('compileViews', () => {
  const v = views();
  it('public names exact, lower case; private zones per VPC', () => {
    assert.equal(v.public.get(REGIONAL)?.kind, 'regional');
    assert.deepEqual([...v.vpcs.get(CONSUMER)!.zones.keys()], ['api.example.com']);
    assert.deepEqual([...v.vpcs.get(WILD)!.zones.keys()].sort(), ['db.wild.example.net', 'wild.example.net']);
    assert.equal(v.vpcs.get(WILD)!.zones.get('wild.example.net')!.wildcard!.name, '*.wild.example.net');
  });
  it('a private name is a CNAME to its endpoint\'s regional name when the addresses agree, else answers them itself', () => {
    assert.equal(v.vpcs.get(CONSUMER)!.zones.get('api.example.com')!.apexRecord!.cname, REGIONAL);
    assert.equal(v.vpcs.get(WILD)!.zones.get('wild.example.net')!.wildcard!.cname, WILD_REGIONAL);
    assert.equal(v.vpcs.get(WILD)!.zones.get('db.wild.example.net')!.apexRecord!.cname, undefined);
    const w = world();
    const merged = w.dnsRecords.map((r) => (r.name === 'api.example.com' ? { ...r, a: [...r.a, '10.0.3.5'] } : r));
    const m = compileViews(merged, w.networks);
    assert.equal(m.vpcs.get(CONSUMER)!.zones.get('api.example.com')!.apexRecord!.cname, undefined);
  });
  it('keeps the VPC flags and resolver address', () => {
    assert.deepEqual([v.vpcs.get(NO_DNS)!.enableDnsSupport, v.vpcs.get(CONSUMER)!.enableDnsSupport, v.vpcs.get(CONSUMER)!.resolverIp], [false, true, '10.0.0.2']);
  });
  it('is frozen and does not share arrays with its input', () => {
    const w = world();
    const x = compileViews(w.dnsRecords, w.networks);
    assert.ok(Object.isFrozen(x) && Object.isFrozen(x.public.get(REGIONAL)) && Object.isFrozen(x.public.get(REGIONAL)!.a));
    w.dnsRecords.find((r) => r.name === REGIONAL)!.a.push('1.2.3.4');
    assert.equal(x.public.get(REGIONAL)!.a.length, 2);
  });
  it('names are case-insensitive in ASCII only (no Unicode folding)', () => {
    assert.equal(asciiLower('API.Example.COM'), 'api.example.com');
    assert.equal(asciiLower('\u212Aey'), '\u212Aey'); // KELVIN SIGN lower-cases to "k" in Unicode, not here
  });
  it('ancestors, nearest first', () => {
    assert.deepEqual([...ancestors('a.b.c')], ['b.c', 'c']);
    assert.deepEqual([...ancestors('c')], []);
  });
  it('lookup: the most specific zone decides, with no fallback', () => {
    const vpc = v.vpcs.get(WILD)!;
    assert.equal(lookup(v, vpc, 'x.db.wild.example.net').kind, 'nxdomain');
    assert.equal(lookup(v, vpc, 'x.y.wild.example.net').kind, 'record');
    assert.equal(lookup(v, undefined, 'x.y.wild.example.net').kind, 'none');
    assert.equal(lookup(v, v.vpcs.get(CONSUMER), REGIONAL).kind, 'record');
    const r = lookup(v, v.vpcs.get(CONSUMER), 'api.example.com');
    assert.ok(r.kind === 'record' && r.record.endpointId === EP && r.scope === 'private');
  });
});
