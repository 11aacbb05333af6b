/**
 * The resolver program: one process on the host (started by `DnsWorkerProcess`, dns-process.ts)
 * serving every VPC's resolver (VPC base + 2, port 53, UDP and TCP) and the host's listener. The
 * sockets are created inside each VPC's namespace by the listen helpers and handed over
 * (`attach`); the worker answers from views compiled from the desired state's DNS records
 * (src/dns/, pure) and forwards everything it does not answer: names under a Route 53 Resolver
 * forwarding rule of the VPC to the rule's first target, from a socket at the rule's outbound
 * endpoint address (inside that endpoint's VPC); everything else to the upstream (the "public
 * DNS", `--public-dns`) from the host, where the VPC namespaces have no route. Inbound endpoints
 * are sockets answering with their VPC's view. Bad packets get FORMERR or are dropped by the pure
 * answerer; nothing here throws on input. Answers come through an `AnswerCache` (src/dns/cache.ts):
 * a repeated question gets a copy of the reply already encoded, id patched; every `config` starts
 * it empty. Replies from upstreams and rules' targets are relayed, never cached.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import { servfail, type Verdict, type Where } from '../dns/answer.js';
import { AnswerCache } from '../dns/cache.js';
import { compileViews, type Views } from '../dns/views.js';
import type { DesiredDnsRecord, DesiredNetwork, DesiredResolverRule } from '../reconcile/desired-state.js';

/** Parent → worker (`attach` carries a dgram socket or a net server). */
export type DnsWorkerRequest =
  | {
    type: 'config'; version: number; networks: DesiredNetwork[]; dnsRecords: DesiredDnsRecord[]; upstream?: { host: string; port: number };
    /** Route 53 Resolver forwarding rules in force. */
    rules?: DesiredResolverRule[];
  }
  /**
   * scope: the VPC id whose view the socket answers (a VPC resolver or an inbound endpoint), 'host',
   * or `out:<rslvr-out-id>` for an outbound endpoint's socket (forwarded queries leave from it).
   */
  | { type: 'attach'; id: string; scope: string; transport: 'udp' | 'tcp' }
  | { type: 'detach'; id: string }
  | { type: 'exit' };

/** Worker → parent. */
export type DnsWorkerReply =
  | { type: 'ready'; pid: number }
  | { type: 'configured'; version: number }
  | { type: 'attached'; id: string }
  | { type: 'detached'; id: string }
  | { type: 'error'; id: string; message: string }
  | { type: 'stats'; queries: number; answered: number; forwarded: number; dropped: number; failed: number };

const FORWARD_TIMEOUT_MS = 2000;
const MAX_TCP_MESSAGE = 65_535;

function send(msg: DnsWorkerReply): void {
  if (process.connected) process.send?.(msg);
}

let views: Views | undefined;
/** The answers of `views`; emptied with every configuration (and whenever `views` changes). */
const cache = new AnswerCache();
let upstream: { host: string; port: number } | undefined;
/** Per VPC: its forwarding rules, most specific domain first. */
let rulesByVpc = new Map<string, DesiredResolverRule[]>();
/** Outbound endpoint id → its socket (inside its VPC's namespace). */
const outbound = new Map<string, UdpSocket>();

/** The rule for `name` in `vpcId`: the longest domain that is the name or one of its parents. */
function ruleFor(vpcId: string, name: string): DesiredResolverRule | undefined {
  for (const r of rulesByVpc.get(vpcId) ?? []) if (name === r.domain || name.endsWith(`.${r.domain}`)) return r;
  return undefined;
}
const sockets = new Map<string, UdpSocket | Server>();
const stats = { queries: 0, answered: 0, forwarded: 0, dropped: 0, failed: 0 };

/** Forwarding: one host socket to the upstream; ids rewritten so concurrent clients never collide. */
let forwarder: UdpSocket | undefined;
const inflight = new Map<number, { originalId: number; reply: (b: Buffer) => void; timer: NodeJS.Timeout; query: Buffer }>();
let nextId = Math.floor(Math.random() * 65536);

/** A reply from an upstream or a rule's target: back to the client that asked, with its id. */
function onUpstreamReply(msg: Buffer): void {
  if (msg.length < 12 || (msg[2]! & 0x80) === 0) return;
  const p = inflight.get(msg.readUInt16BE(0));
  if (!p) return;
  inflight.delete(msg.readUInt16BE(0));
  clearTimeout(p.timer);
  const out = Buffer.from(msg);
  out.writeUInt16BE(p.originalId, 0);
  p.reply(out);
}

function forwarderSocket(): UdpSocket {
  if (forwarder) return forwarder;
  const s = createSocket('udp4');
  s.on('message', onUpstreamReply);
  s.on('error', (e) => console.error('dns-worker: forwarder:', e.message));
  s.bind(0);
  s.unref();
  forwarder = s;
  return s;
}

/** Sends the query on: to the rule's targets through its outbound endpoint when one matches, else to the upstream. */
function forward(query: Buffer, reply: (b: Buffer) => void, scope: string, name: string): void {
  const fail = () => { stats.failed++; const f = servfail(query); if (f) reply(f); };
  const rule = scope === 'host' ? undefined : ruleFor(scope, name);
  const via = rule ? outbound.get(rule.outboundEndpointId) : forwarderSocket();
  const t0 = rule?.targets[0];
  const to = rule ? (t0 ? { host: t0.ip, port: t0.port } : undefined) : upstream;
  if (!via || !to || inflight.size >= 60_000) { fail(); return; }
  let id = nextId;
  for (let i = 0; i < 65536 && inflight.has(id); i++) id = (id + 1) & 0xffff;
  nextId = (id + 1) & 0xffff;
  const out = Buffer.from(query);
  const originalId = out.readUInt16BE(0);
  out.writeUInt16BE(id, 0);
  const timer = setTimeout(() => { inflight.delete(id); fail(); }, FORWARD_TIMEOUT_MS);
  inflight.set(id, { originalId, reply, timer, query });
  stats.forwarded++;
  via.send(out, to.port, to.host, (err) => {
    if (err) { clearTimeout(timer); inflight.delete(id); fail(); }
  });
}

function whereOf(scope: string): Where {
  return scope === 'host' ? { host: true } : { vpcId: scope };
}

/** The verdict for one query, counted; undefined before the first configuration (dropped). */
function decide(where: Where, query: Buffer, transport: 'udp' | 'tcp'): Verdict | undefined {
  stats.queries++;
  if (!views) { stats.dropped++; return undefined; }
  const r = cache.answer(views, where, query, { transport });
  if (r.kind === 'reply') stats.answered++;
  else if (r.kind === 'drop') stats.dropped++;
  return r;
}

function handle(scope: string, where: Where, query: Buffer, transport: 'udp' | 'tcp', reply: (b: Buffer) => void): void {
  const r = decide(where, query, transport);
  if (r?.kind === 'reply') reply(r.packet);
  else if (r?.kind === 'forward') forward(query, reply, scope, r.name);
}

function attachUdp(id: string, scope: string, sock: UdpSocket): void {
  const where = whereOf(scope);
  // The hot path: no closure per datagram unless the query is forwarded.
  sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const r = decide(where, msg, 'udp');
    if (r?.kind === 'reply') sock.send(r.packet, rinfo.port, rinfo.address);
    else if (r?.kind === 'forward') forward(msg, (b) => sock.send(b, rinfo.port, rinfo.address), scope, r.name);
  });
  sock.on('error', (e) => console.error(`dns-worker: ${id}:`, e.message));
  sockets.set(id, sock);
}

/** DNS over TCP: each message is preceded by its 2-byte length. */
function attachTcp(id: string, scope: string, server: Server): void {
  const where = whereOf(scope);
  server.on('connection', (c: Socket) => {
    c.on('error', () => {});
    c.setTimeout(10_000, () => c.destroy());
    let buf: Buffer = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len === 0 || len > MAX_TCP_MESSAGE) { c.destroy(); return; }
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        handle(scope, where, Buffer.from(msg), 'tcp', (b) => {
          if (c.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(b.length, 0);
          c.write(Buffer.concat([head, b]));
        });
      }
    });
  });
  server.on('error', (e) => console.error(`dns-worker: ${id}:`, e.message));
  sockets.set(id, server);
}

function main(): void {
  if (!process.send) {
    process.stderr.write('dns-worker: must be started with an IPC channel\n');
    process.exit(2);
  }
  process.on('message', (raw: unknown, handle: unknown) => {
    const m = raw as DnsWorkerRequest;
    switch (m?.type) {
      case 'config':
        views = compileViews(m.dnsRecords, m.networks);
        cache.clear();
        upstream = m.upstream;
        rulesByVpc = new Map();
        for (const r of m.rules ?? []) rulesByVpc.set(r.vpcId, [...(rulesByVpc.get(r.vpcId) ?? []), r]);
        for (const list of rulesByVpc.values()) list.sort((a, b) => b.domain.length - a.domain.length);
        send({ type: 'configured', version: m.version });
        break;
      case 'attach':
        if (!handle) { send({ type: 'error', id: m.id, message: 'no handle received' }); break; }
        if (sockets.has(m.id)) { (handle as { close(): void }).close(); send({ type: 'error', id: m.id, message: 'already attached' }); break; }
        if (m.scope.startsWith('out:')) {
          const sock = handle as UdpSocket;
          sock.on('message', onUpstreamReply);
          sock.on('error', (e) => console.error(`dns-worker: ${m.id}:`, e.message));
          outbound.set(m.scope.slice(4), sock);
          sockets.set(m.id, sock);
        } else if (m.transport === 'udp') attachUdp(m.id, m.scope, handle as UdpSocket);
        else attachTcp(m.id, m.scope, handle as Server);
        send({ type: 'attached', id: m.id });
        break;
      case 'detach': {
        const s = sockets.get(m.id);
        sockets.delete(m.id);
        for (const [k, v] of outbound) if (v === s) outbound.delete(k);
        s?.close();
        send({ type: 'detached', id: m.id });
        break;
      }
      case 'exit': process.disconnect(); break;
    }
  });
  process.on('disconnect', () => process.exit(0));
  setInterval(() => send({ type: 'stats', ...stats }), 5000).unref();
  send({ type: 'ready', pid: process.pid });
}

main();
