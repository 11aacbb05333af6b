/** The policy path's address parsers: tables of accepted and refused texts, cross-checked against core/cidr. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipToInt, parseCidr } from '../../src/core/cidr.js';
import { ipv4Of, ipv4ToUint, ipv6ToWords, net6Contains, parseCidr4, parseCidr6 } from '../../src/policy/addresses.js';

describe('ipv4ToUint', () => {
  const table: Array<[string, number]> = [
    ['0.0.0.0', 0], ['10.0.3.4', 0x0a000304], ['255.255.255.255', 0xffffffff], ['192.168.1.1', 0xc0a80101], ['1.2.3.0', 0x01020300],
    ['256.0.0.1', -1], ['1.2.3', -1], ['1.2.3.4.5', -1], ['1.2.3.', -1], ['.1.2.3', -1], ['01.2.3.4', -1], ['1.2.3.04', -1],
    ['1..2.3', -1], ['1.2.3.4 ', -1], ['', -1], ['a.b.c.d', -1], ['1234.1.1.1', -1],
  ];
  for (const [text, want] of table) {
    it(`${JSON.stringify(text)} → ${want}`, () => {
      assert.equal(ipv4ToUint(text), want);
      assert.equal(ipToInt(text) ?? -1, want, 'agrees with core/cidr');
    });
  }
  it('IPv4-mapped IPv6 is IPv4, other IPv6 is not', () => {
    assert.equal(ipv4Of('::ffff:10.0.3.4'), 0x0a000304);
    assert.equal(ipv4Of('::FFFF:10.0.3.4'), 0x0a000304);
    assert.equal(ipv4Of('::1'), -1);
    assert.equal(ipv4Of('::ffff:10.0.3'), -1);
  });
});

describe('ipv6ToWords', () => {
  const table: Array<[string, number[] | undefined]> = [
    ['::', [0, 0, 0, 0]], ['::1', [0, 0, 0, 1]], ['2001:db8::', [0x20010db8, 0, 0, 0]],
    ['2001:db8:0:0:1:0:0:1', [0x20010db8, 0, 0x00010000, 1]], ['fe80::1%eth0', [0xfe800000, 0, 0, 1]],
    ['::ffff:10.0.3.4', [0, 0, 0xffff, 0x0a000304]], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]],
    ['1::2::3', undefined], ['1:2:3:4:5:6:7', undefined], ['1:2:3:4:5:6:7:8:9', undefined], ['12345::', undefined], ['g::', undefined],
    ['1:2:3:4:5:6:7:8::', undefined], ['10.0.0.1', undefined],
  ];
  for (const [text, want] of table) it(`${text}`, () => assert.deepEqual(ipv6ToWords(text), want));
});

describe('CIDRs', () => {
  it('IPv4 ranges agree with core/cidr, and host bits are refused', () => {
    for (const c of ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '192.168.1.7/32', '172.16.0.0/12', '10.0.0.1/16', '10.0.0.0/33', '10.0.0.0']) {
      const core = parseCidr(c);
      const mine = parseCidr4(c);
      assert.deepEqual(mine, core && { lo: core.base, hi: core.base + core.size - 1 }, c);
    }
  });
  it('IPv6 networks contain what they should', () => {
    const net = parseCidr6('2001:db8::/32')!;
    assert.ok(net6Contains(net, ipv6ToWords('2001:db8:ffff::1')!));
    assert.ok(!net6Contains(net, ipv6ToWords('2001:db9::')!));
    const odd = parseCidr6('2001:db8:1:80::/57')!;
    assert.ok(net6Contains(odd, ipv6ToWords('2001:db8:1:ff::1')!));
    assert.ok(!net6Contains(odd, ipv6ToWords('2001:db8:1:7f::1')!));
    assert.ok(net6Contains(parseCidr6('::/0')!, ipv6ToWords('fe80::1')!));
    assert.equal(parseCidr6('2001:db8::1/64'), undefined, 'host bits set');
    assert.equal(parseCidr6('2001:db8::/129'), undefined);
  });
});
