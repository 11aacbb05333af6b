/** The bench's Cleanup runs every step once, last registered first, even when one fails or hangs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cleanup } from '../../bench/lib/cleanup.js';

describe('bench cleanup', () => {
  it('runs steps last-first, once, past failures and a stuck step', async () => {
    const c = new Cleanup();
    const ran: string[] = [];
    c.add('a', () => { ran.push('a'); });
    c.add('b', () => { throw new Error('boom'); });
    c.add('stuck', () => new Promise(() => {}));
    c.add('d', async () => { ran.push('d'); });
    const errors = await c.run(50);
    assert.deepEqual(ran, ['d', 'a']);
    assert.equal(errors.length, 2);
    assert.match(errors.join('\n'), /stuck: timed out/);
    assert.match(errors.join('\n'), /b: boom/);
    assert.deepEqual(await c.run(), [], 'a second run does nothing');
  });
});
