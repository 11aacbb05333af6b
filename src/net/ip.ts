/**
 * A thin runner for the `ip` command (iproute2): execFile without a shell, optional stdin for
 * `ip -batch -`, a timeout on every call, and errors that carry the command line and stderr.
 * The exec function is injectable so callers can be tested without root.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs `file args` with `input` on stdin; rejects with `{ code, stderr }`-bearing errors on failure. */
export type ExecFn = (file: string, args: readonly string[], opts: { input?: string; timeoutMs: number }) => Promise<ExecResult>;

export class IpError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(`${command}: ${stderr.trim() || `exit ${String(exitCode)}`}`);
    this.name = 'IpError';
  }
}

/** The default ExecFn: node's execFile (no shell), bounded in time and output size. */
export const execFileFn: ExecFn = (file, args, opts) =>
  new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
        const why = e.killed ? `killed after ${opts.timeoutMs} ms` : e.code === 'ENOENT' ? `${file} not found` : '';
        reject(Object.assign(new Error(e.message), { code: e.code ?? null, stderr: `${stderr}${why ? (stderr ? '\n' : '') + why : ''}`, stdout }));
        return;
      }
      resolve({ stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(quote).join(' ');
}

/** The ip binary's absolute path when found in the usual places (so a child env without PATH still works), else `ip`. */
export function findIp(): string {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) if (existsSync(p)) return p;
  return 'ip';
}

export interface IpRunnerOptions {
  /** Path or name of the ip binary (default: `findIp()`). */
  ipPath?: string;
  exec?: ExecFn;
  /** Per-call timeout (default 15 s). */
  timeoutMs?: number;
}

export class IpRunner {
  readonly ipPath: string;
  private readonly exec: ExecFn;
  private readonly timeoutMs: number;

  constructor(opts: IpRunnerOptions = {}) {
    this.ipPath = opts.ipPath ?? findIp();
    this.exec = opts.exec ?? execFileFn;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** `ip [-n netns] args…`; resolves with stdout. */
  async run(args: readonly string[], opts: { netns?: string; input?: string } = {}): Promise<string> {
    const full = opts.netns ? ['-n', opts.netns, ...args] : [...args];
    return (await this.execRaw(this.ipPath, full, opts.input)).stdout;
  }

  /** `ip [-n netns] -j args…` parsed as JSON (an empty output is `[]`). */
  async json<T = unknown>(args: readonly string[], opts: { netns?: string } = {}): Promise<T> {
    const out = await this.run(['-j', ...args], opts);
    const text = out.trim();
    if (!text) return [] as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new IpError(formatCommand(this.ipPath, ['-j', ...args]), `unparseable JSON output: ${text.slice(0, 200)}`, null);
    }
  }

  /**
   * Several commands in one `ip [-n netns] -batch -` process. Each line is the argv of one
   * command (without `ip`). Stops at the first failing line (no `-force`), whose error is reported.
   */
  async batch(lines: ReadonlyArray<readonly string[]>, opts: { netns?: string } = {}): Promise<void> {
    if (lines.length === 0) return;
    for (const l of lines) {
      for (const a of l) if (/[\s"'\\#]/.test(a) || a === '') throw new Error(`ip batch argument needs quoting, run it alone: ${JSON.stringify(a)}`);
    }
    const input = lines.map((l) => l.join(' ')).join('\n') + '\n';
    const args = opts.netns ? ['-n', opts.netns, '-batch', '-'] : ['-batch', '-'];
    await this.execRaw(this.ipPath, args, input, `\n${input}`);
  }

  /** Any other program (e.g. `ip netns exec ns sysctl …`), with the same error handling. */
  async execRaw(file: string, args: readonly string[], input?: string, extraForMessage = ''): Promise<ExecResult> {
    try {
      return await this.exec(file, args, { input, timeoutMs: this.timeoutMs });
    } catch (err) {
      const e = err as { code?: number | string | null; stderr?: string; message?: string };
      throw new IpError(formatCommand(file, args) + extraForMessage, e.stderr ?? e.message ?? String(err), e.code ?? null);
    }
  }
}
