// The run configuration: one zod schema for `--config FILE` (YAML) and the CLI flags, which map onto the same object.
import { z } from 'zod';
import { DEFAULT_POPULATION } from '../population/types.js';
import { slurmConfigSchema } from '../executors/slurm/config.js';

export const PROPOSERS = ['anthropic', 'openai', 'tune', 'ensemble', 'agent'] as const;
export const STRATEGIES = ['evolve', 'best-of-n'] as const;

const price = z.object({
  /** USD per million input tokens. */
  input: z.number().nonnegative(),
  /** USD per million output tokens. */
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
  contextTokens: z.number().int().positive().optional(),
});

const ensembleMember = z
  .object({
    proposer: z.enum(['anthropic', 'openai', 'tune']),
    model: z.string().optional(),
    baseUrl: z.string().optional(),
    weight: z.number().positive().default(1),
  })
  .strict();

const P = DEFAULT_POPULATION;

/** Novelty embeddings (orchestrator/proposers/embeddings.ts): provider, model, endpoint, key variable, threshold. */
const embeddingsSchema = z
  .object({
    provider: z.enum(['openai', 'voyage']),
    model: z.string().min(1),
    /** Default https://api.openai.com/v1 or https://api.voyageai.com/v1; a local server's URL ends in /v1. */
    baseUrl: z.url().optional(),
    /** Environment variable with the key (default OPENAI_API_KEY / VOYAGE_API_KEY); a local server needs none. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** Cosine similarity at or above which a proposal is a near-duplicate (ShinkaEvolve uses 0.99). */
    threshold: z.number().gt(0).max(1).default(0.99),
    /** USD per million input tokens (default: the built-in table; 0 when unknown). */
    priceUsdPerMTok: z.number().min(0).optional(),
    /** Characters of program text sent per embedding (the start is kept); embedding models have input limits. */
    maxChars: z.number().int().positive().default(24_000),
    timeoutMs: z.number().int().positive().default(30_000),
  })
  .strict();

/** The novelty judge (orchestrator/loop/novelty-judge.ts); every field optional. */
const judgeSchema = z
  .object({
    /** The judge's model; unset: the run's proposer model. */
    model: z.string().min(1).optional(),
    /** Which API the model speaks (default: anthropic for claude-*, else openai). */
    provider: z.enum(['anthropic', 'openai']).optional(),
    baseUrl: z.url().optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    maxTokens: z.number().int().positive().default(400),
  })
  .strict();

export const runConfigSchema = z
  .object({
    proposer: z.enum(PROPOSERS).optional(),
    model: z.string().optional(),
    baseUrl: z.string().optional(),
    /** Ensemble members (with proposer: ensemble). */
    models: z.array(ensembleMember).optional(),
    /** Ensemble selection: fixed weights, or a cost-aware UCB bandit. */
    ensembleMode: z.enum(['weighted', 'bandit']).default('weighted'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    /** The model's context window in tokens (prompts are trimmed to fit it); e.g. an Ollama server's OLLAMA_CONTEXT_LENGTH. */
    contextTokens: z.number().int().positive().optional(),
    /** OpenAI-compatible only: the output-limit field (default: max_completion_tokens for o-series and gpt-5 models). */
    tokenParam: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
    strategy: z.enum(STRATEGIES).default('evolve'),
    /** Proposals (candidates after the seed) to make. */
    iterations: z.number().int().nonnegative().default(50),
    budgetUsd: z.number().positive().optional(),
    /** Wall-time limit in seconds. */
    wallTimeS: z.number().positive().optional(),
    /** Stop once the best screen score reaches this value (higher is better, as the primary score). */
    target: z.number().optional(),
    /** Stop after this many evaluated candidates without improvement. */
    plateau: z.number().int().positive().optional(),
    /** Seed of the run's RNG. */
    seed: z.number().int().default(1),
    islands: z.number().int().positive().default(P.islands),
    mapElites: z
      .object({
        dims: z.array(z.string().min(1)).min(1).default(P.dims),
        bins: z.number().int().positive().default(P.bins),
      })
      .strict()
      .prefault({}),
    archiveSize: z.number().int().positive().default(P.archiveSize),
    islandCapacity: z.number().int().positive().default(P.islandCapacity),
    selection: z
      .object({
        exploration: z.number().nonnegative().default(P.selection.exploration),
        exploitation: z.number().nonnegative().default(P.selection.exploitation),
        fitness: z.number().nonnegative().default(P.selection.fitness),
      })
      .strict()
      .prefault({}),
    inspirations: z
      .object({
        top: z.number().int().nonnegative().default(P.inspirations.top),
        diverse: z.number().int().nonnegative().default(P.inspirations.diverse),
      })
      .strict()
      .prefault({}),
    migration: z
      .object({
        interval: z.number().int().nonnegative().default(P.migrationInterval),
        fraction: z.number().gt(0).max(1).default(P.migrationFraction),
      })
      .strict()
      .prefault({}),
    proposalConcurrency: z.number().int().positive().default(2),
    evalConcurrency: z.number().int().positive().default(1),
    /** How the model edits code: SEARCH/REPLACE diffs, full rewrites, or diffs with rewrites for short files. */
    editMode: z.enum(['diff', 'rewrite', 'auto']).default('auto'),
    sandbox: z.enum(['local', 'docker']).default('local'),
    gpus: z.string().optional(),
    /** Run the verify stage (held-out inputs, A/B timing) for candidates that beat the incumbent. */
    verify: z.boolean().default(true),
    /** Where evaluations run: in this process's sandbox, or as Slurm jobs running `adrs worker`. */
    executor: z.enum(['inline', 'slurm']).default('inline'),
    /** Settings of the Slurm executor (partition, account, time limit, gres, image, shared dir, ...). */
    slurm: slurmConfigSchema.optional(),
    /**
     * Verify a new best once it has stayed the best for this many further evaluations (and always at the
     * end of the run): while the search improves quickly, verifying every step would spend most of the
     * run timing candidates that are superseded minutes later.
     */
    verifyAfter: z.number().int().nonnegative().default(5),
    /** Prompt template files (override the problem's). */
    templates: z.object({ system: z.string().optional(), user: z.string().optional() }).strict().prefault({}),
    /** Prices by model name, USD per million tokens (override the built-in table). */
    prices: z.record(z.string(), price).default({}),
    /** History entries (earlier attempts) shown to the model. */
    historySize: z.number().int().nonnegative().default(5),
    /** Stop the run (exit 1, resumable) after this many proposals in a row fail with the same provider error. */
    stopAfterFailures: z.number().int().positive().default(3),
    /** Stop the run (exit 1, resumable) once every proposal has failed at the provider, after retries, this long. */
    outageLimitS: z.number().positive().default(1800),
    /** Mutation operators (diff, rewrite, crossover) chosen per proposal by a bandit on improvement per dollar. */
    operators: z.boolean().default(false),
    /**
     * Novelty rejection before evaluation: a proposal whose comment-free token shingles are at least `threshold`
     * similar (Jaccard) to a program of its island is stored as `duplicate`, not evaluated, and the model is
     * asked again (`retries` times) with a note naming what it duplicated. threshold 1: only comment/layout edits.
     */
    /** Stochastic prompt variants: one of a few task phrasings drawn per proposal from the run's RNG (off by default). */
    promptVariants: z.boolean().default(false),
    /**
     * Meta-recommendations: every `every` finished candidates one call to the proposer's model sums up what worked
     * and what failed into at most `items` lessons, shown in later prompts and on the run page (off by default).
     */
    meta: z
      .object({
        enabled: z.boolean().default(false),
        every: z.number().int().positive().default(10),
        items: z.number().int().positive().max(20).default(6),
      })
      .strict()
      .prefault({}),
    novelty: z
      .object({
        enabled: z.boolean().default(false),
        threshold: z.number().gt(0).max(1).default(1),
        retries: z.number().int().nonnegative().default(1),
        /**
         * After the token check: cosine similarity of embeddings from an OpenAI-compatible /v1/embeddings endpoint
         * (OpenAI, vLLM, Ollama) or Voyage, against the island's programs. Unset: the token check alone.
         */
        embeddings: embeddingsSchema.optional(),
        /**
         * An LLM judge asked when the embeddings call a proposal a near-duplicate; it may rescue it. No `model`:
         * the run's proposer model. Needs `embeddings`.
         */
        judge: judgeSchema.optional(),
      })
      .strict()
      .refine((n) => n.judge === undefined || n.embeddings !== undefined, {
        message: 'novelty.judge needs novelty.embeddings (the judge only reviews what the embeddings flag)',
        path: ['judge'],
      })
      .prefault({}),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** The population part of a run config. */
export function populationConfig(c: RunConfig): import('../population/types.js').PopulationConfig {
  return {
    islands: c.strategy === 'best-of-n' ? 1 : c.islands,
    dims: c.mapElites.dims,
    bins: c.mapElites.bins,
    archiveSize: c.archiveSize,
    islandCapacity: c.islandCapacity,
    selection: c.selection,
    inspirations: c.inspirations,
    migrationInterval: c.migration.interval,
    migrationFraction: c.migration.fraction,
    diversityRefs: P.diversityRefs,
  };
}
