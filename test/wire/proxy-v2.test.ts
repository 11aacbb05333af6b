/**
 * The PROXY protocol codec: the header AWS's NLB sent through PrivateLink (captured bytes from
 * ../shared/reference/aws-privatelink.md §7.4, aws/elastic-load-balancing-tools proprot test),
 * the health-check LOCAL header, round trips, truncations, malformed input and v1 text headers.
 * The codec's own CRC32C loop is checked against @aws-crypto/crc32c (crcWithFieldZeroed) and the capture.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '@aws-crypto/crc32c';
import {
  decodeProxy, decodeProxyV1, decodeProxyV2, encodeProxyV2, nlbHealthCheckProxyV2Header, nlbProxyV2Header,
  proxyV2EncodingLength, ProxyProtocolError, type DecodedProxyHeader, type ProxyDecodeResult, type ProxyErrorReason,
  type ProxyHeader,
} from '../../src/wire/proxy-v2.js';
import { formatIPv6, writeIPv4, writeIPv6 } from '../../src/wire/proxy-v2-addr.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** 100 bytes sent by an NLB to its target for a connection through an interface endpoint. */
const NLB_CAPTURE = hex(`
  0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a
  21 11 00 54
  ac 1f 07 71  ac 1f 0a 1f  c8 f2 00 50
  03 00 04 e8 d6 89 2d
  ea 00 17 01 76 70 63 65 2d 30 38 64 32 62 66 31 35 66 61 63 35 30 30 31 63 39
  04 00 24 ${'00 '.repeat(36)}`);

const NLB_FLOW = {
  source: { address: '172.31.7.113', port: 51442 },
  destination: { address: '172.31.10.31', port: 80 },
  vpceId: 'vpce-08d2bf15fac5001c9',
};

function complete(r: ProxyDecodeResult): { header: DecodedProxyHeader; length: number } {
  if (r.incomplete) assert.fail(`expected a complete header, got incomplete (need ${r.need})`);
  return r;
}

function throwsReason(fn: () => unknown, reason: ProxyErrorReason, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ProxyProtocolError, `expected ProxyProtocolError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.code, 'ERR_PROXY_PROTOCOL');
    assert.match(e.message, message);
    return true;
  });
}

/** CRC32C of a header computed independently of the codec: zero the 4 value bytes at `at`. */
function crcWithFieldZeroed(buf: Buffer, at: number): number {
  const copy = Buffer.from(buf);
  copy.writeUInt32BE(0, at);
  return crc32c(copy);
}

describe('PROXY v2: the header NLB sends through PrivateLink', () => {
  it('our CRC32C reproduces the captured checksum e8 d6 89 2d', () => {
    assert.equal(NLB_CAPTURE.length, 100);
    assert.equal(crcWithFieldZeroed(NLB_CAPTURE, 31).toString(16), 'e8d6892d');
    assert.equal(NLB_CAPTURE.readUInt32BE(31), 0xe8d6892d);
  });

  it('decodes to the consumer address, the endpoint ENI and listener port, and the endpoint id', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n');
    const { header, length } = complete(decodeProxyV2(Buffer.concat([NLB_CAPTURE, payload])));
    assert.equal(length, 100);
    assert.deepEqual(header, {
      version: 2, command: 'PROXY', family: 'ipv4', transport: 'stream',
      source: NLB_FLOW.source, destination: NLB_FLOW.destination,
      vpceId: 'vpce-08d2bf15fac5001c9', crc32c: true, padTo: 100, tlvs: [],
    });
  });

  it('nlbProxyV2Header reproduces the capture byte for byte', () => {
    assert.equal(nlbProxyV2Header(NLB_FLOW).toString('hex'), NLB_CAPTURE.toString('hex'));
  });

  it('re-encoding the decoded header gives the same bytes', () => {
    const { header } = complete(decodeProxyV2(NLB_CAPTURE));
    assert.equal(encodeProxyV2(header).toString('hex'), NLB_CAPTURE.toString('hex'));
    assert.equal(proxyV2EncodingLength(header), 100);
  });

  it('health checks: LOCAL, family byte 0x11, CRC32C then NOOP to 100 bytes, no address block', () => {
    const b = nlbHealthCheckProxyV2Header();
    assert.equal(b.length, 100);
    // 20 11 00 54 03 00 04 <crc> 04 00 4a <74 zeros>
    assert.equal(b.subarray(0, 23).toString('hex'), `${NLB_CAPTURE.subarray(0, 12).toString('hex')}20110054030004${b.subarray(19, 23).toString('hex')}`);
    assert.equal(b.subarray(23, 26).toString('hex'), '04004a');
    assert.ok(b.subarray(26).equals(Buffer.alloc(74)));
    assert.equal(b.readUInt32BE(19), crcWithFieldZeroed(b, 19));
    const { header, length } = complete(decodeProxyV2(b));
    assert.equal(length, 100);
    assert.deepEqual(header, { version: 2, command: 'LOCAL', family: 'ipv4', transport: 'stream', crc32c: true, padTo: 100, tlvs: [] });
  });

  it('IPv6 flows get the same layout padded to 100 bytes', () => {
    const flow = { source: { address: '2600:1f18::7', port: 40000 }, destination: { address: '2600:1f18:0:1::a', port: 443 }, vpceId: NLB_FLOW.vpceId };
    const b = nlbProxyV2Header(flow);
    assert.equal(b.length, 100);
    assert.equal(b.subarray(12, 16).toString('hex'), '21210054');
    assert.equal(b.subarray(52, 55).toString('hex'), '030004'); // CRC first, right after the 36-byte address block
    assert.equal(b.subarray(59, 63).toString('hex'), 'ea001701');
    const { header } = complete(decodeProxyV2(b));
    assert.deepEqual({ s: header.source, d: header.destination, v: header.vpceId, c: header.crc32c }, { s: flow.source, d: flow.destination, v: flow.vpceId, c: true });
  });
});

describe('PROXY v2: round trips', () => {
  const tlv = (type: number, s: string) => ({ type, value: Buffer.from(s) });
  const cases: Array<[string, ProxyHeader, number]> = [
    ['ipv4, nothing else', { command: 'PROXY', source: { address: '10.0.0.1', port: 1 }, destination: { address: '10.0.0.2', port: 65535 } }, 28],
    ['ipv4 + crc32c', { command: 'PROXY', source: { address: '0.0.0.0', port: 0 }, destination: { address: '255.255.255.255', port: 80 }, crc32c: true }, 35],
    ['ipv4 + tlvs + vpce', { command: 'PROXY', source: { address: '192.168.1.10', port: 5000 }, destination: { address: '192.168.1.1', port: 443 }, vpceId: 'vpce-0123456789abcdef0', tlvs: [tlv(0x01, 'h2'), tlv(0x05, 'unique')] }, 28 + 26 + 5 + 9],
    ['ipv4 padded', { command: 'PROXY', source: { address: '1.2.3.4', port: 1111 }, destination: { address: '5.6.7.8', port: 2222 }, crc32c: true, padTo: 64 }, 64],
    ['ipv4 padded with an empty NOOP', { command: 'PROXY', source: { address: '1.2.3.4', port: 1111 }, destination: { address: '5.6.7.8', port: 2222 }, padTo: 31 }, 31],
    ['ipv6', { command: 'PROXY', source: { address: '2001:db8::1', port: 1234 }, destination: { address: 'fe80::abcd:1', port: 22 } }, 52],
    ['ipv6 all options', { command: 'PROXY', family: 'ipv6', source: { address: '::ffff:10.1.2.3', port: 9 }, destination: { address: '1:2:3:4:5:6:7:8', port: 10 }, crc32c: true, vpceId: 'vpce-1', tlvs: [tlv(0xe0, '')], padTo: 120 }, 120],
    ['ipv6 loopback and any', { command: 'PROXY', source: { address: '::1', port: 1 }, destination: { address: '::', port: 2 }, crc32c: true }, 59],
    ['udp over ipv4', { command: 'PROXY', transport: 'dgram', source: { address: '10.0.0.1', port: 53 }, destination: { address: '10.0.0.2', port: 53 } }, 28],
    ['PROXY with unspec family', { command: 'PROXY', family: 'unspec', crc32c: true }, 23],
    ['LOCAL unspec, no TLVs', { command: 'LOCAL' }, 16],
    ['LOCAL ipv4 with vpce', { command: 'LOCAL', family: 'ipv4', vpceId: 'vpce-x', crc32c: true }, 33],
  ];
  for (const [name, h, size] of cases) {
    it(name, () => {
      const b = encodeProxyV2(h);
      assert.equal(b.length, size);
      assert.equal(proxyV2EncodingLength(h), size);
      const payload = Buffer.from('payload after the header');
      const { header, length } = complete(decodeProxyV2(Buffer.concat([b, payload])));
      assert.equal(length, size);
      const family = h.family ?? (h.source ? (h.source.address.includes(':') ? 'ipv6' : 'ipv4') : 'unspec');
      const want: DecodedProxyHeader = { ...h, version: 2, family, transport: h.transport ?? (family === 'unspec' ? 'unspec' : 'stream'), tlvs: h.tlvs ?? [] };
      if (h.padTo === undefined) delete want.padTo;
      assert.deepEqual(header, want);
      assert.ok(encodeProxyV2(header).equals(b), 're-encoding gives the same bytes');
      if (h.crc32c) {
        const at = b.indexOf(Buffer.from([3, 0, 4]), 16 + (h.command === 'PROXY' ? (family === 'ipv4' ? 12 : family === 'ipv6' ? 36 : 0) : 0)) + 3;
        assert.equal(b.readUInt32BE(at), crcWithFieldZeroed(b, at));
      }
    });
  }

  it('encodes into a given buffer at an offset and decodes from an offset', () => {
    const h: ProxyHeader = { command: 'PROXY', source: { address: '10.9.8.7', port: 6 }, destination: { address: '10.1.1.1', port: 7 }, crc32c: true };
    const buf = Buffer.alloc(5 + proxyV2EncodingLength(h) + 3, 0xaa);
    encodeProxyV2(h, buf, 5);
    assert.equal(buf[4], 0xaa);
    assert.equal(buf[buf.length - 3], 0xaa);
    const { header, length } = complete(decodeProxyV2(buf, 5));
    assert.equal(length, 35);
    assert.deepEqual(header.source, h.source);
    throwsReason(() => encodeProxyV2(h, Buffer.alloc(34)), 'too-long', /buffer too small/);
  });

  it('keeps unknown TLVs and non-VPCE AWS subtypes in order', () => {
    const tlvs = [{ type: 0xea, value: Buffer.from([0x02, 1, 2]) }, { type: 0x20, value: Buffer.from([1, 0, 0, 0, 0]) }];
    const b = encodeProxyV2({ command: 'PROXY', source: { address: '1.1.1.1', port: 1 }, destination: { address: '2.2.2.2', port: 2 }, vpceId: 'vpce-a', tlvs });
    const { header } = complete(decodeProxyV2(b));
    assert.equal(header.vpceId, 'vpce-a');
    assert.deepEqual(header.tlvs, tlvs);
  });
});

describe('PROXY v2: partial input', () => {
  const headers: Array<[string, Buffer]> = [
    ['NLB capture', NLB_CAPTURE],
    ['NLB health check', nlbHealthCheckProxyV2Header()],
    ['ipv6 with TLVs', encodeProxyV2({ command: 'PROXY', source: { address: '2001:db8::1', port: 1 }, destination: { address: '2001:db8::2', port: 2 }, crc32c: true, tlvs: [{ type: 5, value: Buffer.from('abc') }] })],
    ['bare LOCAL', encodeProxyV2({ command: 'LOCAL' })],
  ];
  for (const [name, b] of headers) {
    it(`every truncation of the ${name} header is incomplete, with the right need`, () => {
      for (let k = 0; k < b.length; k++) {
        for (const decode of [decodeProxyV2, decodeProxy]) {
          const r = decode(b.subarray(0, k));
          assert.equal(r.incomplete, true, `${k} bytes`);
          assert.equal(r.header, undefined);
          if (decode === decodeProxyV2) assert.equal(r.need, k < 16 ? 16 : b.length, `${k} bytes`);
        }
      }
      assert.equal(complete(decodeProxyV2(b)).length, b.length);
    });
  }
});

describe('PROXY v2: malformed input is refused with a reason', () => {
  const good = (): Buffer => Buffer.from(NLB_CAPTURE);
  const edit = (f: (b: Buffer) => void): Buffer => { const b = good(); f(b); return b; };
  const rows: Array<[string, Buffer, ProxyErrorReason, RegExp]> = [
    ['HTTP instead of a header (early, 3 bytes)', Buffer.from('GET'), 'bad-signature', /byte (0 )?is 0x47/],
    ['last signature byte wrong', edit((b) => { b[11] = 0x0b; }), 'bad-signature', /byte 11/],
    ['version 1 in the binary header', edit((b) => { b[12] = 0x11; }), 'bad-version', /version 1/],
    ['version 3', edit((b) => { b[12] = 0x31; }), 'bad-version', /version 3/],
    ['command 2', edit((b) => { b[12] = 0x22; }), 'bad-command', /command 2/],
    ['AF_UNIX', edit((b) => { b[13] = 0x31; }), 'bad-family', /0x31/],
    ['family 4', edit((b) => { b[13] = 0x41; }), 'bad-family', /0x41/],
    ['transport 3', edit((b) => { b[13] = 0x13; }), 'bad-family', /0x13/],
    ['ipv4 with len 8', Buffer.concat([good().subarray(0, 14), Buffer.from([0, 8]), Buffer.alloc(8)]), 'bad-length', /length 8 is too short for the ipv4 address block \(12 bytes\)/],
    ['ipv6 family on an ipv4-sized block', edit((b) => { b[13] = 0x21; b.writeUInt16BE(20, 14); }), 'bad-length', /too short for the ipv6/],
    ['TLV overrunning the header', edit((b) => { b.writeUInt16BE(0x25, 62); }), 'bad-tlv', /TLV 0x04 at offset 61 has length 37, overrunning the header by 1 byte/],
    ['header length cutting a TLV', Buffer.concat([edit((b) => { b.writeUInt16BE(40, 14); }).subarray(0, 56)]), 'bad-tlv', /TLV 0xea at offset 35 has length 23, overrunning/],
    ['two stray bytes after the TLVs', Buffer.concat([good().subarray(0, 14), Buffer.from([0, 14]), good().subarray(16, 28), Buffer.from([0x05, 0x00])]), 'bad-tlv', /2 stray byte/],
    ['CRC32C TLV of length 3', edit((b) => { b.writeUInt16BE(3, 29); b[34] = 0xea; }), 'bad-tlv', /CRC32C TLV has length 3, expected 4/],
    ['AWS TLV without subtype', encodeProxyV2({ command: 'PROXY', source: { address: '1.1.1.1', port: 1 }, destination: { address: '2.2.2.2', port: 2 }, tlvs: [{ type: 0xea, value: Buffer.alloc(0) }] }), 'bad-tlv', /without a subtype/],
    ['two CRC32C TLVs', encodeProxyV2({ command: 'PROXY', source: { address: '1.1.1.1', port: 1 }, destination: { address: '2.2.2.2', port: 2 }, crc32c: true, tlvs: [{ type: 3, value: Buffer.alloc(4) }] }), 'bad-tlv', /more than one CRC32C/],
    ['source address changed after the CRC was computed', edit((b) => { b[19] = b[19]! ^ 1; }), 'bad-crc', /CRC32C mismatch: header carries e8d6892d, computed [0-9a-f]{8}/],
    ['endpoint id changed', edit((b) => { b[60] = 0x30; }), 'bad-crc', /CRC32C mismatch/],
    ['checksum itself wrong', edit((b) => { b[34] = b[34]! ^ 0x80; }), 'bad-crc', /header carries e8d689ad/],
    ['padding not zero (CRC covers it)', edit((b) => { b[99] = 1; }), 'bad-crc', /CRC32C mismatch/],
    ['LOCAL with a bad CRC', (() => { const b = nlbHealthCheckProxyV2Header(); b[99] = 7; return b; })(), 'bad-crc', /CRC32C mismatch/],
  ];
  for (const [name, b, reason, message] of rows) {
    it(name, () => {
      throwsReason(() => decodeProxyV2(b), reason, message);
      throwsReason(() => decodeProxy(b), reason, message);
    });
  }

  it('a LOCAL header whose block is not TLVs is skipped whole (spec: discard the block)', () => {
    // Some senders put a dummy address block in LOCAL headers; receivers must skip len bytes.
    const b = Buffer.concat([NLB_CAPTURE.subarray(0, 12), hex('20 11 00 0c  0a 00 00 01  0a 00 00 02  01 02 03 04'), Buffer.from('hello')]);
    const { header, length } = complete(decodeProxyV2(b));
    assert.equal(length, 28);
    assert.deepEqual(header, { version: 2, command: 'LOCAL', family: 'ipv4', transport: 'stream', tlvs: [] });
  });

  it('random corruptions never escape as anything but ProxyProtocolError or a bounded result', () => {
    let seed = 42;
    const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const bases = [NLB_CAPTURE, nlbHealthCheckProxyV2Header(), nlbProxyV2Header({ ...NLB_FLOW, source: { address: '2001:db8::5', port: 5 }, destination: { address: '2001:db8::6', port: 6 } })];
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const base = bases[i % bases.length]!;
      const b = Buffer.from(base.subarray(0, i % 2 ? base.length : rand(base.length + 1)));
      for (let j = 0, n = 1 + rand(4); j < n && b.length > 12; j++) b[12 + rand(b.length - 12)] = rand(256);
      try {
        const r = decodeProxyV2(b);
        if (!r.incomplete) assert.ok(r.length <= b.length && r.length >= 16);
        else assert.ok(r.need === undefined || r.need > b.length);
      } catch (e) {
        if (!(e instanceof ProxyProtocolError)) throw e;
        errors++;
      }
    }
    assert.ok(errors > 1000, `corruptions were detected (${errors})`);
  });
});

describe('PROXY v2: encoding refuses what it cannot write', () => {
  const src = { address: '10.0.0.1', port: 1 };
  const dst = { address: '10.0.0.2', port: 2 };
  const rows: Array<[string, ProxyHeader, ProxyErrorReason, RegExp]> = [
    ['a hostname', { command: 'PROXY', source: { address: 'example.com', port: 1 }, destination: dst }, 'bad-address', /source "example.com" is not an ipv4 address/],
    ['an ipv4 address under family ipv6', { command: 'PROXY', family: 'ipv6', source: src, destination: dst }, 'bad-address', /not an ipv6 address/],
    ['a missing destination', { command: 'PROXY', source: src }, 'bad-address', /needs source and destination/],
    ['a port out of range', { command: 'PROXY', source: src, destination: { address: '10.0.0.2', port: 65536 } }, 'bad-port', /destination port 65536/],
    ['a fractional port', { command: 'PROXY', source: { address: '10.0.0.1', port: 1.5 }, destination: dst }, 'bad-port', /source port 1.5/],
    ['LOCAL with addresses', { command: 'LOCAL', source: src, destination: dst }, 'bad-address', /LOCAL header carries no addresses/],
    ['padding that cannot hold a NOOP TLV', { command: 'PROXY', source: src, destination: dst, padTo: 30 }, 'bad-length', /padTo 30 is below 31/],
    ['padding below the header size', { command: 'PROXY', source: src, destination: dst, crc32c: true, padTo: 20 }, 'bad-length', /padTo 20/],
    ['a TLV type that is not a byte', { command: 'LOCAL', tlvs: [{ type: 256, value: Buffer.alloc(1) }] }, 'bad-tlv', /TLV type 256/],
    ['more than 65535 bytes after the fixed part', { command: 'LOCAL', tlvs: [{ type: 0xe0, value: Buffer.alloc(0xffff) }] }, 'too-long', /exceeds 65551/],
  ];
  for (const [name, h, reason, message] of rows) it(name, () => throwsReason(() => encodeProxyV2(h), reason, message));
});

describe('addresses', () => {
  const v6: Array<[string, string]> = [
    ['::', '::'], ['::1', '::1'], ['1::', '1::'], ['FE80::1:2', 'fe80::1:2'], ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:0:0:2:2:0:0:3', '1::2:2:0:0:3'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], ['::ffff:0102:0304', '::ffff:1.2.3.4'], ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], ['::1.2.3.4', '::102:304'],
    ['0:1:0:0:0:0:0:0', '0:1::'], ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
  ];
  for (const [input, text] of v6) {
    it(`IPv6 ${input} → ${text}`, () => {
      const b = Buffer.alloc(16);
      assert.ok(writeIPv6(input, b, 0));
      assert.equal(formatIPv6(b, 0), text);
    });
  }
  it('refuses malformed IPv6', () => {
    for (const s of ['', ':', ':::', '1:::2', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1.2.3', ':1::', '1::2:', '1.2.3.4::', '::1.2.3.4:5', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0']) {
      assert.equal(writeIPv6(s, Buffer.alloc(16), 0), false, s);
    }
  });
  it('refuses malformed IPv4', () => {
    for (const s of ['', '1.2.3', '256.0.0.1', '01.2.3.4', '1.2.3.4.5', '1..2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.1000', '::1']) {
      assert.equal(writeIPv4(s, Buffer.alloc(4), 0), false, s);
    }
  });
  it('IPv6 text agrees with the WHATWG URL serializer on random addresses', () => {
    let seed = 7;
    const b = Buffer.alloc(16);
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 16; j++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; b[j] = (seed >>> 16) % 4 === 0 ? (seed >>> 8) & 0xff : 0; }
      if (b.subarray(0, 12).equals(hex('00000000000000000000ffff'))) continue; // URL prints mapped addresses in hex
      const text = formatIPv6(b, 0);
      assert.equal(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
      const back = Buffer.alloc(16);
      assert.ok(writeIPv6(text, back, 0));
      assert.ok(back.equals(b), text);
    }
  });
});

describe('PROXY v1', () => {
  const ok: Array<[string, Partial<DecodedProxyHeader>]> = [
    ['PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n', { family: 'ipv4', transport: 'stream', source: { address: '1.2.3.4', port: 1111 }, destination: { address: '5.6.7.8', port: 2222 } }],
    ['PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n', { family: 'ipv4', transport: 'stream', source: { address: '255.255.255.255', port: 65535 }, destination: { address: '0.0.0.0', port: 0 } }],
    ['PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 443 80\r\n', { family: 'ipv6', transport: 'stream', source: { address: '2001:db8::1', port: 443 }, destination: { address: '::1', port: 80 } }],
    ['PROXY UNKNOWN\r\n', { family: 'unspec', transport: 'unspec' }],
    ['PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n', { family: 'unspec', transport: 'unspec' }],
  ];
  for (const [line, want] of ok) {
    it(`parses ${JSON.stringify(line)}`, () => {
      const b = Buffer.from(`${line}GET / HTTP/1.0\r\n`);
      for (const decode of [decodeProxyV1, decodeProxy]) {
        const { header, length } = complete(decode(b));
        assert.equal(length, line.length);
        assert.deepEqual(header, { version: 1, command: 'PROXY', tlvs: [], ...want });
      }
      for (let k = 0; k < line.length; k++) {
        const r = decodeProxy(b.subarray(0, k));
        assert.equal(r.incomplete, true, `${k} bytes`);
      }
    });
  }
  const bad: Array<[string, string, ProxyErrorReason, RegExp]> = [
    ['not PROXY', 'PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'bad-signature', /byte 4/],
    ['unknown protocol', 'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', 'bad-v1', /unknown protocol "TCP5"/],
    ['missing port', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', 'bad-v1', /got 3 field/],
    ['double space', 'PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n', 'bad-v1', /got 5 field/],
    ['IPv6 in TCP4', 'PROXY TCP4 ::1 5.6.7.8 1 2\r\n', 'bad-address', /source "::1" is not an IPv4/],
    ['bad IPv6', 'PROXY TCP6 ::1 1::2::3 1 2\r\n', 'bad-address', /destination "1::2::3"/],
    ['port too big', 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', 'bad-port', /source port "65536"/],
    ['port with a leading zero', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 080\r\n', 'bad-port', /destination port "080"/],
    ['LF without CR', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', 'bad-v1', /control or non-ASCII byte 0x0a/],
    ['CR without LF', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX', 'bad-v1', /CR not followed by LF/],
    ['no CRLF within 107 bytes', `PROXY UNKNOWN ${'x'.repeat(100)}`, 'too-long', /no CRLF within 107 bytes/],
  ];
  for (const [name, line, reason, message] of bad) {
    it(`refuses ${name}`, () => {
      throwsReason(() => decodeProxyV1(Buffer.from(line)), reason, message);
      throwsReason(() => decodeProxy(Buffer.from(line)), reason, message);
    });
  }
  it('accepts the longest legal line (107 bytes) and refuses a longer one', () => {
    const line = `PROXY UNKNOWN ${'x'.repeat(91)}\r\n`;
    assert.equal(line.length, 107);
    assert.equal(complete(decodeProxyV1(Buffer.from(line))).length, 107);
    throwsReason(() => decodeProxyV1(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`)), 'too-long', /107/);
  });
  it('decodeProxy refuses other protocols at the first byte and waits on empty input', () => {
    throwsReason(() => decodeProxy(Buffer.from('G')), 'bad-signature', /first byte is 0x47/);
    assert.deepEqual(decodeProxy(Buffer.alloc(0)), { incomplete: true });
  });
});
