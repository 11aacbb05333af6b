// @ts-check
/**
 * The listen helper: a tiny program run inside a CONSUMER VPC's namespace (`ip netns exec <ns>
 * node listen-helper.mjs`, with an IPC channel) that creates listening sockets there
 * for its parent. Sockets belong to the namespace they are created in, so a socket listening on
 * an endpoint ENI's address made here can be handed over IPC to a process in another namespace
 * (the NLB-node worker in the provider VPC) and keep accepting the consumer's connections.
 *
 * Plain JavaScript (type-checked through JSDoc, `// @ts-check`), run without tsx: measured 42 MiB
 * resident and ~0.15 s to start, against 73 MiB and ~0.7 s through tsx, for a process the data
 * plane keeps per consumer VPC while it is in use. It serves any number of requests and exits
 * when its parent disconnects or asks it to (the data plane closes helpers left idle). Protocol (parent → helper):
 * `{ type: 'listen', id, host, port, backlog? }` → `{ type: 'listening', id, address, port }` with the
 * server handle attached, or `{ type: 'error', id, code, message }`; `{ type: 'exit' }`. On start it
 * sends `{ type: 'ready', pid }`. After sending a handle it closes its own copy (else it would keep
 * accepting connections itself and leave them hanging); a connection it still accepted in that
 * short window is reset at once, so the client sees a refusal instead of a hang.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * @typedef {import('./listeners.js').HelperRequest} HelperRequest
 * @typedef {import('./listeners.js').HelperReply} HelperReply
 */

/**
 * @param {HelperReply} msg
 * @param {import('node:net').Server | import('node:dgram').Socket} [handle]
 * @returns {Promise<void>}
 */
function send(msg, handle) {
  return new Promise((resolve, reject) => {
    if (!process.send || !process.connected) { reject(new Error('IPC channel closed')); return; }
    process.send(msg, handle, {}, (err) => (err ? reject(err) : resolve()));
  });
}

/** @param {import('node:net').Socket} s */
function strayConnection(s) {
  s.on('error', () => {});
  s.resetAndDestroy();
}

/** @param {Extract<HelperRequest, { type: 'listen' }>} req */
async function listen(req) {
  const server = createServer({ allowHalfOpen: true });
  server.on('connection', strayConnection);
  try {
    await new Promise(/** @param {(v?: unknown) => void} resolve */ (resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: req.host, port: req.port, backlog: req.backlog ?? 4096, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err);
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
/** @param {Extract<HelperRequest, { type: 'listen-udp' }>} req */
async function listenUdp(req) {
  const sock = createSocket({ type: 'udp4' });
  try {
    await new Promise(/** @param {(v?: unknown) => void} resolve */ (resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: req.host, port: req.port, exclusive: true }, () => { sock.off('error', reject); resolve(); });
    });
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err);
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

function main() {
  if (!process.send) {
    process.stderr.write('listen-helper: must be started with an IPC channel\n');
    process.exit(2);
  }
  process.on('message', (raw) => {
    const req = /** @type {HelperRequest} */ (raw);
    if (req?.type === 'listen') void listen(req);
    else if (req?.type === 'listen-udp') void listenUdp(req);
    else if (req?.type === 'exit') process.disconnect();
  });
  // The parent is gone or done: nothing else keeps this process alive (handed-over servers are closed).
  process.on('disconnect', () => process.exit(0));
  void send({ type: 'ready', pid: process.pid }).catch(() => process.exit(1));
}

main();
