// zod schemas of the files the coordinator and the workers exchange through the shared directory (a process boundary).
import { z } from 'zod';
import { STAGES, evaluatorResultSchema, type EvaluationOutcome } from '../../../evaluators/result.js';
import type { EvalJob } from '../types.js';
import type { VerifyResult } from '../../../evaluators/verify.js';
import type { VerifyJob } from '../verify-job.js';

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

export const verifyJobSchema = z.object({
  id: z.string().min(1),
  candidateId: z.string().min(1),
  problemDir: z.string().min(1),
  problemHash: z.string(),
  files: z.record(z.string(), z.string()),
  baselineFiles: z.record(z.string(), z.string()),
  baselineCandidateId: z.string().nullable(),
  seed: z.number().int(),
  sandbox: z.string().min(1),
  gpus: z.string().optional(),
}) satisfies z.ZodType<VerifyJob>;

/** What `adrs worker --job FILE` reads for a verification (kind "verify"). */
export const verifyWorkerJobSchema = z.object({
  version: z.literal(1),
  kind: z.literal('verify'),
  verify: verifyJobSchema,
  /** Where the worker writes the VerifyResult (atomically). */
  resultFile: z.string().min(1),
  /** Where the worker appends one JSON line per finished A/B pair (progress for the coordinator). */
  progressFile: z.string().min(1),
  sandbox: z.string().min(1),
  image: z.string().optional(),
});
export type VerifyWorkerJob = z.infer<typeof verifyWorkerJobSchema>;

/** One line of a verification's progress file. */
export const pairProgressSchema = z.object({
  pair: z.number().int().positive(),
  maxPairs: z.number().int().positive(),
  interval: z
    .object({
      estimate: z.number(),
      low: z.number(),
      high: z.number(),
      confidence: z.number(),
      method: z.string(),
    })
    .optional(),
});

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

const sampleSchema = z.object({
  arm: z.enum(['candidate', 'baseline']),
  key: z.string(),
  seq: z.number().int(),
  value: z.number(),
});
const num = z.number().nullable().optional();

/** The VerifyResult a verification job writes: the verdict measured on the node and its held-out outcomes. */
export const verifyResultSchema = z.object({
  verdict: z.object({
    candidateId: z.string().min(1),
    baselineCandidateId: z.string().nullable().optional(),
    verified: z.boolean(),
    correct: z.boolean(),
    speedup: num,
    ciLow: num,
    ciHigh: num,
    confidence: num,
    minEffect: num,
    nCandidate: z.number().int().nullable().optional(),
    nBaseline: z.number().int().nullable().optional(),
    method: z.string().min(1),
    score: num,
    metrics: z.record(z.string(), z.number()).optional(),
    reason: z.string(),
    fingerprint: z.unknown(),
    samples: z.array(sampleSchema).optional(),
  }),
  heldOut: outcomeSchema.optional(),
  baselineHeldOut: outcomeSchema.optional(),
  feedback: z.string(),
}) satisfies z.ZodType<VerifyResult>;

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
  /** An evaluation (default) or a whole verification. */
  kind: z.enum(['eval', 'verify']).optional(),
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
