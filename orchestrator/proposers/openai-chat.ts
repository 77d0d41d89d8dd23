// ChatModel over the `openai` package for OpenAI-compatible endpoints (vLLM, Ollama, LM Studio); SDK retries off.
import OpenAI from 'openai';
import { z } from 'zod';
import type { ChatModel, ChatRequest, ChatResponse } from './chat-model.js';
import { LlmError, type ErrorHints, fromSdkError } from './errors.js';

export interface OpenAiChatOptions {
  model: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  hints: ErrorHints;
}

const completionSchema = z.object({
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .looseObject({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      prompt_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullable().optional(),
    })
    .nullable()
    .optional(),
});

function body(model: string, r: ChatRequest) {
  return {
    model,
    max_tokens: r.maxOutputTokens,
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    messages: [
      { role: 'system' as const, content: r.system },
      ...r.messages.map((m) => ({ role: m.role, content: m.content })),
    ],
  };
}

export function createOpenAiChat(opts: OpenAiChatOptions): ChatModel {
  const client = new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
  const toError = (error: unknown): LlmError => fromSdkError(error, OpenAI, opts.hints);
  return {
    provider: 'openai',
    model: opts.model,
    describe: (r) => body(opts.model, r),
    async send(r: ChatRequest): Promise<ChatResponse> {
      let raw: unknown;
      try {
        raw = await client.chat.completions.create(body(opts.model, r), {
          maxRetries: 0,
          timeout: opts.timeoutMs,
          ...(r.signal ? { signal: r.signal } : {}),
        });
      } catch (error) {
        throw toError(error);
      }
      const parsed = completionSchema.safeParse(raw);
      if (!parsed.success)
        throw new LlmError('bad-response', `${opts.hints.who}: the answer is not a chat completion`);
      const c = parsed.data;
      const cached = c.usage?.prompt_tokens_details?.cached_tokens ?? 0;
      return {
        text: c.choices[0]!.message.content ?? '',
        stopReason: c.choices[0]!.finish_reason ?? null,
        usage: {
          inputTokens: Math.max(0, (c.usage?.prompt_tokens ?? 0) - cached),
          outputTokens: c.usage?.completion_tokens ?? 0,
          cacheReadTokens: cached,
          cacheWriteTokens: 0,
        },
      };
    },
  };
}
