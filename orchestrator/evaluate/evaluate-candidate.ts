// Evaluates one stored candidate for one stage (guard first, then the sandbox or an executor), records it, returns it.
import type { EvaluationOutcome, Stage } from '../../evaluators/result.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Store } from '../store/store.js';
import type { EvaluationRow } from '../store/types.js';
import { runStage, type RunStageOptions } from './run-stage.js';
import { primaryScore } from './target.js';

export interface EvaluateCandidateOptions extends RunStageOptions {
  store: Store;
}

export interface CandidateEvaluation {
  outcome: EvaluationOutcome;
  row: EvaluationRow;
  /** Primary score (higher is better) when the candidate is correct; null otherwise. */
  score: number | null;
  correct: boolean;
}

export async function evaluateCandidate(opts: EvaluateCandidateOptions): Promise<CandidateEvaluation> {
  const outcome = await runStage(opts);
  const where = opts.executor ? opts.executor.kind : opts.sandbox.kind;
  return recordOutcome(opts.store, opts.problem, opts.candidateId, opts.stage, opts.seed, where, outcome);
}

/** Stores an outcome as an evaluation row (and its samples); on the screen stage also updates the candidate. */
export function recordOutcome(
  store: Store,
  problem: LoadedProblem,
  candidateId: string,
  stage: Stage,
  seed: number,
  sandboxKind: string,
  outcome: EvaluationOutcome,
): CandidateEvaluation {
  const ok = outcome.status === 'ok' || outcome.status === 'incorrect';
  const result = ok ? outcome.result : undefined;
  const correct = outcome.status === 'ok';
  const score = result && correct ? primaryScore(problem.spec, result.metrics) : null;
  const row = store.insertEvaluation({
    candidateId,
    stage,
    status: outcome.status,
    correct: result ? result.correct : false,
    score,
    metrics: result?.metrics,
    checks: result?.checks,
    feedback: result
      ? result.feedback
      : outcome.status === 'ok'
        ? ''
        : (outcome as { feedback: string }).feedback,
    artifacts: result?.artifacts,
    reason: ok ? null : (outcome as { reason: string }).reason,
    stderrTail: outcome.stderrTail,
    stdoutTail: outcome.stdoutTail,
    durationMs: outcome.durationMs,
    sandbox: sandboxKind,
    seed,
    timings: result?.timings,
  });
  if (stage === 'screen') {
    store.updateCandidate(candidateId, {
      status: ok ? 'evaluated' : outcome.status === 'refused' ? 'refused' : 'failed',
      score,
      correct,
    });
  }
  return { outcome, row, score, correct };
}
