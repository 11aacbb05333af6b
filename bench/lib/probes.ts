/**
 * The small programs the API and scale suites run inside workload namespaces (`node -e …`), and a
 * line-at-a-time handle on such a process: a target that greets every connection with one byte,
 * and a prober that times how long until a new endpoint carries a byte or a deleted one refuses.
 */
import type { ChildProcess } from 'node:child_process';

/** Target: `node -e GREETER <ip> <port>` writes one byte to every connection; prints "ready" once listening. */
export const GREETER = `require('node:net').createServer((s) => { s.on('error', () => {}); s.end('x'); })
  .listen({ host: process.argv[1], port: Number(process.argv[2]) }, () => process.stdout.write('ready\\n'));`;

/**
 * Prober: per stdin line "<mode> <ip> <port>": mode "byte" connects every 5 ms (50 ms per attempt)
 * until a byte arrives, mode "refused" until a connection fails or closes without one; prints
 * "ok <attempts>", or "fail <attempts>" after 15 s.
 */
export const PROBER = `
const net = require('node:net');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [mode, host, port] = line.trim().split(' ');
  const until = Date.now() + 15000;
  let attempts = 0;
  const attempt = () => {
    attempts++;
    let done = false;
    const s = net.connect({ host, port: Number(port) });
    const finish = (ok) => {
      if (done) return; done = true; s.destroy();
      if (ok) process.stdout.write('ok ' + attempts + '\\n');
      else if (Date.now() > until) process.stdout.write('fail ' + attempts + '\\n');
      else setTimeout(attempt, 5);
    };
    s.setTimeout(50, () => finish(false));
    s.once('data', () => finish(mode === 'byte'));
    s.on('error', () => finish(mode === 'refused'));
    s.on('close', () => finish(mode === 'refused'));
  };
  attempt();
});`;

/** A child process that answers one stdout line per request line. */
export class LineChild {
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  constructor(child: ChildProcess) {
    this.child = child;
    let buf = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { this.#lines.push(buf.slice(0, i)); buf = buf.slice(i + 1); this.#wake?.(); }
    });
  }

  /** The next line (bounded). */
  next(timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#wake = undefined; reject(new Error(`no answer in ${timeoutMs} ms`)); }, timeoutMs);
      const check = () => { const l = this.#lines.shift(); if (l !== undefined) { clearTimeout(timer); this.#wake = undefined; resolve(l); } };
      this.#wake = check;
      check();
    });
  }

  async ask(line: string): Promise<string> {
    this.child.stdin!.write(`${line}\n`);
    return this.next();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
