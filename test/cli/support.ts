/** Helpers of the CLI tests: `underpass …` as a child process, namespaces by prefix, a server with the netns data plane. */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { NetnsBackend } from '../../src/net/netns.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const BIN = join(import.meta.dirname, '../../bin/underpass.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `underpass <args>` as a child (asynchronously: the server answers from this process). */
export function underpass(dataDir: string, account: string, args: string[], opts: { onSpawn?: (pid: number) => void; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, UNDERPASS_DATA_DIR: dataDir, UNDERPASS_PORT: '', AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('spawn', () => opts.onSpawn?.(child.pid!));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function namespaces(prefix: string): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

let serial = 0;

/** A server with the netns data plane and a prefix of this test's own; everything swept afterwards. */
export async function netnsServer(t: TestContext): Promise<{ up: TestServer; prefix: string }> {
  const prefix = `ux${(process.pid * 13 + ++serial) % 10000}-`;
  const up = await startTestServer(t, { dialect: 'sqlite', network: 'netns', netPrefix: prefix });
  // Registered after the server's own cleanup, so it runs after the server has closed.
  t.after(async () => {
    await new NetnsBackend({ prefix }).sweep();
  });
  return { up, prefix };
}

/** The provider's VPC 10.0.0.0/16 with subnets 10.0.1.0/24 (`one`) and 10.0.2.0/24 (`two`); `lowest` is the one with the lower id. */
