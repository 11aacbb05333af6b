/**
 * PROXY v2 interop with Debian's HAProxy as a real peer, on 127.0.0.1 only:
 *   client ──(our header + payload)──► haproxy `accept-proxy` ──(haproxy's v2 header + payload)──► our server
 * HAProxy must accept our headers (NLB's exact bytes, IPv6, LOCAL), refuse a bad CRC32C, and
 * pass on the addresses it read from ours; we decode its header and verify its CRC32C.
 * Skipped only when /usr/sbin/haproxy is missing and CI is not set (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  decodeProxyV2, encodeProxyV2, nlbHealthCheckProxyV2Header, nlbProxyV2Header, type DecodedProxyHeader,
} from '../../src/wire/proxy-v2.js';

const HAPROXY = '/usr/sbin/haproxy';
const WAIT_MS = 4000;
const present = existsSync(HAPROXY);
const skip = !present && !process.env.CI ? `${HAPROXY} is not installed (apt-get install haproxy; CI installs it)` : false;

interface Received { header: DecodedProxyHeader; payload: Buffer; closed: boolean }

function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The backend: decodes haproxy's header with our decoder (which verifies CRC32C) and keeps the payload. */
function startBackend(): { server: Server; received: Received[]; errors: Error[]; waitFor: (pred: (r: Received) => boolean, what: string) => Promise<Received> } {
  const received: Received[] = [];
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => { for (const w of waiters) w(); };
  const server = createServer((sock: Socket) => {
    let buf = Buffer.alloc(0);
    let entry: Received | undefined;
    sock.on('data', (chunk: Buffer) => {
      if (entry) { entry.payload = Buffer.concat([entry.payload, chunk]); notify(); return; }
      buf = Buffer.concat([buf, chunk]);
      try {
        const r = decodeProxyV2(buf);
        if (r.incomplete) return;
        entry = { header: r.header, payload: buf.subarray(r.length), closed: false };
        received.push(entry);
      } catch (e) {
        errors.push(e as Error);
        sock.destroy();
      }
      notify();
    });
    sock.on('error', () => {});
    sock.on('close', () => { if (entry) entry.closed = true; notify(); });
    sock.on('end', () => sock.end());
  });
  const waitFor = (pred: (r: Received) => boolean, what: string): Promise<Received> => within(new Promise<Received>((resolve, reject) => {
    const check = (): void => {
      if (errors.length) { waiters.delete(check); reject(errors[0]); return; }
      const hit = received.find(pred);
      if (hit) { waiters.delete(check); resolve(hit); }
    };
    waiters.add(check);
    check();
  }), what);
  return { server, received, errors, waitFor };
}

/** Connects to haproxy, sends `bytes`, and resolves when haproxy closes (or after we close). */
function send(port: number, bytes: Buffer): { sock: Socket; closed: Promise<Buffer> } {
  const sock = createConnection({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  const closed = new Promise<Buffer>((resolve) => {
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
  sock.write(bytes);
  return { sock, closed };
}

async function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.on('connect', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`haproxy did not listen on 127.0.0.1:${port} within ${WAIT_MS} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('HAProxy reads our PROXY v2 headers and we read (and CRC-check) its own', { skip }, async (t) => {
  if (!present) assert.fail(`CI is set but ${HAPROXY} is missing: .ci/run must install Debian's haproxy`);
  const backend = startBackend();
  await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
  t.after(() => backend.server.close());
  const backendPort = (backend.server.address() as AddressInfo).port;
  const frontPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'underpass-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global',
    '  maxconn 100',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout client-fin 1s',
    '  timeout server-fin 1s',
    'frontend fe',
    `  bind 127.0.0.1:${frontPort} accept-proxy`,
    '  unique-id-format uid-%ci-%cp',
    '  default_backend be',
    'backend be',
    // check-send-proxy: health checks carry a PROXY v2 header too (LOCAL), as NLB's do.
    `  server s1 127.0.0.1:${backendPort} send-proxy-v2 proxy-v2-options crc32c,unique-id check check-send-proxy inter 200ms`,
    '',
  ].join('\n'));
  let log = '';
  const child = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  child.stdout!.on('data', (c: Buffer) => { log += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  await waitListening(frontPort, child, () => log);

  await t.test('NLB PrivateLink header (exact bytes): haproxy passes our addresses on, with CRC32C and unique-id TLVs', async () => {
    const flow = { source: { address: '172.31.7.113', port: 51442 }, destination: { address: '172.31.10.31', port: 80 }, vpceId: 'vpce-08d2bf15fac5001c9' };
    const c = send(frontPort, Buffer.concat([nlbProxyV2Header(flow), Buffer.from('hello-nlb')]));
    const got = await backend.waitFor((r) => r.payload.toString() === 'hello-nlb', 'the payload at the backend');
    c.sock.destroy();
    assert.equal(got.header.command, 'PROXY');
    assert.equal(got.header.family, 'ipv4');
    assert.deepEqual(got.header.source, flow.source);
    assert.deepEqual(got.header.destination, flow.destination);
    assert.equal(got.header.crc32c, true, 'haproxy sent a CRC32C TLV and it verified');
    const uid = got.header.tlvs.find((x) => x.type === 0x05);
    assert.equal(uid?.value.toString(), 'uid-172.31.7.113-51442');
  });

  await t.test('IPv6 header with TLVs and padding: haproxy passes the IPv6 addresses on', async () => {
    const src = { address: '2001:db8::7', port: 40000 };
    const dst = { address: '2001:db8:0:1::a', port: 443 };
    const header = encodeProxyV2({ command: 'PROXY', source: src, destination: dst, crc32c: true, vpceId: 'vpce-0123456789abcdef0', tlvs: [{ type: 0xe0, value: Buffer.from('x') }], padTo: 128 });
    const c = send(frontPort, Buffer.concat([header, Buffer.from('hello-v6')]));
    const got = await backend.waitFor((r) => r.payload.toString() === 'hello-v6', 'the IPv6 payload at the backend');
    c.sock.destroy();
    assert.equal(got.header.family, 'ipv6');
    assert.deepEqual(got.header.source, src);
    assert.deepEqual(got.header.destination, dst);
    assert.equal(got.header.crc32c, true);
  });

  await t.test('our LOCAL health-check header: haproxy uses the real connection addresses', async () => {
    const c = send(frontPort, Buffer.concat([nlbHealthCheckProxyV2Header(), Buffer.from('hello-local')]));
    const got = await backend.waitFor((r) => r.payload.toString() === 'hello-local', 'the LOCAL payload at the backend');
    c.sock.destroy();
    assert.equal(got.header.command, 'PROXY');
    assert.equal(got.header.source?.address, '127.0.0.1');
    assert.equal(got.header.destination?.address, '127.0.0.1');
    assert.equal(got.header.destination?.port, frontPort);
  });

  await t.test('a header whose CRC32C does not match is refused by haproxy (so it does check ours)', async () => {
    const bad = nlbProxyV2Header({ source: { address: '10.9.9.9', port: 1 }, destination: { address: '10.8.8.8', port: 2 }, vpceId: 'vpce-08d2bf15fac5001c9' });
    bad[60] = bad[60]! ^ 1; // one bit of the endpoint id
    const c = send(frontPort, Buffer.concat([bad, Buffer.from('hello-badcrc')]));
    const answer = await within(c.closed, 'haproxy to close the connection with the bad CRC');
    assert.equal(answer.length, 0);
    assert.equal(backend.received.some((r) => r.payload.toString().includes('badcrc') || r.header.source?.address === '10.9.9.9'), false);
  });

  await t.test("haproxy's own health checks send a LOCAL header that we decode", async () => {
    const got = await backend.waitFor((r) => r.header.command === 'LOCAL', "haproxy's health check");
    assert.equal(got.header.source, undefined);
    assert.equal(got.header.family, 'unspec'); // HAProxy writes 0x00 where NLB writes 0x11
    assert.equal(got.header.crc32c, true);
    assert.equal(got.payload.length, 0);
  });

  assert.deepEqual(backend.errors, [], 'every header haproxy sent decoded');
});
