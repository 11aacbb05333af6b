/**
 * Golden JSON files under test/reconcile/golden/: `UPDATE_GOLDEN=1` (re)writes them — read the
 * diff by hand before accepting; otherwise a missing or different file fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const GOLDEN = new URL('./golden/', import.meta.url);

export function golden(name: string, value: unknown): void {
  const file = new URL(`${name}.json`, GOLDEN);
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${name}.json is missing (UPDATE_GOLDEN=1 writes it; review it before committing)`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name}.json differs (UPDATE_GOLDEN=1 rewrites it after review)`);
}
