/**
 * Process helpers of the benchmark: run a command to completion with a hard time bound, wait for a
 * line from a long-running child, and read a process's resident memory and CPU time from /proc.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs argv[0] with the rest as arguments; SIGKILL after `timeoutMs` (always bounded). Never rejects on a non-zero exit. */
export function run(argv: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal; input?: string } & Pick<SpawnOptions, 'env' | 'cwd'>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    collectUntilExit(child, opts.timeoutMs, opts.signal).then(resolve, reject);
    child.stdin?.end(opts.input ?? '');
  });
}

/** Collects a child's output until it exits; kills it (SIGKILL) after `timeoutMs` or when `signal` aborts. */
export function collectUntilExit(child: ChildProcess, timeoutMs: number, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const kill = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
    const timer = setTimeout(() => { timedOut = true; kill(); }, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Resolves once the child's stdout (or stderr) has contained `pattern`; rejects after `timeoutMs` or if it exits first. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err); else resolve(seen);
    };
    const onData = (d: Buffer | string) => { seen += d.toString(); if (pattern.test(seen)) done(); };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before printing ${pattern}: ${seen.slice(-500)}`));
    const timer = setTimeout(() => done(new Error(`no ${pattern} after ${timeoutMs} ms: ${seen.slice(-500)}`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** User + system CPU seconds `pid` has used so far (its threads included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12]: utime, stime (fields 14 and 15 of proc(5), counted from the state field).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sleeps `ms` (the bench's own pacing between phases, never in tests). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value; rejects after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`${what}: not met after ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}
