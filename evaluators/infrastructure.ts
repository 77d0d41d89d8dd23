// Tells an evaluation that failed because of the platform (sandbox, process budget, warden) from one the candidate caused.
import type { EvaluationOutcome } from './result.js';

/**
 * Why a failed outcome is the platform's fault, or undefined when it may be the candidate's. With trust
 * domains the evaluator runs as its own uid, so a process limit it hits (RLIMIT_NPROC counts every task of
 * that uid, other sessions' evaluators included) is not the candidate's doing. Callers retry such an
 * outcome a bounded number of times and record it as an infrastructure failure, never as the candidate's.
 */
export function infrastructureCause(outcome: EvaluationOutcome): string | undefined {
  if (outcome.status !== 'failed' && outcome.status !== 'invalid-result') return undefined;
  if (outcome.reason.startsWith('sandbox could not start')) return outcome.reason;
  const err = outcome.stderrTail;
  const warden = /^adrs warden: (cannot start the evaluator|must start as root|usage).*$/m.exec(err);
  if (warden) return warden[0];
  // The trusted side could not fork: EAGAIN from fork/clone in the evaluator itself (Python or a shell).
  const eagain =
    /^(BlockingIOError: \[Errno 11\] Resource temporarily unavailable|.*fork: (retry: )?Resource temporarily unavailable|adrs warden: .*Errno 11.*)$/m.exec(
      err,
    );
  if (eagain) return `the evaluator could not start a process (${eagain[0].trim().slice(0, 160)})`;
  return undefined;
}
