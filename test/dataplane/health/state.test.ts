/** The pure threshold state machine: sequences of check outcomes → states, reasons and changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCheck, FAILED_DESCRIPTION, INITIAL_STATE, type CheckOutcome, type TargetCheckState, type Thresholds } from '../../../src/dataplane/health/state.js';

const OK: CheckOutcome = { ok: true };
const TIMEOUT: CheckOutcome = { ok: false, reasonCode: 'Target.Timeout', description: 'Request timed out' };
const CODE500: CheckOutcome = { ok: false, reasonCode: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [500]' };
const REFUSED: CheckOutcome = { ok: false, reasonCode: 'Target.FailedHealthChecks' };
const BARE: CheckOutcome = { ok: false };

/** Runs a sequence from initial; returns the state after each step and the steps that changed the verdict. */
function run(seq: CheckOutcome[], t: Thresholds): { states: string[]; changedAt: number[]; last: TargetCheckState } {
  let s = INITIAL_STATE;
  const states: string[] = [];
  const changedAt: number[] = [];
  seq.forEach((o, i) => {
    const { next, changed } = applyCheck(s, o, t);
    if (changed) changedAt.push(i);
    s = next;
    states.push(s.state);
  });
  return { states, changedAt, last: s };
}

const rep = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x);
const abbrev = (states: string[]): string => states.map((s) => s[0]).join('');

describe('applyCheck', () => {
  const rows: Array<{ name: string; t: Thresholds; seq: CheckOutcome[]; want: string; changedAt: number[]; reason?: string; description?: string }> = [
    { name: 'healthy after 5 successes (NLB defaults)', t: { healthyThreshold: 5, unhealthyThreshold: 2 }, seq: rep(5, OK), want: 'iiiih', changedAt: [4] },
    { name: 'unhealthy after 2 failures from initial', t: { healthyThreshold: 5, unhealthyThreshold: 2 }, seq: [TIMEOUT, TIMEOUT], want: 'iu', changedAt: [1], reason: 'Target.Timeout', description: 'Request timed out' },
    { name: 'a failure resets the success count', t: { healthyThreshold: 3, unhealthyThreshold: 3 }, seq: [OK, OK, REFUSED, OK, OK, OK], want: 'iiiiih', changedAt: [5] },
    { name: 'a success resets the failure count', t: { healthyThreshold: 3, unhealthyThreshold: 3 }, seq: [REFUSED, REFUSED, OK, REFUSED, REFUSED, REFUSED], want: 'iiiiiu', changedAt: [5], reason: 'Target.FailedHealthChecks', description: FAILED_DESCRIPTION },
    { name: 'healthy stays healthy below the unhealthy threshold', t: { healthyThreshold: 2, unhealthyThreshold: 3 }, seq: [OK, OK, CODE500, CODE500, OK, CODE500], want: 'ihhhhh', changedAt: [1] },
    { name: 'healthy → unhealthy after M failures, reason of the last failure', t: { healthyThreshold: 2, unhealthyThreshold: 3 }, seq: [OK, OK, TIMEOUT, TIMEOUT, CODE500], want: 'ihhhu', changedAt: [1, 4], reason: 'Target.ResponseCodeMismatch', description: CODE500.description },
    { name: 'unhealthy → healthy after N successes', t: { healthyThreshold: 4, unhealthyThreshold: 2 }, seq: [BARE, BARE, OK, OK, OK, OK], want: 'iuuuuh', changedAt: [1, 5] },
    { name: 'unhealthy: a new reason is a change, the same is not', t: { healthyThreshold: 2, unhealthyThreshold: 2 }, seq: [TIMEOUT, TIMEOUT, TIMEOUT, CODE500, CODE500], want: 'iuuuu', changedAt: [1, 3], reason: 'Target.ResponseCodeMismatch' },
    { name: 'unhealthy keeps its reason through successes below the threshold', t: { healthyThreshold: 3, unhealthyThreshold: 2 }, seq: [TIMEOUT, TIMEOUT, OK, OK], want: 'iuuu', changedAt: [1], reason: 'Target.Timeout' },
    { name: 'unhealthy: a failure after a success updates the reason', t: { healthyThreshold: 3, unhealthyThreshold: 2 }, seq: [TIMEOUT, TIMEOUT, OK, CODE500], want: 'iuuu', changedAt: [1, 3], reason: 'Target.ResponseCodeMismatch' },
    { name: 'a failure without a reason code counts as Target.FailedHealthChecks', t: { healthyThreshold: 2, unhealthyThreshold: 2 }, seq: [BARE, BARE], want: 'iu', changedAt: [1], reason: 'Target.FailedHealthChecks', description: FAILED_DESCRIPTION },
    { name: 'flapping below both thresholds never leaves initial', t: { healthyThreshold: 2, unhealthyThreshold: 2 }, seq: [OK, REFUSED, OK, REFUSED, OK, REFUSED], want: 'iiiiii', changedAt: [] },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const got = run(r.seq, r.t);
      assert.equal(abbrev(got.states), r.want);
      assert.deepEqual(got.changedAt, r.changedAt);
      if (got.last.state === 'unhealthy') {
        assert.equal(got.last.reason, r.reason);
        if (r.description !== undefined) assert.equal(got.last.description, r.description);
      } else {
        assert.equal(got.last.reason, undefined);
        assert.equal(r.reason, undefined, 'the row expects a reason but the target is not unhealthy');
      }
    });
  }

  for (let n = 2; n <= 10; n++) {
    for (const m of [2, 5, 10]) {
      it(`thresholds healthy=${n} unhealthy=${m}: exact step counts both ways`, () => {
        const t = { healthyThreshold: n, unhealthyThreshold: m };
        const up = run(rep(n, OK), t);
        assert.equal(abbrev(up.states), 'i'.repeat(n - 1) + 'h');
        const down = run([...rep(n, OK), ...rep(m, TIMEOUT)], t);
        assert.equal(abbrev(down.states), 'i'.repeat(n - 1) + 'h'.repeat(m) + 'u');
        assert.deepEqual(down.changedAt, [n - 1, n + m - 1]);
        const back = run([...rep(m, REFUSED), ...rep(n, OK)], t);
        assert.equal(abbrev(back.states), 'i'.repeat(m - 1) + 'u'.repeat(n) + 'h');
      });
    }
  }

  it('does not mutate the previous state', () => {
    const prev = { ...INITIAL_STATE };
    applyCheck(prev, OK, { healthyThreshold: 2, unhealthyThreshold: 2 });
    assert.deepEqual(prev, INITIAL_STATE);
  });
});
