/**
 * `npm run bench [-- --quick] [-- --only <suite>] [-- --repetitions N]`: installs the Debian tools
 * the suites need when missing (as root), runs every suite in bench/suites/ (or one), prints a
 * Markdown table per suite (median and min–max per subject, ratio to the anchor, target
 * pass/short) and writes bench/results/<YYYY-MM-DD>-<short commit>.json and .md with the machine
 * (`-quick` before the extension in quick mode).
 * Ctrl-C aborts the running suite, which removes everything it created.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { renderSuite, type Machine } from './lib/report.js';
import { run } from './lib/proc.js';
import type { Suite, SuiteResult } from './lib/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Commands the suites run, and the Debian package providing each. */
const TOOLS: Array<[command: string, pkg: string]> = [['iperf3', 'iperf3'], ['wrk', 'wrk'], ['haproxy', 'haproxy'], ['dnsmasq', 'dnsmasq-base']];

function has(command: string): boolean {
  return ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin'].some((d) => existsSync(join(d, command)));
}

async function installMissing(log: (l: string) => void): Promise<void> {
  const missing = TOOLS.filter(([c]) => !has(c));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, p]) => p))];
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    log(`missing ${missing.map(([c]) => c).join(', ')}: install ${pkgs.join(' ')} (not root or no apt-get: the suites needing them will fail or skip)`);
    return;
  }
  log(`installing ${pkgs.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = await run(['apt-get', 'update', '-qq'], { timeoutMs: 300_000, env });
  if (upd.code !== 0) log(`apt-get update failed: ${upd.stderr.trim().slice(-500)}`);
  const inst = await run(['apt-get', 'install', '-y', '-qq', ...pkgs], { timeoutMs: 600_000, env });
  if (inst.code !== 0) log(`apt-get install failed: ${inst.stderr.trim().slice(-500)}`);
}

function machine(): Machine {
  const commit = (() => {
    try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return 'unknown'; }
  })();
  const dirty = (() => {
    try { return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== ''; } catch { return false; }
  })();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, kernel: release(), node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, commit, dirty, date: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** A suite module exports its `Suite` as `suite`, as the default export, or under the file's name. */
function pickSuite(mod: Record<string, unknown>, name: string): Suite | undefined {
  const fn = [mod.suite, mod.default, mod[name]].find((v) => typeof v === 'function');
  return typeof fn === 'function' ? (fn as Suite) : undefined;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      repetitions: { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const suitesDir = join(ROOT, 'bench', 'suites');
  const available = readdirSync(suitesDir).filter((f) => f.endsWith('.ts')).map((f) => basename(f, '.ts')).sort();
  if (values.help) {
    console.log(`npm run bench -- [--quick] [--only <suite>]… [--repetitions N] [--no-install]\nsuites: ${available.join(', ')}`);
    return;
  }
  const chosen = values.only?.length ? values.only : available;
  for (const s of chosen) if (!available.includes(s)) throw new Error(`no suite ${s} (have: ${available.join(', ')})`);
  const repetitions = Math.max(3, Number(values.repetitions ?? 3));
  const log = (l: string) => console.error(`# ${l}`);
  if (!values['no-install']) await installMissing(log);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    log(`${sig}: stopping and cleaning up${interrupts > 1 ? ' (again: exiting now)' : ''}`);
    controller.abort(new Error(sig));
    if (interrupts > 1) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const m = machine();
  const mode = values.quick ? 'quick' : 'full';
  log(`${mode} mode, ${repetitions} repetitions; ${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}, commit ${m.commit}${m.dirty ? '+' : ''}`);
  const results: SuiteResult[] = [];
  const md: string[] = [`# Underpass benchmark, ${mode} mode`, '', machineLine(m), ''];
  for (const name of chosen) {
    if (controller.signal.aborted) break;
    const mod = (await import(pathToFileURL(join(suitesDir, `${name}.ts`)).href)) as Record<string, unknown>;
    const suite = pickSuite(mod, name);
    if (!suite) { log(`${name}: exports no suite function, skipped`); continue; }
    log(`suite ${name}`);
    const t0 = Date.now();
    let result: SuiteResult;
    try {
      result = await suite({ quick: !!values.quick, repetitions, log: (l) => log(`${name}: ${l}`), signal: controller.signal });
    } catch (e) {
      result = { suite: name, samples: [], notes: [`failed: ${(e as Error).stack ?? e}`] };
    }
    result.notes.push(`took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    results.push(result);
    const table = renderSuite(result);
    console.log(`\n${table}`);
    md.push(table, '');
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // Quick runs get a suffix so that they never overwrite the full run of the same day and commit.
  const stem = join(dir, `${m.date.slice(0, 10)}-${m.commit}${values.quick ? '-quick' : ''}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify({ mode, repetitions, machine: m, suites: results }, null, 2)}\n`);
  writeFileSync(`${stem}.md`, `${md.join('\n')}\n`);
  log(`wrote ${stem}.json and .md`);
  if (results.some((r) => r.notes.some((n) => n.startsWith('failed:')))) process.exitCode = 1;
  if (controller.signal.aborted) process.exitCode = 130;
}

function machineLine(m: Machine): string {
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; load average at start ${m.loadAverage.join(' ')}; `
    + `commit ${m.commit}${m.dirty ? ' (with uncommitted changes)' : ''}, ${m.date}.`;
}

main().catch((e: Error) => { console.error(e.stack ?? e.message); process.exit(1); });
