// The proposer config (from adrs.config / run config / CLI flags), validated with zod at the boundary.
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { describeIssue } from '../../problems/src/load.js';

const priceSchema = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cacheWrite: z.number().min(0).optional(),
    cacheRead: z.number().min(0).optional(),
    contextTokens: z.number().int().positive().optional(),
  })
  .strict();

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(5),
    baseDelayMs: z.number().min(0).default(2_000),
    maxDelayMs: z.number().min(0).default(60_000),
    maxTotalWaitMs: z.number().min(0).default(300_000),
  })
  .strict()
  .prefault({});

const llmFields = {
  /** Name shown in records and the ensemble (default "<kind>:<model>"). */
  name: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  /** Environment variable holding the API key (default ANTHROPIC_API_KEY / OPENAI_API_KEY). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional(),
  /** Per-request timeout. */
  timeoutMs: z.number().int().positive().default(600_000),
  maxOutputTokens: z.number().int().positive().optional(),
  contextTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  mode: z.enum(['diff', 'rewrite', 'auto']).default('auto'),
  /** USD per million tokens by model id; replaces the built-in entry for that model. */
  prices: z.record(z.string(), priceSchema).default({}),
  retry: retrySchema,
  /** Send an edit that did not apply back to the model once. */
  retryBadEdits: z.boolean().default(true),
  /**
   * Lay prompts out for the provider's prompt cache: the seed first, cache breakpoints after the stable parts.
   * false: the system message alone is marked and the seed is not repeated (fewer tokens for servers without one).
   */
  promptCache: z.boolean().default(true),
};

export const anthropicConfigSchema = z
  .object({ kind: z.literal('anthropic'), model: z.string().min(1).default('claude-sonnet-5'), ...llmFields })
  .strict();

export const openaiConfigSchema = z
  .object({
    kind: z.literal('openai'),
    model: z.string().min(1),
    ...llmFields,
    /** The output-limit field; default: max_completion_tokens for OpenAI reasoning models (o1, o3, gpt-5...), else max_tokens. */
    tokenParam: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  })
  .strict();

/** The offline tuner's options belong to its author (orchestrator/proposers/tune.ts); only `kind` is checked here. */
export const tuneConfigSchema = z.looseObject({ kind: z.literal('tune'), name: z.string().optional() });

const memberSchema = z.discriminatedUnion('kind', [
  anthropicConfigSchema.extend({ weight: z.number().positive().default(1) }),
  openaiConfigSchema.extend({ weight: z.number().positive().default(1) }),
  tuneConfigSchema.extend({ weight: z.number().positive().default(1) }),
]);

export const ensembleConfigSchema = z
  .object({
    kind: z.literal('ensemble'),
    name: z.string().min(1).default('ensemble'),
    /** weighted: random pick by weight; bandit: cost-aware UCB on score improvement. */
    strategy: z.enum(['weighted', 'bandit']).default('weighted'),
    members: z.array(memberSchema).min(1),
    /** Bandit: weight of the (normalised) mean cost per proposal subtracted from the mean reward. */
    costPenalty: z.number().min(0).default(0.5),
    /** Bandit: UCB exploration coefficient. */
    exploration: z.number().min(0).default(1),
    /** Bandit: relative improvement at which the reward saturates at 1. */
    rewardClip: z.number().positive().default(1),
    /** Prices shared by members (a member's own entries win). */
    prices: z.record(z.string(), priceSchema).default({}),
  })
  .strict();

export const proposerConfigSchema = z.discriminatedUnion('kind', [
  anthropicConfigSchema,
  openaiConfigSchema,
  ensembleConfigSchema,
  tuneConfigSchema,
]);

export type AnthropicConfig = z.infer<typeof anthropicConfigSchema>;
export type OpenAiConfig = z.infer<typeof openaiConfigSchema>;
export type EnsembleConfig = z.infer<typeof ensembleConfigSchema>;
export type TuneConfig = z.infer<typeof tuneConfigSchema>;
export type ProposerConfig = z.infer<typeof proposerConfigSchema>;
/** What users write (defaults not yet filled in). */
export type ProposerConfigInput = z.input<typeof proposerConfigSchema>;

/** Validates a proposer config; `where` names it in the one-line error (e.g. "adrs.config.yaml: proposer"). */
export function parseProposerConfig(raw: unknown, where = 'proposer config'): ProposerConfig {
  const parsed = proposerConfigSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssue(where, parsed.error));
  return parsed.data;
}

/**
 * The config for a `--model` flag: "claude-opus-5", "anthropic:claude-opus-5", or "openai:qwen2.5-coder"
 * (with --base-url for a local server).
 */
export function configFromModelFlag(model: string, baseURL?: string): ProposerConfigInput {
  const m = /^(anthropic|openai):(.+)$/.exec(model);
  const kind = m ? (m[1] as 'anthropic' | 'openai') : 'anthropic';
  return { kind, model: m ? m[2]! : model, ...(baseURL ? { baseURL } : {}) };
}
