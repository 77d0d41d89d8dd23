// Where an evaluation runs: in this process's sandbox (inline) or elsewhere (a Slurm job running `adrs worker`).
import type { EvaluationOutcome, Stage } from '../../evaluators/result.js';

/** Everything a worker needs to evaluate one candidate stage, as plain JSON. */
export interface EvalJob {
  /** Unique per attempt of (candidate, stage); results are keyed by it. */
  id: string;
  candidateId: string;
  /** Absolute folder of the problem package (shared filesystem for remote executors). */
  problemDir: string;
  problemHash: string;
  files: Record<string, string>;
  stage: Stage;
  seed: number;
  sandbox: string;
  gpus?: string;
}

export interface Executor {
  readonly kind: string;
  /** Evaluates one job; never throws for anything the candidate does. */
  run(job: EvalJob, signal?: AbortSignal): Promise<EvaluationOutcome>;
  /** Releases background work (pollers, pools). */
  dispose(): Promise<void>;
}
