/**
 * `underpass down`: stops the Underpass of a data directory (SIGTERM, then SIGKILL after a bounded
 * wait), then removes whatever namespaces, links and /etc/netns directories with its name prefix
 * are left (a crash leaves them; a clean stop should not) and a stale server.json. Works when
 * nothing runs: then it only sweeps. The sweep needs root; without it, `down` says so and skips it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsBackend, type OwnedObjects } from '../net/netns.js';
import { DEFAULT_PREFIX, isValidPrefix } from '../net/names.js';
import { adminRequest } from './api-client.js';
import type { ServerInfo } from './config.js';

export interface DownOptions {
  dataDir: string;
  /** Overrides server.json's port (UNDERPASS_PORT / --port). */
  port?: number;
  /** How long to wait after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
  /** The prefix to sweep when server.json does not name one (--net-prefix / UNDERPASS_NET_PREFIX; default `up-`). */
  netPrefix?: string;
  isRoot: boolean;
  log(line: string): void;
  /** The sweeper (tests pass one with a test prefix); default a NetnsBackend with `prefix`. */
  sweep?: (prefix: string) => Promise<OwnedObjects>;
}

export interface DownReport {
  /** The pid stopped, if a server was running. */
  stopped?: number;
  /** True when it had to be killed with SIGKILL. */
  killed?: boolean;
  swept?: OwnedObjects;
  removedServerFile: boolean;
}

type ServerFile = Partial<ServerInfo> & { netPrefix?: string };

function readServerFile(file: string): ServerFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerFile;
  } catch {
    return {};
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Whether `pid` is the Underpass of this server.json: its admin API answers with that pid, or
 * (hung, not answering) the process's command line names underpass. A pid reused by another
 * program after a crash is never signalled.
 */
async function isOurServer(info: ServerFile, pid: number): Promise<boolean> {
  if (info.port !== undefined && info.adminToken && info.host) {
    try {
      const r = await adminRequest(info as ServerInfo, 'GET', '/status');
      if (r.status === 200) return r.json.pid === pid;
    } catch {
      /* not answering: judge by the command line */
    }
  }
  return /underpass/i.test(cmdlineOf(pid));
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export async function runDown(opts: DownOptions): Promise<DownReport> {
  const file = join(opts.dataDir, 'server.json');
  const info = readServerFile(file);
  const report: DownReport = { removedServerFile: false };
  const pid = info?.pid;
  if (info && typeof pid === 'number' && pid > 1 && pid !== process.pid && isAlive(pid)) {
    const probe = { ...info, port: opts.port ?? info.port };
    if (await isOurServer(probe, pid)) {
      opts.log(`stopping Underpass (pid ${pid}) …`);
      try {
        process.kill(pid, 'SIGTERM');
      } catch (e) {
        throw new Error(`cannot signal Underpass (pid ${pid}): ${(e as Error).message}`);
      }
      if (!(await waitForExit(pid, opts.stopTimeoutMs ?? 10_000))) {
        opts.log(`  it did not stop within ${(opts.stopTimeoutMs ?? 10_000) / 1000} s: SIGKILL`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
        report.killed = true;
        if (!(await waitForExit(pid, 5000))) throw new Error(`Underpass (pid ${pid}) is still running after SIGKILL`);
      }
      report.stopped = pid;
      opts.log(`stopped Underpass (pid ${pid})`);
    } else {
      opts.log(`pid ${pid} of ${file} is not an Underpass (the file is stale): not signalled`);
    }
  } else if (info) {
    opts.log(`no Underpass running for ${opts.dataDir}${typeof pid === 'number' ? ` (pid ${pid} is gone)` : ''}`);
  } else {
    opts.log(`no Underpass running for ${opts.dataDir} (no server.json)`);
  }
  // The server removes its server.json when it stops cleanly; after a crash or SIGKILL it stays.
  if (existsSync(file)) {
    const now = readServerFile(file);
    const nowPid = now?.pid;
    // Left alone only when another server has started meanwhile and owns the file now.
    if (nowPid === pid || !(typeof nowPid === 'number' && isAlive(nowPid))) {
      rmSync(file, { force: true });
      report.removedServerFile = true;
      opts.log(`removed stale ${file}`);
    }
  }

  const prefix = info?.netPrefix && isValidPrefix(info.netPrefix) ? info.netPrefix : opts.netPrefix ?? DEFAULT_PREFIX;
  if (process.platform !== 'linux') {
    opts.log('not Linux: no namespaces to sweep');
  } else if (!opts.isRoot) {
    opts.log(`not root: leftover network namespaces (prefix ${prefix}) not swept; run 'underpass down' as root to remove them`);
  } else {
    try {
      const swept = await (opts.sweep ?? ((p: string) => new NetnsBackend({ prefix: p }).sweep()))(prefix);
      report.swept = swept;
      const parts = [
        swept.namespaces.length ? `${plural(swept.namespaces.length, 'namespace')} (${swept.namespaces.join(', ')})` : '',
        swept.links.length ? `${plural(swept.links.length, 'link')} (${swept.links.join(', ')})` : '',
        swept.configDirs.length ? `${swept.configDirs.length} /etc/netns ${swept.configDirs.length === 1 ? 'directory' : 'directories'} (${swept.configDirs.join(', ')})` : '',
      ].filter(Boolean);
      opts.log(parts.length ? `removed leftover ${parts.join(', ')}` : `no leftover network namespaces (prefix ${prefix})`);
    } catch (e) {
      opts.log(`could not sweep namespaces with prefix ${prefix}: ${(e as Error).message}`);
    }
  }
  return report;
}
