// Runs one evaluator stage for a candidate's files and returns the outcome (never throws: errors become outcomes).
// The static guard runs first: a candidate whose added lines game the benchmark is refused without running.
import { guardFiles } from '../../evaluators/guard/check.js';
import { runEvaluation } from '../../evaluators/run-evaluation.js';
import type { EvaluationOutcome, Stage } from '../../evaluators/result.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { guardConfigOf } from './guard-config.js';
import { stageTarget } from './target.js';
import { materializeWorkspace, seedFiles } from './workspace.js';
import type { Executor } from '../executors/types.js';

export interface RunStageOptions {
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

export async function runStage(opts: RunStageOptions): Promise<EvaluationOutcome> {
  const started = Date.now();
  const failed = (
    reason: string,
    feedback: string,
    status: 'failed' | 'refused' = 'failed',
  ): EvaluationOutcome => ({
    status,
    reason,
    feedback,
    durationMs: Date.now() - started,
    stderrTail: '',
    stdoutTail: '',
  });
  try {
    const report = guardFiles(seedFiles(opts.problem), opts.files, guardConfigOf(opts.problem));
    if (!report.ok) return failed(`refused by the guard: ${report.reason}`, report.reason, 'refused');
    if (opts.executor) {
      return await opts.executor.run(
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
    }
    const ws = materializeWorkspace(opts.problem, opts.files);
    try {
      return await runEvaluation({
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
  } catch (error) {
    const message = (error as Error).message;
    return failed(`could not evaluate: ${message}`, `The candidate could not be evaluated: ${message}`);
  }
}
