// What the CLI says about model spending: the refusal of unpriced models under a budget, and the cache share.
import type { Proposer } from '../proposers/types.js';

/** The one-line refusal when a budgeted run would call a model with no known price (its spending counts as $0). */
export function unpricedRefusal(proposer: Proposer, budgetUsd: number): string | undefined {
  const models = proposer.unpriced?.() ?? [];
  if (models.length === 0) return undefined;
  const first = models[0]!;
  return `--budget-usd ${budgetUsd}: no price is known for model ${models.map((m) => `"${m}"`).join(', ')}, so its spending would count as $0 and the budget could never stop the run; give one in the run config, e.g. prices: { "${first}": { input: 3, output: 15 } } (USD per million tokens; 0 and 0 for a free local model)`;
}

/** "cache: 71% of input tokens read from cache (...)"; undefined before any call. */
export function cacheShareLine(t: {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}): string | undefined {
  const total = t.input + t.cacheRead + t.cacheWrite;
  if (total === 0) return undefined;
  const pct = ((100 * t.cacheRead) / total).toFixed(0);
  return `cache: ${pct}% of input tokens read from cache (${t.cacheRead} of ${total}; ${t.cacheWrite} written)`;
}
