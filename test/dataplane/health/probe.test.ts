/** One health check against real loopback servers: TCP, HTTP, HTTPS, PROXY v2 LOCAL, timeouts. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseMatcher, probe, HEALTH_CHECK_USER_AGENT } from '../../../src/dataplane/health/probe.js';
import { decodeProxy, nlbHealthCheckProxyV2Header } from '../../../src/wire/proxy-v2.js';

const HOST = '127.0.0.1';

/** Listens on 127.0.0.1:0; closes the server and every socket it accepted when the test ends. */
async function listen(t: TestContext, server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, HOST, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A raw server that records everything each connection sends; `reply` answers the first chunk. */
async function recorder(t: TestContext, reply?: string): Promise<{ port: number; received: Promise<Buffer> }> {
  let done!: (b: Buffer) => void;
  const received = new Promise<Buffer>((resolve) => { done = resolve; });
  const server = net.createServer((sock) => {
    const chunks: Buffer[] = [];
    let answered = false;
    sock.on('data', (c) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (reply !== undefined && !answered && all.includes('\r\n\r\n')) {
        answered = true;
        sock.end(reply);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => done(Buffer.concat(chunks)));
  });
  return { port: await listen(t, server), received };
}

async function httpServer(t: TestContext, handler: http.RequestListener): Promise<number> {
  return listen(t, http.createServer(handler));
}

describe('parseMatcher', () => {
  const rows: Array<{ m: string; yes: number[]; no: number[] }> = [
    { m: '200', yes: [200], no: [199, 201, 302] },
    { m: '200-399', yes: [200, 302, 399], no: [199, 400, 500] },
    { m: '200,202', yes: [200, 202], no: [201, 204] },
    { m: '200-204, 404', yes: [200, 204, 404], no: [205, 403] },
  ];
  for (const r of rows) {
    it(r.m, () => {
      const ok = parseMatcher(r.m);
      for (const c of r.yes) assert.equal(ok(c), true, `${c} should match ${r.m}`);
      for (const c of r.no) assert.equal(ok(c), false, `${c} should not match ${r.m}`);
    });
  }
  for (const bad of ['', 'abc', '20', '399-200', '200-']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseMatcher(bad)));
  }
});

describe('probe: TCP', () => {
  it('an open port passes', async (t) => {
    const port = await listen(t, net.createServer((s) => s.on('error', () => {})));
    const r = await probe({ protocol: 'TCP', host: HOST, port, timeoutMs: 2000 });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.reasonCode, undefined);
  });

  it('a closed port fails with Target.FailedHealthChecks', async () => {
    const r = await probe({ protocol: 'TCP', host: HOST, port: await closedPort(), timeoutMs: 2000 });
    assert.equal(r.ok, false);
    assert.equal(r.reasonCode, 'Target.FailedHealthChecks');
    assert.equal(r.description, 'Health checks failed');
    assert.match(r.detail, /ECONNREFUSED/);
  });

  it('with PROXY v2 on, the target receives exactly the LOCAL header, then the end of the stream', async (t) => {
    const { port, received } = await recorder(t);
    const r = await probe({ protocol: 'TCP', host: HOST, port, timeoutMs: 2000, proxyProtocolV2: true });
    assert.equal(r.ok, true, r.detail);
    const bytes = await received;
    assert.deepEqual(bytes, nlbHealthCheckProxyV2Header());
    assert.equal(bytes.length, 100);
    const d = decodeProxy(bytes);
    if (d.incomplete) assert.fail('the header is incomplete');
    assert.equal(d.header.command, 'LOCAL');
    assert.equal(d.length, 100);
  });

  it('without PROXY v2, the target receives nothing', async (t) => {
    const { port, received } = await recorder(t);
    const r = await probe({ protocol: 'TCP', host: HOST, port, timeoutMs: 2000 });
    assert.equal(r.ok, true, r.detail);
    assert.equal((await received).length, 0);
  });

  it('a connection that never completes fails with Target.Timeout within the timeout', async () => {
    // An unconnected socket never emits 'connect': a black-holed SYN without any traffic.
    const started = Date.now();
    const r = await probe({ protocol: 'TCP', host: HOST, port: 9, timeoutMs: 200 }, { connect: () => new net.Socket() });
    const elapsed = Date.now() - started;
    assert.equal(r.reasonCode, 'Target.Timeout');
    assert.ok(elapsed >= 190 && elapsed < 1500, `took ${elapsed} ms`);
  });

  it('an invalid port is a failure, not an exception', async () => {
    const r = await probe({ protocol: 'TCP', host: HOST, port: 70000, timeoutMs: 500 });
    assert.equal(r.ok, false);
    assert.equal(r.reasonCode, 'Target.FailedHealthChecks');
  });
});

describe('probe: HTTP', () => {
  it('200 passes; the request is GET path with NLB\'s user agent', async (t) => {
    let seen: http.IncomingMessage | undefined;
    const port = await httpServer(t, (req, res) => { seen = req; res.end('ok'); });
    const r = await probe({ protocol: 'HTTP', host: HOST, port, path: '/healthz?x=1', timeoutMs: 2000 });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, 'HTTP 200');
    assert.equal(seen?.method, 'GET');
    assert.equal(seen?.url, '/healthz?x=1');
    assert.equal(seen?.headers['user-agent'], HEALTH_CHECK_USER_AGENT);
    assert.equal(seen?.headers.host, `${HOST}:${port}`);
  });

  it('500 fails with Target.ResponseCodeMismatch and the code in the description', async (t) => {
    const port = await httpServer(t, (_req, res) => { res.statusCode = 500; res.end(); });
    const r = await probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 2000 });
    assert.equal(r.ok, false);
    assert.equal(r.reasonCode, 'Target.ResponseCodeMismatch');
    assert.equal(r.description, 'Health checks failed with these codes: [500]');
  });

  it('the default matcher is 200-399', async (t) => {
    const codes = [302, 399, 400];
    const got: boolean[] = [];
    for (const code of codes) {
      const port = await httpServer(t, (_req, res) => { res.statusCode = code; res.end(); });
      got.push((await probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 2000 })).ok);
    }
    assert.deepEqual(got, [true, true, false]);
  });

  it('a custom matcher "200,202": 202 passes, 204 and 200-but-not-listed codes fail', async (t) => {
    let code = 202;
    const port = await httpServer(t, (_req, res) => { res.statusCode = code; res.end(); });
    assert.equal((await probe({ protocol: 'HTTP', host: HOST, port, matcher: '200,202', timeoutMs: 2000 })).ok, true);
    code = 204;
    const r = await probe({ protocol: 'HTTP', host: HOST, port, matcher: '200,202', timeoutMs: 2000 });
    assert.equal(r.reasonCode, 'Target.ResponseCodeMismatch');
    code = 404;
    assert.equal((await probe({ protocol: 'HTTP', host: HOST, port, matcher: '200-299,404', timeoutMs: 2000 })).ok, true);
  });

  it('a server that never answers fails with Target.Timeout within the timeout', async (t) => {
    const port = await listen(t, net.createServer((s) => { s.on('error', () => {}); s.resume(); }));
    const started = Date.now();
    const r = await probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 300 });
    const elapsed = Date.now() - started;
    assert.equal(r.ok, false);
    assert.equal(r.reasonCode, 'Target.Timeout');
    assert.equal(r.description, 'Request timed out');
    assert.ok(elapsed >= 290 && elapsed < 1500, `took ${elapsed} ms`);
  });

  it('a connection closed before the status line fails with Target.FailedHealthChecks', async (t) => {
    const port = await listen(t, net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.end()); }));
    const r = await probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 2000 });
    assert.equal(r.reasonCode, 'Target.FailedHealthChecks');
    assert.match(r.detail, /closed before/);
  });

  it('garbage instead of HTTP fails with Target.FailedHealthChecks', async (t) => {
    const { port } = await recorder(t, 'SSH-2.0-OpenSSH\r\n\r\n');
    const r = await probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 2000 });
    assert.equal(r.reasonCode, 'Target.FailedHealthChecks');
    assert.match(r.detail, /bad HTTP status line/);
  });

  it('with PROXY v2 on, the LOCAL header precedes the GET', async (t) => {
    const { port, received } = await recorder(t, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const r = await probe({ protocol: 'HTTP', host: HOST, port, path: '/hc', timeoutMs: 2000, proxyProtocolV2: true });
    assert.equal(r.ok, true, r.detail);
    const bytes = await received;
    const header = nlbHealthCheckProxyV2Header();
    assert.deepEqual(bytes.subarray(0, header.length), header);
    assert.match(bytes.subarray(header.length).toString('latin1'), /^GET \/hc HTTP\/1\.1\r\n/);
  });

  it('an abort ends the check at once as a failure', async (t) => {
    const port = await listen(t, net.createServer((s) => { s.on('error', () => {}); s.resume(); }));
    const ac = new AbortController();
    const pending = probe({ protocol: 'HTTP', host: HOST, port, timeoutMs: 5000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const r = await pending;
    assert.equal(r.ok, false);
    assert.equal(r.detail, 'aborted');
    assert.ok(Date.now() - started < 1000);
  });
});

/** A throwaway self-signed certificate (openssl), or undefined when openssl is missing. */
function selfSigned(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'underpass-hc-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=target',
      '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore', timeout: 10_000 });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('probe: HTTPS', () => {
  const creds = selfSigned();
  it('a self-signed target passes (no certificate verification); the code is matched', { skip: creds ? false : 'openssl is not installed' }, async (t) => {
    let code = 200;
    let path: string | undefined;
    const port = await listen(t, https.createServer(creds!, (req, res) => { path = req.url; res.statusCode = code; res.end(); }));
    const r = await probe({ protocol: 'HTTPS', host: HOST, port, path: '/secure', timeoutMs: 3000 });
    assert.equal(r.ok, true, r.detail);
    assert.equal(path, '/secure');
    code = 503;
    const bad = await probe({ protocol: 'HTTPS', host: HOST, port, timeoutMs: 3000 });
    assert.equal(bad.reasonCode, 'Target.ResponseCodeMismatch');
    assert.equal(bad.description, 'Health checks failed with these codes: [503]');
  });

  it('with PROXY v2 on, the LOCAL header precedes the TLS handshake', { skip: creds ? false : 'openssl is not installed' }, async (t) => {
    const header = nlbHealthCheckProxyV2Header();
    let gotHeader: Buffer | undefined;
    let request = '';
    const port = await listen(t, net.createServer((sock) => {
      sock.on('error', () => {});
      let buf = Buffer.alloc(0);
      // Bytes after the PROXY header go to a TLS server socket through this duplex.
      const inner = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { sock.write(chunk, cb); }, final(cb) { sock.end(); cb(); } });
      let secure: tls.TLSSocket | undefined;
      sock.on('data', (c: Buffer) => {
        if (secure) { inner.push(c); return; }
        buf = Buffer.concat([buf, c]);
        if (buf.length < header.length) return;
        gotHeader = buf.subarray(0, header.length);
        secure = new tls.TLSSocket(inner, { isServer: true, key: creds!.key, cert: creds!.cert });
        secure.on('error', () => {});
        secure.on('data', (d: Buffer) => {
          request += d.toString('latin1');
          if (request.includes('\r\n\r\n')) secure!.end('HTTP/1.1 204 No Content\r\n\r\n');
        });
        if (buf.length > header.length) inner.push(buf.subarray(header.length));
      });
      sock.on('close', () => { inner.destroy(); secure?.destroy(); });
    }));
    const r = await probe({ protocol: 'HTTPS', host: HOST, port, path: '/tls-hc', timeoutMs: 3000, proxyProtocolV2: true });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(gotHeader, header);
    assert.match(request, /^GET \/tls-hc HTTP\/1\.1\r\n/);
  });

  it('a plain-HTTP target fails the TLS handshake with Target.FailedHealthChecks', async (t) => {
    const port = await httpServer(t, (_req, res) => res.end());
    const r = await probe({ protocol: 'HTTPS', host: HOST, port, timeoutMs: 3000 });
    assert.equal(r.ok, false);
    assert.equal(r.reasonCode, 'Target.FailedHealthChecks');
  });
});
