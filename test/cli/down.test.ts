/**
 * `underpass down`: a real `underpass up` process stopped by it; stale server.json files (dead
 * pid, pid reused by another program) removed without signalling anyone; the namespace sweep
 * with the prefix of server.json (real namespaces when root), and skipped with a message without root.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { isAlive, runDown } from '../../src/cli/down.js';
import { NetnsBackend } from '../../src/net/netns.js';

const BIN = join(import.meta.dirname, '../../bin/underpass.js');
const NONE = { namespaces: [], links: [], configDirs: [] };

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'underpass-down-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('underpass down', () => {
  it('stops a running underpass up and its server.json goes with it', async (t) => {
    const dataDir = tempDir(t);
    const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--data-dir', dataDir, '--network', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    await until(() => existsSync(join(dataDir, 'server.json')) || child.exitCode !== null, 30_000, 'underpass up started');
    assert.equal(child.exitCode, null, out);
    await until(() => out.includes('try: aws'), 10_000, 'the start-up banner');
    assert.match(out, /\n  network: none/, 'the banner says which network runs');
    const lines: string[] = [];
    const report = await runDown({ dataDir, isRoot: false, log: (l) => lines.push(l) });
    assert.equal(report.stopped, child.pid);
    assert.ok(!report.killed);
    assert.ok(!isAlive(child.pid!));
    assert.ok(!existsSync(join(dataDir, 'server.json')));
    assert.match(lines.join('\n'), new RegExp(`stopped Underpass \\(pid ${child.pid}\\)`));
    assert.match(lines.join('\n'), /not root: leftover network namespaces \(prefix up-\) not swept/);
  });

  it('removes a stale server.json (dead pid, or a pid now used by another program) and signals nobody', async (t) => {
    const dataDir = tempDir(t);
    const file = join(dataDir, 'server.json');
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(file, JSON.stringify({ host: '127.0.0.1', port: 1, pid: gone.pid, region: 'us-east-1', auth: 'dev', adminToken: 'x' }));
    let lines: string[] = [];
    let report = await runDown({ dataDir, isRoot: true, log: (l) => lines.push(l), sweep: async () => NONE });
    assert.equal(report.stopped, undefined);
    assert.ok(report.removedServerFile);
    assert.ok(!existsSync(file));
    assert.match(lines.join('\n'), /no Underpass running .* is gone\)[\s\S]*removed stale[\s\S]*no leftover network namespaces \(prefix up-\)/);

    const other = spawn('sleep', ['30']);
    t.after(() => other.kill('SIGKILL'));
    writeFileSync(file, JSON.stringify({ host: '127.0.0.1', port: 1, pid: other.pid, region: 'us-east-1', auth: 'dev', adminToken: 'x' }));
    lines = [];
    report = await runDown({ dataDir, isRoot: true, log: (l) => lines.push(l), sweep: async () => NONE });
    assert.equal(report.stopped, undefined);
    assert.ok(isAlive(other.pid!), 'an unrelated process is never signalled');
    assert.ok(!existsSync(file));
    assert.match(lines.join('\n'), /is not an Underpass \(the file is stale\): not signalled/);
  });

  it('only sweeps when nothing runs, with the prefix server.json names', async (t) => {
    const dataDir = tempDir(t);
    const lines: string[] = [];
    const asked: string[] = [];
    const report = await runDown({ dataDir, isRoot: true, log: (l) => lines.push(l), sweep: async (p) => { asked.push(p); return { namespaces: ['up-v1', 'up-w2'], links: [], configDirs: ['up-w2'] }; } });
    assert.deepEqual(asked, ['up-']);
    assert.equal(report.removedServerFile, false);
    assert.match(lines.join('\n'), /no Underpass running for .* \(no server.json\)\nremoved leftover 2 namespaces \(up-v1, up-w2\), 1 \/etc\/netns directory \(up-w2\)/);
  });

  const root = process.platform === 'linux' && process.getuid?.() === 0;
  it('removes real leftover namespaces of the server.json prefix', { skip: root ? false : 'needs root' }, async (t) => {
    const dataDir = tempDir(t);
    const prefix = `ud${process.pid % 10000}-`;
    t.after(async () => { await new NetnsBackend({ prefix }).sweep(); });
    const ns = `${prefix}vleftover`;
    execFileSync('ip', ['netns', 'add', ns]);
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ host: '127.0.0.1', port: 1, pid: 999_999_999, region: 'us-east-1', auth: 'dev', adminToken: 'x', netPrefix: prefix }));
    const lines: string[] = [];
    const report = await runDown({ dataDir, isRoot: true, log: (l) => lines.push(l) });
    assert.deepEqual(report.swept?.namespaces, [ns]);
    assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns));
    assert.match(lines.join('\n'), new RegExp(`removed leftover 1 namespace \\(${ns}\\)`));
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(ns));
  });
});
