/**
 * The guard every namespace-using end-to-end file shares: why it cannot run here (not root, a tool
 * missing — a failure under CI, a skip elsewhere), its own netns prefix, and an `after` hook that
 * sweeps the prefix and fails when anything with it is left behind.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { NetnsBackend } from '../../src/net/netns.js';
import { cannotRun } from '../net/topologies.js';

export interface NetnsSuite {
  /** Why the file cannot run here, if so. */
  why: string | undefined;
  /** Options for `describe`: a skip with the reason, or nothing. */
  kernel: { skip?: string };
  /** `<tag><pid % 1000>-`: this file's names. */
  prefix: string;
}

/** Call once at the top of a test file. `also`: a further reason it cannot run (a missing tool), checked after root. */
export function netnsSuite(tag: string, what: string, also?: () => string | undefined): NetnsSuite {
  const why = cannotRun() ?? also?.();
  if (why && process.env.CI) throw new Error(`${what} cannot run under CI: ${why}`);
  const prefix = `${tag}${process.pid % 1000}-`;
  after(async () => {
    if (why) return;
    const b = new NetnsBackend({ prefix });
    await b.sweep();
    assert.deepEqual((await b.listOwned()).namespaces, [], `namespaces with ${prefix} left behind`);
  });
  return { why, kernel: why ? { skip: `${why}: skipped (set CI to make this a failure)` } : {}, prefix };
}
