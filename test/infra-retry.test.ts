// The infrastructure retry: bounded retries of platform faults, the cause kept when they persist, no blame.
import { describe, expect, it } from 'vitest';
import {
  asInfrastructureFailure,
  infraOf,
  INFRA_RETRIES,
  retryInfrastructure,
} from '../orchestrator/evaluate/infra-retry.js';
import type { EvaluationOutcome } from '../evaluators/result.js';

const failed = (infrastructure?: string): EvaluationOutcome => ({
  status: 'failed',
  reason: 'evaluator exited with code 1',
  feedback: '',
  durationMs: 1,
  stderrTail: 'BlockingIOError: [Errno 11] Resource temporarily unavailable',
  stdoutTail: '',
  ...(infrastructure ? { infrastructure } : {}),
});

describe('retryInfrastructure', () => {
  it('retries a platform fault and returns the first clean outcome', async () => {
    const seq = [failed('fork EAGAIN'), failed()];
    const retries: number[] = [];
    const r = await retryInfrastructure(async () => seq.shift()!, infraOf, {
      onRetry: (_c, n) => retries.push(n),
    });
    expect(r.infrastructure).toBeUndefined();
    expect(infraOf(r.result)).toBeUndefined();
    expect(retries).toEqual([1]);
  });

  it('gives up after INFRA_RETRIES retries and names the cause; the stored reason does not blame the candidate', async () => {
    let tries = 0;
    const r = await retryInfrastructure(async () => (tries++, failed('sandbox could not start')), infraOf);
    expect(tries).toBe(INFRA_RETRIES + 1);
    expect(r.infrastructure).toBe('sandbox could not start');
    const stored = asInfrastructureFailure(r.result, r.infrastructure);
    expect('reason' in stored && stored.reason).toBe(
      "infrastructure (not the candidate's failure): sandbox could not start",
    );
  });

  it("does not retry the candidate's own failure, nor after an abort", async () => {
    let tries = 0;
    await retryInfrastructure(async () => (tries++, failed()), infraOf);
    expect(tries).toBe(1);
    const ac = new AbortController();
    ac.abort();
    tries = 0;
    const r = await retryInfrastructure(async () => (tries++, failed('x')), infraOf, { signal: ac.signal });
    expect(tries).toBe(1);
    expect(r.infrastructure).toBe('x');
  });
});
