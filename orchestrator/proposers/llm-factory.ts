// Builds the Anthropic and OpenAI-compatible proposers from their configs: key from the environment, prices, limits.
import { createAnthropicChat } from './anthropic-chat.js';
import type { AnthropicConfig, OpenAiConfig } from './config.js';
import { LlmError, type ErrorHints } from './errors.js';
import { LlmProposer } from './llm-proposer.js';
import { createOpenAiChat } from './openai-chat.js';
import { priceFor, resolvePrices, type PriceTable } from './prices.js';
import { DEFAULT_RETRY, realSleep, type Sleep } from './retry.js';

const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';

/** What tests and the loop may inject. */
export interface ProposerDeps {
  env?: NodeJS.ProcessEnv;
  /** Waiting between retries (tests pass a recording fake instead of the wall clock). */
  sleep?: Sleep;
  /** Random in [0,1) for backoff jitter. */
  jitter?: () => number;
  now?: () => number;
  /** Price entries shared by an ensemble's members. */
  prices?: PriceTable;
}

function common(
  config: AnthropicConfig | OpenAiConfig,
  deps: ProposerDeps,
  defaults: { output: number; context: number },
) {
  const prices = resolvePrices({ ...deps.prices, ...config.prices });
  const price = priceFor(prices, config.model);
  return {
    name: config.name ?? `${config.kind}:${config.model}`,
    price,
    prices,
    mode: config.mode,
    contextTokens: config.contextTokens ?? price?.contextTokens ?? defaults.context,
    maxOutputTokens: config.maxOutputTokens ?? defaults.output,
    ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
    retry: { ...DEFAULT_RETRY, ...config.retry },
    retryBadEdits: config.retryBadEdits,
    promptCache: config.promptCache,
    sleep: deps.sleep ?? realSleep,
    jitter: deps.jitter ?? Math.random,
    now: deps.now ?? Date.now,
    env: deps.env ?? process.env,
  };
}

export function createAnthropicProposer(config: AnthropicConfig, deps: ProposerDeps = {}): LlmProposer {
  const base = common(config, deps, { output: 16_000, context: 200_000 });
  const keyEnv = config.apiKeyEnv ?? 'ANTHROPIC_API_KEY';
  const apiKey = base.env[keyEnv] ?? '';
  const hints: ErrorHints = {
    who: config.baseURL ? `anthropic (${config.baseURL})` : 'anthropic',
    model: config.model,
    keyEnv,
    env: base.env,
    secrets: [apiKey],
  };
  const chat = createAnthropicChat({
    model: config.model,
    apiKey: apiKey || 'missing',
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
    timeoutMs: config.timeoutMs,
    hints,
  });
  const setupError = apiKey
    ? undefined
    : new LlmError(
        'no-key',
        `anthropic: no API key: set ${keyEnv} in the environment (or name another variable with apiKeyEnv)`,
      );
  return new LlmProposer({ ...base, chat, secrets: [apiKey], ...(setupError ? { setupError } : {}) });
}

export function createOpenAiProposer(config: OpenAiConfig, deps: ProposerDeps = {}): LlmProposer {
  const base = common(config, deps, { output: 8_192, context: 32_768 });
  const keyEnv = config.apiKeyEnv ?? 'OPENAI_API_KEY';
  const baseURL = config.baseURL ?? base.env['OPENAI_BASE_URL'];
  const apiKey = base.env[keyEnv] ?? '';
  const hints: ErrorHints = {
    who: `openai-compatible server at ${baseURL ?? OPENAI_DEFAULT_URL}`,
    model: config.model,
    keyEnv,
    env: base.env,
    secrets: [apiKey],
  };
  // Local servers (vLLM, Ollama, LM Studio) need no key; the hosted API does.
  const setupError =
    apiKey || baseURL
      ? undefined
      : new LlmError('no-key', `openai: no API key: set ${keyEnv}, or give baseURL for a local server`);
  const chat = createOpenAiChat({
    model: config.model,
    apiKey: apiKey || 'no-key',
    ...(baseURL ? { baseURL } : {}),
    ...(config.tokenParam ? { tokenParam: config.tokenParam } : {}),
    timeoutMs: config.timeoutMs,
    hints,
  });
  return new LlmProposer({ ...base, chat, secrets: [apiKey], ...(setupError ? { setupError } : {}) });
}
