// Tells an evaluation that failed because of the platform (sandbox, process budget, warden) from one the candidate caused.
import type { EvaluationOutcome } from './result.js';

/**
 * Why a failed outcome is the platform's fault, or undefined when it may be the candidate's. Only trusted
 * signals count: the sandbox that could not start (the platform's own error), and `trustedReport`, the lines
 * the trusted side wrote to ADRS_INFRA_REPORT in the folder only the evaluator's uid can open (the warden when
 * it cannot start the evaluator, the evaluator when it cannot fork: harness/sitecustomize.py). Never stderr:
 * a candidate shares it and can print "BlockingIOError: [Errno 11]" to be retried instead of failed. With trust
 * domains the evaluator runs as its own uid, so a process limit it hits (RLIMIT_NPROC counts every task of that
 * uid, other sessions' evaluators included) is not the candidate's doing. An outcome the sandbox killed (a
 * limit the candidate can reach) stays the candidate's. Callers retry such an outcome a bounded number of times
 * and record it as an infrastructure failure, never as the candidate's.
 */
export function infrastructureCause(outcome: EvaluationOutcome, trustedReport?: string): string | undefined {
  if (outcome.status !== 'failed' && outcome.status !== 'invalid-result') return undefined;
  if (outcome.reason.startsWith('sandbox could not start')) return outcome.reason;
  if (outcome.reason.startsWith('killed:')) return undefined;
  const line = trustedReport
    ?.split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  return line ? line.slice(0, 300) : undefined;
}
