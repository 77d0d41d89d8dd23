// What `adrs worker --job FILE` does with a verification job: the whole verification on this node, progress lines as pairs finish, the result written atomically (idempotent).
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { VerifyResult } from '../../../evaluators/verify.js';
import { runVerifyJob } from '../verify-job.js';
import { verifyResultSchema, verifyWorkerJobSchema, type VerifyWorkerJob } from './file-schemas.js';
import { readJobFile } from './job-file.js';
import { readJson, writeJsonAtomic } from './shared-dir.js';

export interface VerifyWorkerResult {
  job: VerifyWorkerJob;
  result: VerifyResult;
  reused: boolean;
  /** Told to stop while verifying: nothing written, the coordinator resubmits. */
  interrupted: boolean;
}

/** "verify" for a verification job file, else "eval" (files without a kind are evaluations). */
export function jobKindOf(file: string): 'verify' | 'eval' {
  const raw = readJson(file) as { kind?: unknown } | undefined;
  return raw && typeof raw === 'object' && raw.kind === 'verify' ? 'verify' : 'eval';
}

export function readVerifyWorkerJob(file: string): VerifyWorkerJob {
  return readJobFile(file, verifyWorkerJobSchema);
}

/** The Slurm facts of this process (job id, node), recorded in the verdict's fingerprint. */
export function slurmFacts(env: NodeJS.ProcessEnv): Record<string, string> {
  const jobId =
    env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID
      ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`
      : (env.SLURM_JOB_ID ?? '');
  return { kind: 'slurm', jobId, node: env.SLURMD_NODENAME ?? hostname(), host: hostname() };
}

export async function runVerifyWorkerJob(
  file: string,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<VerifyWorkerResult> {
  const job = readVerifyWorkerJob(file);
  const existing = verifyResultSchema.safeParse(readJson(job.resultFile));
  if (existing.success) return { job, result: existing.data, reused: true, interrupted: false };
  const result = await runVerifyJob(job.verify, {
    sandbox: job.sandbox,
    ...(job.image ? { image: job.image } : {}),
    executorFacts: slurmFacts(env),
    signal,
    onProgress: (p) => appendFileSync(job.progressFile, JSON.stringify(p) + '\n'),
  });
  if (signal?.aborted) return { job, result, reused: false, interrupted: true };
  writeJsonAtomic(job.resultFile, result);
  return { job, result, reused: false, interrupted: false };
}
