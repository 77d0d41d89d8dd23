// The LLM proposer: prompt -> one call (with retries) -> apply the edit -> on a failed block, one follow-up -> result.
import { coerceError } from '../../core/errors.js';
import { redactSecrets } from '../../core/secrets.js';
import { applyAnswer, combineRetry, toEditRecord, type AnswerApplied } from '../edits/apply-answer.js';
import { buildPrompt } from '../prompts/build-prompt.js';
import type { ModeSetting } from '../prompts/choose-mode.js';
import type { EditMode } from '../prompts/edit-format.js';
import { retryMessage } from '../prompts/retry-message.js';
import type { ChatMessage, ChatModel } from './chat-model.js';
import { LlmError } from './errors.js';
import { costUsd, type ModelPrice, type PriceTable } from './prices.js';
import { withRetry, type RetryPolicy, type Sleep } from './retry.js';
import type { EditRecord, ProposalContext, ProposalResult, Proposer } from './types.js';
import { modeOf } from './operators.js';

/** A ProposalResult plus the warnings the loop should emit as `run:warning`. */
export type LlmProposalResult = ProposalResult & { warnings: string[] };

export interface LlmProposerOptions {
  name: string;
  chat: ChatModel;
  price: ModelPrice | undefined;
  /** The whole table in force (the loop records it with the run). */
  prices: PriceTable;
  mode: ModeSetting;
  contextTokens: number;
  maxOutputTokens: number;
  temperature?: number;
  retry: RetryPolicy;
  /** Send a failed edit back to the model once (default true). */
  retryBadEdits: boolean;
  sleep: Sleep;
  jitter: () => number;
  now: () => number;
  env: NodeJS.ProcessEnv;
  /** A setup problem (no API key): every proposal fails with it, fatally. */
  setupError?: LlmError;
  /** Values never to let into records or messages (the API key). */
  secrets: string[];
}

type CallOutcome =
  | { ok: true; text: string; callId: number; costUsd: number; stopReason: string | null }
  | { ok: false; error: LlmError; callId: number };

export class LlmProposer implements Proposer {
  readonly name: string;
  readonly model: string;
  readonly prices: PriceTable;
  private warnedPrice = false;

  constructor(private readonly opts: LlmProposerOptions) {
    this.name = opts.name;
    this.model = opts.chat.model;
    this.prices = opts.prices;
  }

  /**
   * Before a run: is the configured model known to this key (Models API)? A key or model problem (401, 403,
   * 404, no key) throws its one-line LlmError; anything else (a network hiccup) is left to the first call.
   */
  async preflight(): Promise<void> {
    if (this.opts.setupError) throw this.opts.setupError;
    if (!this.opts.chat.checkModel) return;
    try {
      await this.opts.chat.checkModel();
    } catch (error) {
      if (error instanceof LlmError && error.fatal) throw error;
    }
  }

  private redact(text: string): string {
    let out = redactSecrets(text, this.opts.env);
    for (const s of this.opts.secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
    return out;
  }

  private async call(
    ctx: ProposalContext,
    system: string,
    messages: ChatMessage[],
    purpose: 'propose' | 'fix-edit',
    mode: EditMode,
  ): Promise<CallOutcome> {
    const { chat } = this.opts;
    const request = {
      system,
      messages,
      maxOutputTokens: this.opts.maxOutputTokens,
      ...(this.opts.temperature === undefined ? {} : { temperature: this.opts.temperature }),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    };
    const started = this.opts.now();
    const result = await withRetry(() => chat.send(request), this.opts.retry, {
      sleep: this.opts.sleep,
      jitter: this.opts.jitter,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const prompt = { purpose, mode, request: chat.describe(request), retries: result.log };
    const base = {
      provider: chat.provider,
      model: chat.model,
      latencyMs: Math.round(this.opts.now() - started),
      attempts: result.attempts,
      prompt: JSON.parse(this.redact(JSON.stringify(prompt))) as unknown,
    };
    if (!result.ok) {
      const callId = ctx.recordCall({ ...base, status: 'error', error: this.redact(result.error.message) });
      return { ok: false, error: result.error, callId };
    }
    const { text, usage, stopReason } = result.value;
    const cost = costUsd(this.opts.price, usage);
    const callId = ctx.recordCall({
      ...base,
      status: 'ok',
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      costUsd: cost,
      responseText: this.redact(text),
    });
    return { ok: true, text, callId, costUsd: cost, stopReason };
  }

  private failure(
    reason: string,
    extra: {
      edit?: EditRecord;
      costUsd?: number;
      llmCallIds?: number[];
      fatal?: boolean;
      warnings?: string[];
    },
  ): LlmProposalResult {
    return {
      ok: false,
      reason: this.redact(reason),
      edit: extra.edit ?? { kind: 'none', outcome: 'failed', summary: this.redact(reason) },
      proposer: this.name,
      model: this.model,
      costUsd: extra.costUsd ?? 0,
      llmCallIds: extra.llmCallIds ?? [],
      ...(extra.fatal ? { fatal: true } : {}),
      warnings: extra.warnings ?? [],
    };
  }

  async propose(ctx: ProposalContext): Promise<LlmProposalResult> {
    try {
      return await this.proposeUnsafe(ctx);
    } catch (error) {
      return this.failure(`${this.name}: internal error: ${coerceError(error).message}`, {});
    }
  }

  private async proposeUnsafe(ctx: ProposalContext): Promise<LlmProposalResult> {
    if (this.opts.setupError) return this.failure(this.opts.setupError.message, { fatal: true });
    const prompt = buildPrompt(ctx, {
      mode: ctx.operator ? modeOf(ctx.operator) : this.opts.mode,
      contextTokens: this.opts.contextTokens,
      maxOutputTokens: this.opts.maxOutputTokens,
      env: this.opts.env,
    });
    const warnings = [...prompt.warnings];
    if (!this.opts.price && !this.warnedPrice && this.opts.chat.provider === 'anthropic') {
      this.warnedPrice = true;
      warnings.push(
        `no price known for model "${this.model}": its cost counts as $0; add it to the proposer's prices`,
      );
    }
    if (!prompt.fits)
      return this.failure(
        `prompt of ~${prompt.estimatedTokens} tokens does not fit the ${this.opts.contextTokens}-token context window even trimmed; raise contextTokens or use a larger model`,
        { warnings },
      );
    // A rejection note goes after the prompt, so the cached prefix stays the same.
    const user = ctx.retryNote ? `${prompt.user}\n\n${ctx.retryNote}` : prompt.user;
    const messages: ChatMessage[] = [{ role: 'user', content: user }];
    const first = await this.call(ctx, prompt.system, messages, 'propose', prompt.mode);
    if (!first.ok)
      return this.failure(first.error.message, {
        llmCallIds: [first.callId],
        fatal: first.error.fatal,
        warnings,
      });
    const callIds = [first.callId];
    let cost = first.costUsd;
    if (first.stopReason === 'max_tokens' || first.stopReason === 'length')
      warnings.push(
        `${this.name}: the answer was cut at ${this.opts.maxOutputTokens} output tokens; raise maxOutputTokens`,
      );

    const parentFiles = ctx.parent.files;
    let applied: AnswerApplied = applyAnswer(first.text, parentFiles);
    let retried = false;
    let note: string | undefined;
    if (applied.outcome !== 'applied' && this.opts.retryBadEdits && !ctx.signal?.aborted) {
      retried = true;
      const followUp = retryMessage(applied, prompt.mode, ctx.problem.spec.language);
      const conversation: ChatMessage[] = [
        ...messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: this.redact(followUp) },
      ];
      const second = await this.call(ctx, prompt.system, conversation, 'fix-edit', prompt.mode);
      callIds.push(second.callId);
      if (second.ok) {
        cost += second.costUsd;
        const base = applied.outcome === 'partly-applied' ? applied.files : parentFiles;
        applied = combineRetry(parentFiles, applied, applyAnswer(second.text, base));
      } else {
        note = `the follow-up call failed: ${second.error.message}`;
        if (second.error.fatal)
          return this.failure(second.error.message, {
            edit: toEditRecord(applied, retried, note),
            costUsd: cost,
            llmCallIds: callIds,
            fatal: true,
            warnings,
          });
      }
    }
    const edit = toEditRecord(applied, retried, note);
    if (applied.changed.length === 0)
      return this.failure(`${this.name}: ${edit.summary}`, {
        edit,
        costUsd: cost,
        llmCallIds: callIds,
        warnings,
      });
    const files = Object.fromEntries(applied.changed.map((f) => [f, applied.files[f]!]));
    return {
      ok: true,
      files,
      edit,
      proposer: this.name,
      model: this.model,
      costUsd: cost,
      llmCallIds: callIds,
      warnings,
    };
  }
}
