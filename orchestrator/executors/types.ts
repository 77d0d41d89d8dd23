// Where an evaluation runs: in this process's sandbox (inline) or elsewhere (a Slurm job running `adrs worker`).
import type { EvaluationOutcome, Stage } from '../../evaluators/result.js';
import type { PairProgress } from '../../evaluators/verify-timing.js';
import type { VerifyResult } from '../../evaluators/verify.js';
import type { VerifyJob } from './verify-job.js';

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
  /**
   * Runs a whole verification (held-out check and the interleaved A/B timing) as one job, so both arms
   * are timed on one machine; absent = verification runs in the coordinator's sandbox.
   */
  verify?(
    job: VerifyJob,
    opts?: { signal?: AbortSignal; onProgress?: (p: PairProgress) => void },
  ): Promise<VerifyResult>;
  /** Releases background work (pollers, pools). */
  dispose(): Promise<void>;
}
