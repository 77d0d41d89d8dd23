// Model table: dollars per million tokens and context windows; users override entries through the proposer config.

/** USD per million tokens. Cache prices default to 1.25x (write) and 0.1x (read) of the input price. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
  /** Context window in tokens (for prompt trimming). */
  contextTokens?: number;
}

export type PriceTable = Record<string, ModelPrice>;

/** Anthropic list prices (late 2026, see shared/research/llm-providers.md). OpenAI-compatible models cost 0 unless configured. */
export const DEFAULT_PRICES: PriceTable = {
  'claude-fable-5': { input: 10, output: 50, contextTokens: 1_000_000 },
  'claude-opus-5': { input: 5, output: 25, contextTokens: 1_000_000 },
  'claude-sonnet-5': { input: 2, output: 10, contextTokens: 1_000_000 },
  'claude-haiku-4-5': { input: 1, output: 5, contextTokens: 200_000 },
  'claude-sonnet-4-5': { input: 3, output: 15, contextTokens: 200_000 },
};

/** The default table with the user's entries on top (an entry replaces the default one for that model). */
export function resolvePrices(overrides: PriceTable = {}, base: PriceTable = DEFAULT_PRICES): PriceTable {
  return { ...base, ...overrides };
}

/** The entry for a model: exact id, else the longest id it extends (dated snapshots: claude-haiku-4-5-20251001). */
export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  if (table[model]) return table[model];
  const base = Object.keys(table)
    .filter((k) => model.startsWith(k + '-'))
    .sort((a, b) => b.length - a.length)[0];
  return base === undefined ? undefined : table[base];
}

export interface TokenUsage {
  /** Input tokens billed at the normal rate (not cached). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** Dollar cost of one call; 0 without a price. */
export function costUsd(price: ModelPrice | undefined, u: TokenUsage): number {
  if (!price) return 0;
  const cacheWrite = price.cacheWrite ?? price.input * 1.25;
  const cacheRead = price.cacheRead ?? price.input * 0.1;
  return (
    (u.inputTokens * price.input +
      u.outputTokens * price.output +
      u.cacheWriteTokens * cacheWrite +
      u.cacheReadTokens * cacheRead) /
    1e6
  );
}
