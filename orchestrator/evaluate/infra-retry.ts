// Retries work that failed for an infrastructure reason (outcome.infrastructure), a bounded number of times.
import type { EvaluationOutcome } from '../../evaluators/result.js';

/** Retries after the first try: a platform hiccup (EAGAIN, sandbox start) gets two more chances. */
export const INFRA_RETRIES = 2;

/** The platform's fault recorded on an outcome, if any (set by evaluators/run-evaluation.ts). */
export function infraOf(outcome: EvaluationOutcome | undefined): string | undefined {
  return outcome && 'infrastructure' in outcome ? outcome.infrastructure : undefined;
}

/**
 * Runs `attempt` until `causeOf` finds no infrastructure fault or `retries` retries are spent. Returns the last
 * result and, when the fault persisted, its cause: the caller records that as infrastructure, never as the
 * candidate's failure. An aborted signal stops retrying at once.
 */
export async function retryInfrastructure<T>(
  attempt: () => Promise<T>,
  causeOf: (r: T) => string | undefined,
  opts: { retries?: number; signal?: AbortSignal; onRetry?: (cause: string, retry: number) => void } = {},
): Promise<{ result: T; infrastructure?: string }> {
  const retries = opts.retries ?? INFRA_RETRIES;
  for (let i = 0; ; i++) {
    const result = await attempt();
    const cause = causeOf(result);
    if (cause === undefined) return { result };
    if (i >= retries || opts.signal?.aborted) return { result, infrastructure: cause };
    opts.onRetry?.(cause, i + 1);
  }
}

/** The outcome as stored after retries ran out: its reason names the platform fault, not the candidate. */
export function asInfrastructureFailure(
  outcome: EvaluationOutcome,
  cause: string | undefined,
): EvaluationOutcome {
  if (cause === undefined || !('reason' in outcome)) return outcome;
  return { ...outcome, reason: `infrastructure (not the candidate's failure): ${cause}` };
}
