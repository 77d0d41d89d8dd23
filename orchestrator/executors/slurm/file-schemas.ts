// zod schemas of the files the coordinator and the workers exchange through the shared directory (a process boundary).
import { z } from 'zod';
import { STAGES, evaluatorResultSchema, type EvaluationOutcome } from '../../../evaluators/result.js';
import type { EvalJob } from '../types.js';

export const evalJobSchema = z.object({
  id: z.string().min(1),
  candidateId: z.string().min(1),
  problemDir: z.string().min(1),
  problemHash: z.string(),
  files: z.record(z.string(), z.string()),
  stage: z.enum(STAGES),
  seed: z.number().int(),
  sandbox: z.string().min(1),
  gpus: z.string().optional(),
}) satisfies z.ZodType<EvalJob>;

/** What `adrs worker --job FILE` reads. */
export const workerJobSchema = z.object({
  version: z.literal(1),
  job: evalJobSchema,
  /** Where the worker writes the EvaluationOutcome (atomically). */
  resultFile: z.string().min(1),
  /** Sandbox kind on the node (overrides job.sandbox). */
  sandbox: z.string().min(1),
  /** Container image for the docker sandbox. */
  image: z.string().optional(),
});
export type WorkerJob = z.infer<typeof workerJobSchema>;

const common = { durationMs: z.number(), stderrTail: z.string(), stdoutTail: z.string() };

export const outcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.enum(['ok', 'incorrect']), result: evaluatorResultSchema, ...common }),
  z.object({
    status: z.enum(['failed', 'timeout', 'invalid-result', 'refused']),
    reason: z.string(),
    feedback: z.string(),
    ...common,
  }),
]) satisfies z.ZodType<EvaluationOutcome>;

/** One Slurm submission of an evaluation and how it ended. */
export const attemptSchema = z.object({
  slurmJobId: z.string(),
  state: z.string(),
  reason: z.string().optional(),
  at: z.string(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** A row of the in-flight table: which Slurm job evaluates which EvalJob (one file per evaluation). */
export const inflightSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  evalJobId: z.string(),
  candidateId: z.string(),
  stage: z.enum(STAGES),
  seed: z.number().int(),
  problemHash: z.string(),
  filesHash: z.string(),
  gres: z.string().optional(),
  jobFile: z.string(),
  resultFile: z.string(),
  /** The current submission (null while waiting to be submitted). */
  slurmJobId: z.string().nullable(),
  /** Earlier submissions that ended without a result. */
  attempts: z.array(attemptSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type InflightRecord = z.infer<typeof inflightSchema>;
