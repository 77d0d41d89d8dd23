// Stores one LLM or embeddings call for a run and announces it on the run's bus (CLI spend, web feed).
import type { NewLlmCall } from '../store/types.js';
import type { LoopContext } from './loop-context.js';

/**
 * The `recordCall` every model call of a run goes through (proposals, meta-recommendations, the novelty judge,
 * embeddings): one llm_calls row, then an `llm:call` event. The new row's id is pushed to `ids` when given (the
 * candidate the call belongs to links them later) and returned.
 */
export function recordLlmCall(
  ctx: Pick<LoopContext, 'runId' | 'store' | 'bus'>,
  call: Omit<NewLlmCall, 'runId'>,
  ids?: number[],
): number {
  const row = ctx.store.insertLlmCall({ ...call, runId: ctx.runId });
  ids?.push(row.id);
  ctx.bus.emit('llm:call', {
    runId: ctx.runId,
    provider: row.provider,
    model: row.model,
    status: row.status,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
  });
  return row.id;
}
