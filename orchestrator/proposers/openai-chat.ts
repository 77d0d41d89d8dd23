// ChatModel over the `openai` package for OpenAI and compatible servers (vLLM, Ollama, LM Studio); SDK retries off.
import OpenAI from 'openai';
import { z } from 'zod';
import { estimateTokens } from '../prompts/tokens.js';
import { textOf, type ChatModel, type ChatRequest, type ChatResponse } from './chat-model.js';
import { LlmError, type ErrorHints, fromSdkError } from './errors.js';
import type { TokenUsage } from './prices.js';

export type TokenParam = 'max_tokens' | 'max_completion_tokens';

export interface OpenAiChatOptions {
  model: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  hints: ErrorHints;
  /** Which field carries the output limit; default: judged from the model id (see tokenParamFor). */
  tokenParam?: TokenParam;
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5, gpt-5.1, ...) refuse `max_tokens` with 400
 * `unsupported_parameter` and take `max_completion_tokens`; other servers (vLLM, Ollama) take `max_tokens`.
 */
export function tokenParamFor(model: string): TokenParam {
  const id = model.toLowerCase().replace(/^openai\//, '');
  return /^o\d+(?:$|[-.])/.test(id) || /^gpt-5(?:$|[-.])/.test(id) ? 'max_completion_tokens' : 'max_tokens';
}

const usageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullable().optional(),
});

const completionSchema = z.object({
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullable().optional(),
          // vLLM with a reasoning parser and DeepSeek-style servers; some servers name it `reasoning`.
          reasoning_content: z.string().nullable().optional(),
          reasoning: z.string().nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: usageSchema.nullable().optional(),
});

/** The SDK client, keeping the parsed error body (an older vLLM body has its message at the top level). */
class BodyKeepingOpenAI extends OpenAI {
  protected override makeStatusError(
    status: number,
    error: object,
    message: string | undefined,
    headers: Headers,
  ): InstanceType<typeof OpenAI.APIError> {
    return Object.assign(super.makeStatusError(status, error, message, headers), { body: error ?? message });
  }
}

/** Below this many estimated prompt tokens a short count proves nothing (estimates are rough). */
const TRUNCATION_MIN_TOKENS = 2_000;
/** The server read less than this share of the estimate: it cut the prompt. */
const TRUNCATION_RATIO = 0.5;

function body(model: string, param: TokenParam, r: ChatRequest) {
  return {
    model,
    [param]: r.maxOutputTokens,
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    // Stable parts first, in one string: OpenAI and vLLM cache the longest repeated prefix on their own.
    messages: [
      { role: 'system' as const, content: r.system },
      ...r.messages.map((m) => ({ role: m.role, content: textOf(m.content) })),
    ],
  };
}

function usageOf(u: z.infer<typeof usageSchema> | null | undefined): TokenUsage {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached),
    outputTokens: u?.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

export function createOpenAiChat(opts: OpenAiChatOptions): ChatModel {
  const client = new BodyKeepingOpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
  const param = opts.tokenParam ?? tokenParamFor(opts.model);
  const toError = (error: unknown): LlmError => fromSdkError(error, OpenAI, opts.hints);
  return {
    provider: 'openai',
    model: opts.model,
    describe: (r) => body(opts.model, param, r),
    async send(r: ChatRequest): Promise<ChatResponse> {
      let raw: unknown;
      const request = body(opts.model, param, r);
      try {
        raw = await client.chat.completions.create(request as OpenAI.ChatCompletionCreateParamsNonStreaming, {
          maxRetries: 0,
          timeout: opts.timeoutMs,
          ...(r.signal ? { signal: r.signal } : {}),
        });
      } catch (error) {
        throw toError(error);
      }
      const parsed = completionSchema.safeParse(raw);
      if (!parsed.success) {
        const u = usageSchema.safeParse((raw as { usage?: unknown } | null)?.usage);
        throw new LlmError('bad-response', `${opts.hints.who}: the answer is not a chat completion`, {
          ...(u.success ? { usage: usageOf(u.data) } : {}),
        });
      }
      const c = parsed.data;
      const usage = usageOf(c.usage);
      const sent = estimateTokens(request.messages.map((m) => m.content).join('\n'));
      const read = c.usage?.prompt_tokens;
      if (read !== undefined && sent >= TRUNCATION_MIN_TOKENS && read < sent * TRUNCATION_RATIO)
        throw new LlmError(
          'truncated',
          `${opts.hints.who}: the server read ${read} prompt tokens of the ~${sent} sent, so it cut the prompt to its context window`,
          {
            usage,
            fix: `for Ollama, start the server with OLLAMA_CONTEXT_LENGTH=${2 ** Math.ceil(Math.log2(sent * 1.5))} (or more); otherwise set contextTokens in the proposer config to the server's context window, and adrs trims its prompts to fit`,
          },
        );
      const choice = c.choices[0]!;
      const reasoning = choice.message.reasoning_content ?? choice.message.reasoning ?? '';
      return {
        text: choice.message.content ?? '',
        ...(reasoning ? { reasoning } : {}),
        stopReason: choice.finish_reason ?? null,
        usage,
      };
    },
  };
}
