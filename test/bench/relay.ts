/**
 * A tiny TCP relay for the benchmark's self-tests: forwards every chunk both ways, optionally
 * holding each one `delayMs` first (a deliberately slowed path). Order and half-close are kept.
 */
import net from 'node:net';

export interface Relay {
  port: number;
  close(): Promise<void>;
}

export function startRelay(opts: { upstreamPort: number; delayMs: number }): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) => {
    const later = (fn: () => void) => (opts.delayMs > 0 ? setTimeout(fn, opts.delayMs) : fn());
    from.on('data', (chunk: Buffer) => later(() => { if (!to.destroyed) to.write(chunk); }));
    from.on('end', () => later(() => { if (!to.destroyed) to.end(); }));
    from.on('error', () => to.destroy());
    from.on('close', () => later(() => to.destroy()));
  };
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (down) => {
    const up = net.connect({ host: '127.0.0.1', port: opts.upstreamPort, allowHalfOpen: true, noDelay: true });
    sockets.add(down).add(up);
    down.on('close', () => sockets.delete(down));
    up.on('close', () => sockets.delete(up));
    forward(down, up);
    forward(up, down);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => resolve({
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
    }));
  });
}
