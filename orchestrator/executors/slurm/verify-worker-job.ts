// What `adrs worker --job FILE` does with a verification job: the whole verification on this node, progress lines as pairs finish, the result written atomically (idempotent).
import { appendFileSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { InputError } from '../../../core/errors.js';
import type { VerifyResult } from '../../../evaluators/verify.js';
import { describeIssue } from '../../../problems/src/load.js';
import { runVerifyJob } from '../verify-job.js';
import { verifyResultSchema, verifyWorkerJobSchema, type VerifyWorkerJob } from './file-schemas.js';
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
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(
      `--job ${file}: cannot read the job file: ${(error as Error).message.split('\n')[0]} (give a job file the coordinator wrote)`,
    );
  }
  const parsed = verifyWorkerJobSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssue(file, parsed.error));
  return parsed.data;
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
