// The query parameters the API and pages accept, validated with zod (the HTTP boundary).
import { z } from 'zod';
import { InputError } from '../../core/errors.js';

const text = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v ? v : undefined));

export const leaderboardParams = z.object({
  problem: text,
  model: text,
  sandbox: text,
  hardware: text,
  proposer: text,
  strategy: text,
  sort: z.enum(['speedup', 'score', 'ci', 'cost', 'date']).default('speedup'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** One row per run (its best verified candidate), or every verified candidate. */
  per: z.enum(['run', 'candidate']).default('run'),
  /** Verdicts measured here only (default), also imported claims not yet verified here, or only those. */
  claims: z.enum(['verified', 'include', 'only']).default('verified'),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
});
export type LeaderboardParams = z.infer<typeof leaderboardParams>;

export const runListParams = z.object({
  problem: text,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

/** Validates `req.query` (strings only: repeated parameters are refused) or throws a 400-mapped InputError. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'query';
  throw new InputError(`query parameter "${field}": ${issue?.message ?? 'invalid'}`);
}

/** A run's candidate table: sorted by one column, one page at a time. */
export const runCandidatesParams = z.object({
  sort: z.enum(['iteration', 'score', 'island', 'status']).default('iteration'),
  order: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  per: z.coerce.number().int().min(1).max(200).default(50),
});
export type RunCandidatesParams = z.infer<typeof runCandidatesParams>;

/** The compare page: which runs of the problem (comma-separated ids; default the newest 8). */
export const compareParams = z.object({
  runs: z
    .string()
    .trim()
    .max(2000)
    .optional()
    .transform((v) =>
      v
        ? [
            ...new Set(
              v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            ),
          ]
        : undefined,
    )
    .refine((v) => v === undefined || v.length <= 12, 'at most 12 runs (comma-separated ids)'),
});
export type CompareParams = z.infer<typeof compareParams>;
