/** docs/errors.md and the error catalogue in src/core/errors.ts list the same codes and statuses. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CODES, ERROR_MEANINGS, httpStatusOf } from '../../src/core/errors.js';

it('docs/errors.md matches the catalogue', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([A-Za-z0-9.]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
  for (const code of ERROR_CODES) {
    assert.ok(rows.has(code), `docs/errors.md lacks ${code}`);
    assert.equal(rows.get(code), httpStatusOf(code), `docs/errors.md gives ${code} another status`);
  }
  for (const code of rows.keys()) assert.ok((ERROR_CODES as readonly string[]).includes(code), `docs/errors.md lists ${code}, which the code never emits`);
  for (const code of ERROR_CODES) assert.ok(ERROR_MEANINGS[code], `${code} has no meaning in ERROR_MEANINGS`);
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length, 'ERROR_CODES has duplicates');
});
