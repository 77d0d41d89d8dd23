// Evaluates one stored candidate for one stage, records the evaluation (and raw samples), and returns it.
import { runEvaluation } from '../../evaluators/run-evaluation.js';
import type { EvaluationOutcome, Stage } from '../../evaluators/result.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import type { Executor } from '../executors/types.js';
import type { Store } from '../store/store.js';
import type { EvaluationRow } from '../store/types.js';
import { primaryScore, stageTarget } from './target.js';
import { materializeWorkspace } from './workspace.js';

export interface EvaluateCandidateOptions {
  store: Store;
  problem: LoadedProblem;
  sandbox: Sandbox;
  candidateId: string;
  files: Record<string, string>;
  stage: Stage;
  seed: number;
  gpus?: string;
  signal?: AbortSignal;
  /** Runs the evaluation elsewhere (e.g. Slurm); default: this process's sandbox. */
  executor?: Executor;
}

export interface CandidateEvaluation {
  outcome: EvaluationOutcome;
  row: EvaluationRow;
  /** Primary score (higher is better) when the candidate is correct; null otherwise. */
  score: number | null;
  correct: boolean;
}

export async function evaluateCandidate(opts: EvaluateCandidateOptions): Promise<CandidateEvaluation> {
  if (opts.executor) {
    const outcome = await opts.executor.run(
      {
        id: `${opts.candidateId}-${opts.stage}-${Date.now().toString(36)}`,
        candidateId: opts.candidateId,
        problemDir: opts.problem.dir,
        problemHash: opts.problem.contentHash,
        files: opts.files,
        stage: opts.stage,
        seed: opts.seed,
        sandbox: opts.sandbox.kind,
        gpus: opts.gpus,
      },
      opts.signal,
    );
    return recordOutcome(opts.store, opts.problem, opts.candidateId, opts.stage, opts.seed, opts.executor.kind, outcome);
  }
  const ws = materializeWorkspace(opts.problem, opts.files);
  let outcome: EvaluationOutcome;
  try {
    outcome = await runEvaluation({
      sandbox: opts.sandbox,
      workspaceDir: ws.dir,
      stage: opts.stage,
      seed: opts.seed,
      target: stageTarget(opts.problem, opts.stage, { gpus: opts.gpus }),
      labels: { 'adrs.candidate': opts.candidateId, 'adrs.stage': opts.stage },
      signal: opts.signal,
    });
  } finally {
    ws.dispose();
  }
  return recordOutcome(opts.store, opts.problem, opts.candidateId, opts.stage, opts.seed, opts.sandbox.kind, outcome);
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
    feedback: result ? result.feedback : outcome.status === 'ok' ? '' : (outcome as { feedback: string }).feedback,
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
