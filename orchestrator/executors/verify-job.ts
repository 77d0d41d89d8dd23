// A verification as one job: held-out check and the whole interleaved A/B timing of a candidate against its baseline, run where the job lands (the verdict's fingerprint is that machine's).
import type { VerifyResult } from '../../evaluators/verify.js';
import type { PairProgress } from '../../evaluators/verify-timing.js';
import { loadProblem, type LoadedProblem } from '../../problems/src/load.js';
import { createSandbox, type Sandbox } from '../../sandboxes/index.js';
import { verifyFiles } from '../evaluate/verify-files.js';

/** Everything a node needs to verify one candidate, as plain JSON. */
export interface VerifyJob {
  /** Unique per verification attempt; results are keyed by it. */
  id: string;
  candidateId: string;
  /** Absolute folder of the problem package (shared filesystem for remote executors). */
  problemDir: string;
  problemHash: string;
  files: Record<string, string>;
  baselineFiles: Record<string, string>;
  baselineCandidateId: string | null;
  seed: number;
  sandbox: string;
  gpus?: string;
}

export interface VerifyJobOptions {
  /** Sandbox kind to use instead of the job's. */
  sandbox?: string;
  /** Container image instead of the problem's (docker sandbox). */
  image?: string;
  /** Where the job runs, added to the verdict's fingerprint (e.g. the Slurm job id and node). */
  executorFacts?: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (progress: PairProgress) => void;
}

/** A verdict that says the verification could not run here (nothing about the candidate). */
export function notRunResult(
  job: Pick<VerifyJob, 'candidateId' | 'baselineCandidateId'>,
  reason: string,
): VerifyResult {
  return {
    verdict: {
      candidateId: job.candidateId,
      baselineCandidateId: job.baselineCandidateId,
      verified: false,
      correct: false,
      method: NOT_RUN_METHOD,
      reason,
      fingerprint: null,
    },
    feedback: '',
  };
}

export const NOT_RUN_METHOD = 'not-run';

/** Runs a verification job in a sandbox of this machine; never throws for anything the candidate does. */
export async function runVerifyJob(job: VerifyJob, opts: VerifyJobOptions = {}): Promise<VerifyResult> {
  let problem: LoadedProblem;
  try {
    problem = loadProblem(job.problemDir);
  } catch (error) {
    return notRunResult(job, `problem package unreadable here: ${(error as Error).message.split('\n')[0]}`);
  }
  if (job.problemHash && problem.contentHash !== job.problemHash)
    return notRunResult(
      job,
      `problem package at ${job.problemDir} differs from the one the run uses (hash ${problem.contentHash.slice(0, 12)} != ${job.problemHash.slice(0, 12)})`,
    );
  const kind = opts.sandbox ?? job.sandbox;
  let sandbox: Sandbox;
  try {
    sandbox = await createSandbox(kind, opts.image ? { image: opts.image } : {});
  } catch (error) {
    return notRunResult(job, `sandbox ${kind} unavailable: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    return await verifyFiles({
      problem,
      sandbox,
      candidateId: job.candidateId,
      files: job.files,
      baselineFiles: job.baselineFiles,
      baselineCandidateId: job.baselineCandidateId,
      seed: job.seed,
      gpus: job.gpus,
      signal: opts.signal,
      onProgress: opts.onProgress,
      executorFacts: opts.executorFacts,
    });
  } finally {
    await sandbox.dispose();
  }
}
