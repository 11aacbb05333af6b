#!/usr/bin/env node
// `npm test`: runs every test/**/*.test.ts with node's test runner (2 workers). When no
// UNDERPASS_TEST_PG_URL is given and Debian's PostgreSQL server is installed, it starts a
// throwaway cluster for the PostgreSQL variants of the tests and removes it afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function pgBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1), 'bin') : undefined;
}

function startPostgres() {
  const bin = pgBin();
  if (!bin) return undefined;
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const dir = mkdtempSync(join(tmpdir(), 'underpass-pg-'));
  if (asPostgres.length) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pw.status !== 0) return undefined;
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
  }
  const port = 54000 + Math.floor(Math.random() * 900);
  const run = (args) => spawnSync(asPostgres[0] ?? args[0], asPostgres.length ? [...asPostgres.slice(1), ...args] : args.slice(1), { encoding: 'utf8' });
  let r = run([join(bin, 'initdb'), '-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  if (r.status !== 0) { console.error(r.stderr); rmSync(dir, { recursive: true, force: true }); return undefined; }
  r = run([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`, 'start']);
  if (r.status !== 0) { console.error(r.stderr); rmSync(dir, { recursive: true, force: true }); return undefined; }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      run([join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const files = process.argv.length > 2 ? process.argv.slice(2) : findTests('test');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
let pg;
if (!env.UNDERPASS_TEST_PG_URL) {
  pg = startPostgres();
  if (pg) {
    env.UNDERPASS_TEST_PG_URL = pg.url;
    console.log(`# PostgreSQL variants run on a throwaway cluster (${pg.url})`);
  } else if (env.CI) {
    console.error('# CI needs PostgreSQL: install Debian\'s postgresql (see .ci/run)');
    process.exit(1);
  } else {
    console.log('# PostgreSQL is not installed: the PostgreSQL variants of the tests are skipped');
  }
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
const cleanup = () => { try { pg?.stop(); } catch { /* already stopped */ } };
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
