// ChatModel over @anthropic-ai/sdk (Messages API): cache breakpoints on the system block and the stable parts; SDK retries off.
import { z } from 'zod';
import { createAnthropicClient, sendMessages } from './anthropic-send.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResponse } from './chat-model.js';
import { LlmError, type ErrorHints, fromSdkError } from './errors.js';
import Anthropic from '@anthropic-ai/sdk';

export interface AnthropicChatOptions {
  model: string;
  apiKey: string;
  baseURL?: string;
  /** Per-request timeout: a hanging connection ends as a failed (retryable) attempt. */
  timeoutMs: number;
  hints: ErrorHints;
}

/** The fields we read from a Messages API answer (zod: it crosses a network boundary). */
const messageSchema = z.object({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  stop_reason: z.string().nullable().optional(),
  usage: z.looseObject({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_creation_input_tokens: z.number().nullable().optional(),
    cache_read_input_tokens: z.number().nullable().optional(),
  }),
});

/** The API takes at most 4 cache breakpoints; the system block holds one. */
const MAX_BREAKPOINTS = 4;
const EPHEMERAL = { type: 'ephemeral' as const };

function content(m: ChatMessage, budget: { left: number }) {
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p) => {
    const mark = p.cache === true && budget.left > 0;
    if (mark) budget.left--;
    return { type: 'text' as const, text: p.text, ...(mark ? { cache_control: EPHEMERAL } : {}) };
  });
}

function body(model: string, r: ChatRequest): Anthropic.MessageCreateParamsNonStreaming {
  const budget = { left: MAX_BREAKPOINTS - 1 };
  return {
    model,
    max_tokens: r.maxOutputTokens,
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    system: [{ type: 'text' as const, text: r.system, cache_control: EPHEMERAL }],
    messages: r.messages.map((m) => ({ role: m.role, content: content(m, budget) })),
  };
}

export function createAnthropicChat(opts: AnthropicChatOptions): ChatModel {
  const client = createAnthropicClient(opts);
  const toError = (error: unknown): LlmError => fromSdkError(error, Anthropic, opts.hints);
  return {
    provider: 'anthropic',
    model: opts.model,
    describe: (r) => body(opts.model, r),
    async checkModel(): Promise<void> {
      try {
        await client.models.retrieve(
          opts.model,
          {},
          { maxRetries: 0, timeout: Math.min(opts.timeoutMs, 30_000) },
        );
      } catch (error) {
        throw toError(error);
      }
    },
    async send(r: ChatRequest): Promise<ChatResponse> {
      const { raw, warnings } = await sendMessages(client, body(opts.model, r), {
        timeoutMs: opts.timeoutMs,
        hints: opts.hints,
        ...(r.signal ? { signal: r.signal } : {}),
      });
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success)
        throw new LlmError('bad-response', `${opts.hints.who}: the answer is not a Messages API message`);
      const m = parsed.data;
      const thinking = m.content
        .map((b) => (b.type === 'thinking' && typeof b['thinking'] === 'string' ? b['thinking'] : ''))
        .join('');
      return {
        text: m.content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join(''),
        ...(thinking ? { reasoning: thinking } : {}),
        stopReason: m.stop_reason ?? null,
        usage: {
          inputTokens: m.usage.input_tokens,
          outputTokens: m.usage.output_tokens,
          cacheWriteTokens: m.usage.cache_creation_input_tokens ?? 0,
          cacheReadTokens: m.usage.cache_read_input_tokens ?? 0,
        },
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}
