// Stop conditions of the loop, as predicates over its progress (like `stopWhen` of vercel/ai's generateText).

export interface LoopStatus {
  /** Iterations started after the seed (proposals made or in flight). */
  started: number;
  /** Candidates finished (evaluated or failed) after the seed. */
  completed: number;
  spentUsd: number;
  /** Wall time of the run, summed over sessions (resumes). */
  elapsedMs: number;
  /** Best screen score so far (higher is better), null before any correct candidate. */
  bestScore: number | null;
  /** Finished candidates since the best score last improved. */
  sinceImprovement: number;
}

/** A predicate with the reason shown when it fires. */
export type StopCondition = ((status: LoopStatus) => boolean) & { readonly reason: string };

function named(reason: string, test: (s: LoopStatus) => boolean): StopCondition {
  return Object.assign(test, { reason });
}

/** @example evolve({ ..., stopWhen: [maxIterations(40)] }) */
export const maxIterations = (n: number): StopCondition =>
  named(`reached ${n} iterations`, (s) => s.started >= n);

export const budgetExceeded = (usd: number): StopCondition =>
  named(`spent the budget of $${usd}`, (s) => s.spentUsd >= usd);

export const wallTime = (ms: number): StopCondition =>
  named(`reached the wall-time limit of ${Math.round(ms / 1000)} s`, (s) => s.elapsedMs >= ms);

export const targetReached = (score: number): StopCondition =>
  named(`reached the target score ${score}`, (s) => s.bestScore !== null && s.bestScore >= score);

export const plateau = (k: number): StopCondition =>
  named(`no improvement in ${k} candidates`, (s) => s.sinceImprovement >= k);

/** The first condition that holds, if any. */
export function firstMet(
  conditions: readonly StopCondition[],
  status: LoopStatus,
): StopCondition | undefined {
  return conditions.find((c) => c(status));
}
