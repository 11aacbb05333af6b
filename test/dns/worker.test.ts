/**
 * The resolver program (src/dataplane/dns-worker.ts) with its answer cache, on 127.0.0.1 (no
 * namespaces, no root): a `config` with new records replaces answers the cache held, and
 * forwarded queries reach the upstream every time (its answers are relayed, never cached).
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DnsWorkerReply, DnsWorkerRequest } from '../../src/dataplane/dns-worker.js';
import { CONSUMER, query, REGIONAL, world } from './fixture.js';

const WORKER = fileURLToPath(new URL('../../src/dataplane/dns-worker.ts', import.meta.url));

function next(child: ChildProcess, type: DnsWorkerReply['type']): Promise<DnsWorkerReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} from the worker`)), 10_000);
    const on = (m: DnsWorkerReply) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

/** One query from a fresh socket; the decoded reply. */
async function ask(port: number, name: string, id: number): Promise<dnsPacket.DecodedPacket> {
  const s = await bound();
  try {
    const q = query({ name, id });
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${name}`)), 5000);
      s.on('message', (m) => { clearTimeout(timer); resolve(m); });
    });
    s.send(q, port, '127.0.0.1');
    return dnsPacket.decode(await reply);
  } finally {
    s.close();
  }
}

const addresses = (p: dnsPacket.DecodedPacket) => (p.answers ?? []).map((a) => ('data' in a ? String(a.data) : ''));

describe('dns-worker: cache and configuration', () => {
  let child: ChildProcess;
  let port = 0;
  let upstream: Socket;
  let upstreamQueries = 0;
  const send = (m: DnsWorkerRequest, handle?: Socket) => child.send(m, handle as never);

  before(async () => {
    // A public DNS answering every A question with 192.0.2.<n>, n counting its queries.
    upstream = await bound();
    upstream.on('message', (m, r) => {
      upstreamQueries++;
      const q = dnsPacket.decode(m);
      upstream.send(dnsPacket.encode({
        type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions,
        answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 300, data: `192.0.2.${upstreamQueries}` }],
      }), r.port, r.address);
    });
    child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await next(child, 'ready');
    const w = world();
    send({ type: 'config', version: 1, networks: w.networks, dnsRecords: w.dnsRecords, upstream: { host: '127.0.0.1', port: upstream.address().port } });
    await next(child, 'configured');
    const s = await bound();
    port = s.address().port;
    send({ type: 'attach', id: 'udp', scope: CONSUMER, transport: 'udp' }, s);
    await next(child, 'attached');
    s.close();
  });
  after(() => {
    child?.kill();
    upstream?.close();
  });

  it('a reconfiguration replaces what the cache held', async () => {
    for (const id of [2, 4, 2]) assert.deepEqual(addresses(await ask(port, REGIONAL, id)), ['10.0.1.5', '10.0.2.5']);
    const w = world();
    const moved = w.dnsRecords.map((r) => (r.name === REGIONAL ? { ...r, a: ['10.0.3.9'] } : r));
    send({ type: 'config', version: 2, networks: w.networks, dnsRecords: moved, upstream: { host: '127.0.0.1', port: upstream.address().port } });
    await next(child, 'configured');
    assert.deepEqual(addresses(await ask(port, REGIONAL, 2)), ['10.0.3.9']);
    // And the name gone: NXDOMAIN, not the old addresses.
    send({ type: 'config', version: 3, networks: w.networks, dnsRecords: w.dnsRecords.filter((r) => r.name !== REGIONAL), upstream: { host: '127.0.0.1', port: upstream.address().port } });
    await next(child, 'configured');
    const gone = await ask(port, REGIONAL, 2) as dnsPacket.DecodedPacket & { rcode?: string };
    assert.equal(gone.rcode, 'NXDOMAIN');
    assert.deepEqual(addresses(gone), []);
  });

  it('forwarded queries reach the upstream every time (its answers are not cached)', async () => {
    const before = upstreamQueries;
    const first = await ask(port, 'www.example.org', 11);
    const second = await ask(port, 'www.example.org', 11);
    assert.equal(upstreamQueries - before, 2);
    assert.deepEqual([first.id, second.id], [11, 11]);
    assert.notDeepEqual(addresses(first), addresses(second));
  });
});
