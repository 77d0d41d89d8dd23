// The small resumable state of a run (runs.state_json): counters, spend, the sampling cursor, proposer state and
// pending work. The population itself lives in population_programs rows; this is validated with zod on load.
import { z } from 'zod';
import { InputError } from '../../core/errors.js';

// The RNG's words are 32-bit integers, some stored signed (xor results), so both ranges are valid.
const word = z.number().int().min(-0x80000000).max(0xffffffff);

export const runStateSchema = z.object({
  version: z.literal(2),
  seedId: z.string().min(1),
  /** Programs in the population (rows in population_programs); a mismatch on load means a torn write. */
  programs: z.number().int().min(0),
  /** Where sampling stands: the RNG's four words and the next island of the round robin. */
  sampling: z.object({ rng: z.tuple([word, word, word, word]), nextIsland: z.number().int().min(0) }),
  /** Candidates finished after the seed. */
  completed: z.number().int().min(0),
  spentUsd: z.number().min(0),
  /** Wall time summed over the sessions before the current one. */
  elapsedMs: z.number().min(0),
  sinceImprovement: z.number().int().min(0),
  bestVerified: z
    .object({ id: z.string(), score: z.number().nullable(), speedup: z.number().nullable() })
    .nullable(),
  failures: z.object({ proposals: z.number().int().min(0), evaluations: z.number().int().min(0) }),
  /** Candidates whose verification was interrupted: verified first on resume. */
  pendingVerify: z.array(z.string()).optional(),
  /** The best candidate waiting to be verified, and how many evaluations it has stayed the best for. */
  verifyTarget: z
    .object({ id: z.string(), stableFor: z.number().int().min(0) })
    .nullable()
    .optional(),
  /** Meta-recommendations in force: the lessons, the finished count they were made at, how many summaries ran. */
  meta: z
    .object({
      items: z.array(z.string()),
      atCompleted: z.number().int().min(0),
      updates: z.number().int().min(0),
    })
    .optional(),
  /** State of proposers that expose getState/setState (the tuner's tried set, a bandit's arms). */
  proposer: z.unknown().optional(),
});

export type RunState = z.infer<typeof runStateSchema>;

/** Reads runs.state_json; refuses state that is missing, torn or from another version with one clear line. */
export function parseRunState(json: string | null, runId: string): RunState {
  if (!json)
    throw new InputError(`run ${runId} has no saved state (it never got past its start; start a new run)`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new InputError(
      `run ${runId}: runs.state_json is not JSON (the database is damaged; start a new run)`,
    );
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== 2)
    throw new InputError(
      `run ${runId}: saved state has version ${String(version)}, this adrs reads version 2 (start a new run)`,
    );
  const parsed = runStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(
      `run ${runId}: runs.state_json field ${issue.path.join('.') || '(root)'}: ${issue.message} (the database is damaged; start a new run)`,
    );
  }
  return parsed.data;
}
