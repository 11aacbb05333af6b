/**
 * `underpass demo --start` end to end, as a newcomer runs it: it starts its own Underpass with the
 * netns network, shows a request through the endpoint reaching each target and a direct request
 * failing, and removes everything afterwards. Root needed (skipped with a message otherwise,
 * failed under CI). Its networks carry a prefix of this test's own, swept even when it fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NetnsBackend } from '../../src/net/netns.js';
import { cannotRun } from '../net/topologies.js';
import { namespaces } from './support.js';

const why = cannotRun();
if (why && process.env.CI) throw new Error(`demo test cannot run under CI: ${why}`);
const kernel = why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {};

const BIN = join(import.meta.dirname, '../../bin/underpass.js');

describe('underpass demo', kernel, () => {
  it('runs PrivateLink end to end with its own server and leaves nothing behind', { timeout: 240_000 }, async (t) => {
    const prefix = `uy${process.pid % 10000}-`;
    t.after(async () => { await new NetnsBackend({ prefix }).sweep(); });
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'demo', '--start', '--net-prefix', prefix], {
        env: { ...process.env, UNDERPASS_DATA_DIR: '/nonexistent-underpass-demo-test', UNDERPASS_PORT: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Started Underpass on port \d+/);
    assert.match(r.out, /endpoint vpce-[0-9a-f]+: pendingAcceptance/);
    assert.match(r.out, /endpoint vpce-[0-9a-f]+: available/);
    assert.match(r.out, /hello from target A \(10\.0\.1\.10\)/);
    assert.match(r.out, /hello from target B \(10\.0\.2\.10\)/);
    assert.match(r.out, /failed, as it should \(exit \d+/);
    assert.match(r.out, /private DNS name api\.underpass-demo\.example: verified/);
    assert.match(r.out, /curl -s http:\/\/api\.underpass-demo\.example\/\n\s+hello from target [AB]/, 'by the private DNS name, inside the consumer VPC');
    assert.match(r.out, /from the provider's VPC\) api\.underpass-demo\.example is the public address: 192\.0\.2\.10/);
    assert.match(r.out, /Done: the consumer reached the provider's targets through vpce-[0-9a-f]+ only\./);
    assert.match(r.out, /stopped the demo's Underpass and removed its networks/);
    assert.deepEqual(namespaces(prefix), []);
  });
});
