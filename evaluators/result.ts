// The evaluator contract: the environment an evaluator is told, and the one JSON result it writes (zod-validated).
import { z } from 'zod';

/** screen: cheap correctness + a few timings; verify: held-out inputs; time: one timing sample in a fresh process. */
export const STAGES = ['screen', 'verify', 'time'] as const;
export type Stage = (typeof STAGES)[number];

/** Environment variables the platform sets for every evaluator process. */
export const EVAL_ENV = {
  stage: 'ADRS_STAGE',
  seed: 'ADRS_SEED',
  result: 'ADRS_RESULT',
  workspace: 'ADRS_WORKSPACE',
  problem: 'ADRS_PROBLEM_DIR',
  workloads: 'ADRS_WORKLOADS',
  samples: 'ADRS_SAMPLES',
  sampleIndex: 'ADRS_SAMPLE_INDEX',
  /** Read-only folder of values kept across evaluations of this problem (see EvaluationTarget.cacheDir). */
  cacheDir: 'ADRS_CACHE_DIR',
  /** Where the evaluator may write new entries for that folder: {"entries": {name: base64}}. */
  cacheOut: 'ADRS_CACHE_OUT',
} as const;

export const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
});

export const evaluatorResultSchema = z.object({
  correct: z.boolean(),
  metrics: z.record(z.string(), z.number()).default({}),
  /** Raw timing samples in seconds, by what was timed (e.g. { algorithm: [...] }). */
  timings: z.record(z.string(), z.array(z.number().nonnegative())).default({}),
  /** Text for the model: what failed and why, hints. */
  feedback: z.string().default(''),
  /** Small named texts (stderr excerpts, notes, outputs). */
  artifacts: z.record(z.string(), z.string()).default({}),
  /** Named checks (validity, reference comparison, guards) with their outcome. */
  checks: z.array(checkSchema).default([]),
});

export type EvaluatorResult = z.infer<typeof evaluatorResultSchema>;
export type Check = z.infer<typeof checkSchema>;

export type EvaluationStatus = 'ok' | 'incorrect' | 'failed' | 'timeout' | 'invalid-result' | 'refused';

/** The outcome of one evaluation: a discriminated union, never an exception. */
export type EvaluationOutcome =
  | {
      status: 'ok' | 'incorrect';
      result: EvaluatorResult;
      durationMs: number;
      stderrTail: string;
      stdoutTail: string;
    }
  | {
      status: 'failed' | 'timeout' | 'invalid-result' | 'refused';
      reason: string;
      durationMs: number;
      stderrTail: string;
      stdoutTail: string;
      /** Feedback for the model (a short account of what went wrong). */
      feedback: string;
      /** Set when the platform, not the candidate, failed (evaluators/infrastructure.ts): retry, never blame. */
      infrastructure?: string;
    };
