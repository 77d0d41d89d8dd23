// What `adrs worker --job FILE` does on a node: evaluate one job file with the inline executor and write its outcome atomically (idempotent).
import type { EvaluationOutcome } from '../../../evaluators/result.js';
import { InlineExecutor } from '../inline.js';
import { outcomeSchema, workerJobSchema, type WorkerJob } from './file-schemas.js';
import { readJobFile } from './job-file.js';
import { readJson, writeJsonAtomic } from './shared-dir.js';

export interface WorkerJobResult {
  job: WorkerJob;
  outcome: EvaluationOutcome;
  /** True when a result was already there (a requeued or duplicate job): nothing was run. */
  reused: boolean;
  /**
   * True when the worker was told to stop (SIGTERM from scancel, preemption, a node going down) while it
   * evaluated: whatever came out was cut short, so no result is written and the coordinator resubmits.
   */
  interrupted: boolean;
}

export function readWorkerJob(file: string): WorkerJob {
  return readJobFile(file, workerJobSchema);
}

export async function runWorkerJob(file: string, signal?: AbortSignal): Promise<WorkerJobResult> {
  const job = readWorkerJob(file);
  const existing = outcomeSchema.safeParse(readJson(job.resultFile));
  if (existing.success) return { job, outcome: existing.data, reused: true, interrupted: false };
  const executor = new InlineExecutor({ sandbox: job.sandbox, ...(job.image ? { image: job.image } : {}) });
  let outcome: EvaluationOutcome;
  try {
    outcome = await executor.run(job.job, signal);
  } finally {
    await executor.dispose();
  }
  // Slurm signals the whole job on scancel, the candidate too: an evaluation that "failed" then is not a
  // result. Writing it would turn a cancelled job (which the coordinator retries) into a failed candidate.
  if (signal?.aborted) return { job, outcome, reused: false, interrupted: true };
  writeJsonAtomic(job.resultFile, outcome);
  return { job, outcome, reused: false, interrupted: false };
}
