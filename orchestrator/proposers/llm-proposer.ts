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
import { costUsd, type ModelPrice, type PriceTable, type TokenUsage } from './prices.js';
import { splitReasoning } from './reasoning.js';
import { failedUsage, waitText, withRetry, type RetryPolicy, type Sleep } from './retry.js';
import { seedOf } from './seed-cache.js';
import type {
  EditRecord,
  ProposalContext,
  ProposalFailure,
  ProposalResult,
  Proposer,
  SummaryRequest,
  SummaryResult,
} from './types.js';
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
  /** Seed first and cache breakpoints on the stable parts (default true); false: the system message only. */
  promptCache?: boolean;
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
  | { ok: false; error: LlmError; callId: number; costUsd: number };

const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
});

/** How the loop should count a failed call: the same key again and again means a doomed run. */
export function failureOf(error: LlmError): ProposalFailure {
  return {
    key: `llm:${error.kind}${error.status === undefined ? '' : `:${error.status}`}`,
    infrastructure: true,
    retryable: error.isRetryable,
    ...(error.fix ? { fix: error.fix } : {}),
  };
}

/** The message users see: the error, and the fix when there is one. */
const withFix = (error: LlmError): string =>
  error.fix ? `${error.message}; fix: ${error.fix}` : error.message;

export class LlmProposer implements Proposer {
  readonly name: string;
  readonly model: string;
  readonly prices: PriceTable;
  private warnedPrice = false;
  private readonly sdkWarnings = new Set<string>();
  private readonly reportedSdk = new Set<string>();

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

  /** The model, when it has no known price (a run with a budget refuses it). */
  unpriced(): string[] {
    return this.opts.price ? [] : [this.model];
  }

  private redact(text: string): string {
    let out = redactSecrets(text, this.opts.env);
    for (const s of this.opts.secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
    return out;
  }

  /** One plain text call (the meta-recommendations summary), recorded like any other call. */
  async summarise(request: SummaryRequest): Promise<SummaryResult> {
    if (this.opts.setupError) return { ok: false, reason: this.opts.setupError.message, costUsd: 0 };
    const out = await this.call(
      request,
      request.system,
      [{ role: 'user', content: request.user }],
      request.purpose ?? 'meta',
      null,
    );
    return out.ok
      ? { ok: true, text: out.text, costUsd: out.costUsd, callId: out.callId }
      : { ok: false, reason: withFix(out.error), costUsd: out.costUsd };
  }

  private async call(
    ctx: Pick<ProposalContext, 'signal' | 'notify' | 'recordCall'>,
    system: string,
    messages: ChatMessage[],
    purpose: 'propose' | 'fix-edit' | 'meta' | 'novelty-judge',
    mode: EditMode | null,
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
    const max = this.opts.retry.maxAttempts;
    const result = await withRetry(() => chat.send(request), this.opts.retry, {
      sleep: this.opts.sleep,
      jitter: this.opts.jitter,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onWait: (e) =>
        ctx.notify?.(
          `${this.name}: ${this.redact(e.error)}; retrying in ${waitText(e.waitMs)} (attempt ${e.attempt + 1} of ${max})`,
        ),
    });
    const prompt = { purpose, mode, request: chat.describe(request), retries: result.log };
    // Failed attempts may be billed: what the provider reported for them is counted with the call.
    const failed = failedUsage(result.log);
    const base = {
      provider: chat.provider,
      model: chat.model,
      latencyMs: Math.round(this.opts.now() - started),
      attempts: result.attempts,
      prompt: JSON.parse(this.redact(JSON.stringify(prompt))) as unknown,
    };
    if (!result.ok) {
      const cost = costUsd(this.opts.price, failed);
      const callId = ctx.recordCall({
        ...base,
        status: 'error',
        error: this.redact(result.error.message),
        inputTokens: failed.inputTokens,
        outputTokens: failed.outputTokens,
        cacheReadTokens: failed.cacheReadTokens,
        cacheWriteTokens: failed.cacheWriteTokens,
        costUsd: cost,
      });
      return { ok: false, error: result.error, callId, costUsd: cost };
    }
    const { text: raw, stopReason } = result.value;
    const usage = addUsage(result.value.usage, failed);
    for (const w of result.value.warnings ?? []) this.sdkWarnings.add(w);
    // Reasoning (a `<think>` block in the content, or a separate field) is kept in the record, never parsed.
    const split = splitReasoning(raw);
    const text = split.answer;
    const transcript = result.value.reasoning ? `<think>\n${result.value.reasoning}\n</think>\n${raw}` : raw;
    const cost = costUsd(this.opts.price, usage);
    const callId = ctx.recordCall({
      ...base,
      status: 'ok',
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheReadTokens: usage.cacheReadTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      costUsd: cost,
      responseText: this.redact(transcript),
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
      failure?: ProposalFailure;
    },
  ): LlmProposalResult {
    const provider = extra.failure?.infrastructure === true;
    return {
      ok: false,
      reason: this.redact(reason),
      edit: extra.edit ?? {
        kind: 'none',
        outcome: 'failed',
        summary: this.redact(reason),
        ...(provider ? { cause: 'provider' as const } : {}),
      },
      proposer: this.name,
      model: this.model,
      costUsd: extra.costUsd ?? 0,
      llmCallIds: extra.llmCallIds ?? [],
      ...(extra.fatal ? { fatal: true } : {}),
      ...(extra.failure ? { failure: extra.failure } : {}),
      warnings: extra.warnings ?? [],
    };
  }

  /** SDK notices not yet reported in this run (each once). */
  private newSdkWarnings(): string[] {
    const out = [...this.sdkWarnings].filter((w) => !this.reportedSdk.has(w));
    for (const w of out) this.reportedSdk.add(w);
    return out.map((w) => `${this.name}: the SDK says: ${this.redact(w)}`);
  }

  async propose(ctx: ProposalContext): Promise<LlmProposalResult> {
    try {
      return await this.proposeUnsafe(ctx);
    } catch (error) {
      return this.failure(`${this.name}: internal error: ${coerceError(error).message}`, {
        failure: { key: 'internal', infrastructure: true, retryable: false },
      });
    }
  }

  private async proposeUnsafe(ctx: ProposalContext): Promise<LlmProposalResult> {
    if (this.opts.setupError)
      return this.failure(this.opts.setupError.message, {
        fatal: true,
        failure: failureOf(this.opts.setupError),
      });
    const cacheLayout = this.opts.promptCache !== false;
    const seed = cacheLayout ? seedOf(ctx.problem) : undefined;
    const prompt = buildPrompt(ctx, {
      mode: ctx.operator ? modeOf(ctx.operator) : this.opts.mode,
      contextTokens: this.opts.contextTokens,
      maxOutputTokens: this.opts.maxOutputTokens,
      env: this.opts.env,
      ...(seed ? { seed } : {}),
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
        {
          warnings,
          failure: {
            key: 'prompt-too-long',
            infrastructure: true,
            retryable: false,
            fix: 'raise contextTokens in the proposer config, or use a model with a larger context window',
          },
        },
      );
    // A rejection note goes after the prompt (its own part, unmarked), so the cached prefix stays the same.
    const rejection = ctx.retryNote ? `\n\n${ctx.retryNote}` : '';
    const content = cacheLayout
      ? rejection
        ? [...prompt.userParts, { text: rejection }]
        : prompt.userParts
      : prompt.user + rejection;
    const messages: ChatMessage[] = [{ role: 'user', content }];
    const first = await this.call(ctx, prompt.system, messages, 'propose', prompt.mode);
    warnings.push(...this.newSdkWarnings());
    if (!first.ok)
      return this.failure(withFix(first.error), {
        llmCallIds: [first.callId],
        costUsd: first.costUsd,
        fatal: first.error.fatal,
        warnings,
        failure: failureOf(first.error),
      });
    const callIds = [first.callId];
    let cost = first.costUsd;
    const cutOff = first.stopReason === 'max_tokens' || first.stopReason === 'length';
    if (cutOff)
      warnings.push(
        `${this.name}: the answer was cut off at ${this.opts.maxOutputTokens} output tokens (maxOutputTokens)`,
      );

    const parentFiles = ctx.parent.files;
    let applied: AnswerApplied = applyAnswer(first.text, parentFiles);
    let retried = false;
    let note: string | undefined;
    if (applied.outcome !== 'applied' && this.opts.retryBadEdits && !ctx.signal?.aborted) {
      retried = true;
      const followUp = retryMessage(applied, prompt.mode, ctx.problem.spec.language, {
        ...(cutOff ? { cutOffAt: this.opts.maxOutputTokens } : {}),
      });
      const conversation: ChatMessage[] = [
        ...messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: this.redact(followUp) },
      ];
      const second = await this.call(ctx, prompt.system, conversation, 'fix-edit', prompt.mode);
      callIds.push(second.callId);
      cost += second.costUsd;
      warnings.push(...this.newSdkWarnings());
      if (second.ok) {
        const base = applied.outcome === 'partly-applied' ? applied.files : parentFiles;
        applied = combineRetry(parentFiles, applied, applyAnswer(second.text, base));
      } else {
        note = `the follow-up call failed: ${second.error.message}`;
        if (second.error.fatal)
          return this.failure(withFix(second.error), {
            edit: toEditRecord(applied, retried, note),
            costUsd: cost,
            llmCallIds: callIds,
            fatal: true,
            warnings,
            failure: failureOf(second.error),
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
        failure: { key: 'edit', infrastructure: false, retryable: false },
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
