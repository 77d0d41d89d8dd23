// The loop's stop on a doomed run: the same provider error N times in a row, or a provider down for too long.
import { describe, expect, it } from 'vitest';
import { FailureStreak } from '../orchestrator/loop/failure-streak.js';
import type { ProposalFailure, ProposalResult } from '../orchestrator/proposers/types.js';

const failed = (
  failure: ProposalFailure | undefined,
  reason = 'anthropic: request refused (400): x',
): ProposalResult => ({
  ok: false,
  reason,
  edit: { kind: 'none', outcome: 'failed', summary: reason },
  proposer: 'p',
  model: 'm',
  costUsd: 0,
  llmCallIds: [],
  ...(failure ? { failure } : {}),
});
const ok: ProposalResult = {
  ok: true,
  files: {},
  edit: { kind: 'diff', outcome: 'applied', summary: 's' },
  proposer: 'p',
  model: 'm',
  costUsd: 0,
  llmCallIds: [],
};
const refused: ProposalFailure = {
  key: 'llm:bad-request:400',
  infrastructure: true,
  retryable: false,
  fix: 'lower it',
};
const overloaded: ProposalFailure = { key: 'llm:overloaded:529', infrastructure: true, retryable: true };
const edit: ProposalFailure = { key: 'edit', infrastructure: false, retryable: false };

describe('FailureStreak', () => {
  it('stops on the Nth same non-retryable error in a row, naming it and the fix', () => {
    const s = new FailureStreak({ stopAfterFailures: 3, outageLimitS: 60 });
    expect(s.observe(failed(refused))).toBeUndefined();
    expect(s.observe(failed(refused))).toBeUndefined();
    expect(s.observe(failed(refused))).toBe(
      '3 proposals in a row failed with the same error: anthropic: request refused (400): x; fix: lower it',
    );
  });

  it('a success, a model-side failure or another error starts the count again', () => {
    const s = new FailureStreak({ stopAfterFailures: 2, outageLimitS: 60 });
    for (const between of [ok, failed(edit), failed({ ...refused, key: 'llm:bad-request:413' })]) {
      expect(s.observe(failed(refused))).toBeUndefined();
      s.observe(between);
    }
    expect(s.observe(failed(refused))).toBeUndefined();
    expect(s.observe(failed(refused))).toMatch(/^2 proposals in a row/);
    // Failures without a classification (older proposers) never stop a run.
    const t = new FailureStreak({ stopAfterFailures: 1, outageLimitS: 60 });
    expect(t.observe(failed(undefined))).toBeUndefined();
  });

  it('a run of retryable failures stops once it has lasted outageLimitS, and a success resets the clock', () => {
    let now = 0;
    const s = new FailureStreak({ stopAfterFailures: 3, outageLimitS: 600, now: () => now });
    for (let i = 0; i < 5; i++) {
      expect(s.observe(failed(overloaded, 'anthropic: overloaded (529): Overloaded'))).toBeUndefined();
      now += 100_000;
    }
    s.observe(ok);
    now += 1_000_000;
    expect(s.observe(failed(overloaded))).toBeUndefined();
    now += 599_000;
    expect(s.observe(failed(overloaded))).toBeUndefined();
    now += 1_000;
    expect(s.observe(failed(overloaded, 'anthropic: overloaded (529): Overloaded'))).toMatch(
      /failed every proposal for 10 min.*outageLimitS 600.*overloaded \(529\).*resume/,
    );
  });
});
