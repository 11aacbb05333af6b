/**
 * The listen helper: a tiny program run inside a CONSUMER VPC's namespace (`ip netns exec <ns>
 * node --import tsx listen-helper.ts`, with an IPC channel) that creates listening sockets there
 * for its parent. Sockets belong to the namespace they are created in, so a socket listening on
 * an endpoint ENI's address made here can be handed over IPC to a process in another namespace
 * (the NLB-node worker in the provider VPC) and keep accepting the consumer's connections.
 *
 * It stays up for further requests (one helper per namespace: its start, ~0.4 s with tsx, is paid
 * once) and exits when its parent disconnects or asks it to. Protocol (parent → helper):
 * `{ type: 'listen', id, host, port, backlog? }` → `{ type: 'listening', id, address, port }` with the
 * server handle attached, or `{ type: 'error', id, code, message }`; `{ type: 'exit' }`. On start it
 * sends `{ type: 'ready', pid }`. After sending a handle it closes its own copy (else it would keep
 * accepting connections itself and leave them hanging); a connection it still accepted in that
 * short window is reset at once, so the client sees a refusal instead of a hang.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { HelperReply, HelperRequest } from './listeners.js';

function send(msg: HelperReply, handle?: Server | UdpSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send || !process.connected) { reject(new Error('IPC channel closed')); return; }
    process.send(msg, handle, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function strayConnection(s: Socket): void {
  s.on('error', () => {});
  s.resetAndDestroy();
}

async function listen(req: Extract<HelperRequest, { type: 'listen' }>): Promise<void> {
  const server = createServer({ allowHalfOpen: true });
  server.on('connection', strayConnection);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: req.host, port: req.port, backlog: req.backlog ?? 4096, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    await send({ type: 'error', id: req.id, code: e.code ?? 'EUNKNOWN', message: e.message }).catch(() => {});
    return;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : req.port;
  try {
    await send({ type: 'listening', id: req.id, address: req.host, port }, server);
  } finally {
    server.close();
  }
}

/** A bound UDP socket (e.g. a VPC resolver's port 53), handed over like the TCP servers. */
async function listenUdp(req: Extract<HelperRequest, { type: 'listen-udp' }>): Promise<void> {
  const sock = createSocket({ type: 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: req.host, port: req.port, exclusive: true }, () => { sock.off('error', reject); resolve(); });
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    sock.close();
    await send({ type: 'error', id: req.id, code: e.code ?? 'EUNKNOWN', message: e.message }).catch(() => {});
    return;
  }
  try {
    await send({ type: 'listening', id: req.id, address: req.host, port: sock.address().port }, sock);
  } finally {
    sock.close();
  }
}

function main(): void {
  if (!process.send) {
    process.stderr.write('listen-helper: must be started with an IPC channel\n');
    process.exit(2);
  }
  process.on('message', (raw: unknown) => {
    const req = raw as HelperRequest;
    if (req?.type === 'listen') void listen(req);
    else if (req?.type === 'listen-udp') void listenUdp(req);
    else if (req?.type === 'exit') process.disconnect();
  });
  // The parent is gone or done: nothing else keeps this process alive (handed-over servers are closed).
  process.on('disconnect', () => process.exit(0));
  void send({ type: 'ready', pid: process.pid }).catch(() => process.exit(1));
}

main();
