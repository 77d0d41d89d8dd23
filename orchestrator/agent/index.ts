// createAgentProposer(config, deps): agent mode from a config object (validated here) and the run's sandbox.
import { z } from 'zod';
import type { Sandbox } from '../../sandboxes/types.js';
import { LlmError } from '../proposers/errors.js';
import { priceFor, resolvePrices, type PriceTable } from '../proposers/prices.js';
import { DEFAULT_RETRY, realSleep, type Sleep } from '../proposers/retry.js';
import { AgentProposer } from './agent-proposer.js';
import { DEFAULT_AGENT_BUDGET } from './budget.js';
import { createAnthropicToolModel } from './tool-model.js';

export const agentConfigSchema = z.object({
  kind: z.literal('agent').default('agent'),
  name: z.string().optional(),
  model: z.string().min(1).default('claude-sonnet-5'),
  baseURL: z.string().url().optional(),
  apiKeyEnv: z.string().default('ANTHROPIC_API_KEY'),
  maxSteps: z.number().int().positive().default(DEFAULT_AGENT_BUDGET.maxSteps),
  maxTokens: z.number().int().positive().default(DEFAULT_AGENT_BUDGET.maxTokens),
  maxUsd: z.number().positive().default(DEFAULT_AGENT_BUDGET.maxUsd),
  maxOutputTokens: z.number().int().positive().default(8192),
  timeoutMs: z.number().int().positive().default(300_000),
  /** Seconds one tool exec (workload, tests, profile) may take. */
  toolTimeoutS: z.number().positive().default(900),
  retry: z.object({ maxAttempts: z.number().int().positive().optional() }).default({}),
});

export type AgentConfigInput = z.input<typeof agentConfigSchema>;

export interface AgentDeps {
  /** The run's sandbox: every tool runs there. */
  sandbox: Sandbox;
  env?: NodeJS.ProcessEnv;
  prices?: PriceTable;
  sleep?: Sleep;
  jitter?: () => number;
}

/**
 * @example const p = createAgentProposer({ model: 'claude-sonnet-5', maxSteps: 30 }, { sandbox });
 */
export function createAgentProposer(input: AgentConfigInput, deps: AgentDeps): AgentProposer {
  const c = agentConfigSchema.parse(input);
  const env = deps.env ?? process.env;
  const apiKey = env[c.apiKeyEnv] ?? '';
  const hints = {
    who: c.baseURL ? `anthropic (${c.baseURL})` : 'anthropic',
    model: c.model,
    keyEnv: c.apiKeyEnv,
    env,
    secrets: [apiKey],
  };
  return new AgentProposer({
    ...(c.name ? { name: c.name } : {}),
    model: createAnthropicToolModel({
      model: c.model,
      apiKey: apiKey || 'missing',
      ...(c.baseURL ? { baseURL: c.baseURL } : {}),
      timeoutMs: c.timeoutMs,
      hints,
    }),
    sandbox: deps.sandbox,
    price: priceFor(resolvePrices(deps.prices), c.model),
    budget: { maxSteps: c.maxSteps, maxTokens: c.maxTokens, maxUsd: c.maxUsd },
    retry: { ...DEFAULT_RETRY, ...(c.retry.maxAttempts ? { maxAttempts: c.retry.maxAttempts } : {}) },
    sleep: deps.sleep ?? realSleep,
    jitter: deps.jitter ?? Math.random,
    maxOutputTokens: c.maxOutputTokens,
    toolTimeoutS: c.toolTimeoutS,
    ...(apiKey
      ? {}
      : {
          setupError: new LlmError(
            'no-key',
            `agent: no API key: set ${c.apiKeyEnv} in the environment (or name another variable with apiKeyEnv)`,
          ),
        }),
  });
}

export { AgentProposer } from './agent-proposer.js';
export { DEFAULT_AGENT_BUDGET, type AgentBudgetLimits } from './budget.js';
