// ChatModel over @anthropic-ai/sdk (Messages API): the system message is marked for prompt caching; SDK retries off.
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { ChatModel, ChatRequest, ChatResponse } from './chat-model.js';
import { LlmError, type ErrorHints, fromSdkError } from './errors.js';

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

function body(model: string, r: ChatRequest) {
  return {
    model,
    max_tokens: r.maxOutputTokens,
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    system: [{ type: 'text' as const, text: r.system, cache_control: { type: 'ephemeral' as const } }],
    messages: r.messages.map((m) => ({ role: m.role, content: m.content })),
  };
}

export function createAnthropicChat(opts: AnthropicChatOptions): ChatModel {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
    openTelemetry: false,
    logLevel: 'off',
  });
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
      let raw: unknown;
      try {
        raw = await client.messages.create(body(opts.model, r), {
          maxRetries: 0,
          timeout: opts.timeoutMs,
          ...(r.signal ? { signal: r.signal } : {}),
        });
      } catch (error) {
        throw toError(error);
      }
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success)
        throw new LlmError('bad-response', `${opts.hints.who}: the answer is not a Messages API message`);
      const m = parsed.data;
      return {
        text: m.content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join(''),
        stopReason: m.stop_reason ?? null,
        usage: {
          inputTokens: m.usage.input_tokens,
          outputTokens: m.usage.output_tokens,
          cacheWriteTokens: m.usage.cache_creation_input_tokens ?? 0,
          cacheReadTokens: m.usage.cache_read_input_tokens ?? 0,
        },
      };
    },
  };
}
