/** Layers depend downwards only: pure folders import no I/O and nothing of the layers above them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

const PURE = ['src/core', 'src/wire', 'src/policy', 'src/reconcile', 'src/dns'];
/** node: modules a pure folder may use (no network, no database, no child processes). */
const ALLOWED_NODE = new Set(['node:crypto']);
/** wire/model.ts reads its bundled model files once at load: the only file access in pure code. */
const MODEL_LOADER = 'src/wire/model.ts';

describe('layering', () => {
  for (const dir of PURE) {
    for (const file of files(dir)) {
      it(`${file} stays pure`, () => {
        for (const spec of imports(file)) {
          assert.ok(!/\/(control|cli|dataplane|dns|net|console)\//.test(spec) && !spec.startsWith('../control'),
            `${file} imports ${spec}: pure code must not depend on higher layers`);
          if (spec.startsWith('node:') && !ALLOWED_NODE.has(spec)) {
            assert.ok(file === MODEL_LOADER && spec === 'node:fs', `${file} imports ${spec}: pure code does no I/O`);
          }
          assert.ok(!['better-sqlite3', 'pg', 'kysely'].includes(spec), `${file} imports the database driver ${spec}`);
        }
      });
    }
  }
  it('src/core imports nothing of src/wire or above', () => {
    for (const file of files('src/core')) {
      for (const spec of imports(file)) assert.ok(!spec.includes('/wire/') && !spec.startsWith('../wire'), `${file} imports ${spec}`);
    }
  });
  it('every source folder has a one-line doc', () => {
    const dirs = ['src', ...files('src').map((f) => f.slice(0, f.lastIndexOf('/')))];
    for (const dir of new Set(dirs)) {
      const hasReadme = readdirSync(dir).includes('README.md');
      const indexDoc = readdirSync(dir).includes('index.ts') && /^\/\*\*/.test(readFileSync(join(dir, 'index.ts'), 'utf8'));
      assert.ok(hasReadme || indexDoc, `${dir} has neither a README.md nor a documented index.ts`);
    }
  });
  it('every source file starts with a doc comment', () => {
    for (const file of files('src')) {
      assert.match(readFileSync(file, 'utf8'), /^(#!.*\n)?\/\*\*|^\/\//, `${file} has no leading doc comment`);
    }
  });
});
