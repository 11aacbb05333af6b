/**
 * The loads of bench/lib/loads.ts as a command, to run inside a namespace
 * (`node --import tsx bench/tools/load.ts <command> …`); prints one JSON line with the result.
 *   echo <host> <port> [proxy-v2]                        serve (prints "ready"), until killed; proxy-v2: strip the header
 *   http <host> <port>                                   keep-alive HTTP server answering "ok" (for wrk), until killed
 *   pingpong <host> <port> <rounds> <timeoutMs>          → p50/p99 µs, bytes
 *   rate <host> <port> <durationMs> <concurrency> <max>  → connections/s, bytes
 *   hold <host> <port> <count> <timeoutMs>               → "open <n> <failed>", then holds until a stdin line
 */
import { createServer } from 'node:http';
import { connectionRate, holdFlows, pingPong, startEchoServer } from '../lib/loads.js';
import { percentile } from '../lib/stats.js';

const [cmd, host = '127.0.0.1', portText = '0', ...rest] = process.argv.slice(2);
const port = Number(portText);
const n = (i: number, dflt: number) => (rest[i] === undefined ? dflt : Number(rest[i]));

async function main(): Promise<void> {
  switch (cmd) {
    case 'echo': {
      const srv = await startEchoServer(host, port, { proxyV2: rest[0] === 'proxy-v2' });
      process.stdout.write(`ready ${srv.port}\n`);
      return;
    }
    case 'http': {
      const body = Buffer.from('ok\n');
      const srv = createServer({ keepAliveTimeout: 300_000 }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      });
      srv.listen({ host, port, backlog: 4096 }, () => process.stdout.write('ready\n'));
      return;
    }
    case 'pingpong': {
      const r = await pingPong({ host, port, rounds: n(0, 1000), timeoutMs: n(1, 30_000) });
      process.stdout.write(`${JSON.stringify({ rounds: r.rounds, p50: percentile(r.rttUs, 50), p99: percentile(r.rttUs, 99), bytesSent: r.bytesSent, bytesReceived: r.bytesReceived, intact: r.intact })}\n`);
      process.exit(0);
      break;
    }
    case 'rate': {
      const r = await connectionRate({ host, port, durationMs: n(0, 2000), concurrency: n(1, 16), maxConnections: n(2, 100_000) });
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
      break;
    }
    case 'hold': {
      const h = await holdFlows({ host, port, count: n(0, 1000), timeoutMs: n(1, 60_000) });
      process.stdout.write(`open ${h.open} ${h.failed}\n`);
      process.stdin.once('data', () => { h.close(); setTimeout(() => { process.stdout.write('closed\n'); process.exit(0); }, 200); });
      setTimeout(() => process.exit(3), 300_000).unref();
      break;
    }
    default:
      process.stderr.write(`usage: load.ts echo|pingpong|rate|hold <host> <port> …\n`);
      process.exit(2);
  }
}

main().catch((e: Error) => { process.stderr.write(`${e.stack ?? e.message}\n`); process.exit(1); });
