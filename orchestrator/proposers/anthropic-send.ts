// One Messages API call over @anthropic-ai/sdk, shared by the proposer and the agent: streams long answers, keeps
// error bodies, turns the SDK's console deprecation notices into warnings, and keeps the usage of a broken stream.
import Anthropic from '@anthropic-ai/sdk';
import { fromSdkError, type ErrorHints } from './errors.js';
import type { TokenUsage } from './prices.js';

/**
 * The SDK refuses (unless a timeout is passed, which bypasses the check) a non-streaming request whose max_tokens
 * could take over 10 minutes at its assumed 128,000 tokens an hour: 600 s * 128000 / 3600 s = 21,333 tokens.
 * Above that we stream, as its long-requests guide asks.
 */
export const MAX_NONSTREAMING_TOKENS = Math.floor((10 * 128_000) / 60);

/** The SDK client, keeping the parsed error body on status errors (vLLM-style bodies lose their message otherwise). */
export class BodyKeepingAnthropic extends Anthropic {
  protected override makeStatusError(
    status: number,
    error: object,
    message: string | undefined,
    headers: Headers,
  ): InstanceType<typeof Anthropic.APIError> {
    const made = super.makeStatusError(status, error, message, headers);
    return Object.assign(made, { body: error });
  }
}

export function createAnthropicClient(opts: {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
}): Anthropic {
  return new BodyKeepingAnthropic({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
}

/** Runs `fn` with console.warn captured: the SDK warns synchronously inside create() (deprecated models). */
function capturingWarnings<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' ').replace(/\s+/g, ' ').trim());
  };
  try {
    return { value: fn(), warnings };
  } finally {
    console.warn = original;
  }
}

const usageOf = (u: Partial<Anthropic.Usage> | undefined): TokenUsage | undefined =>
  u
    ? {
        inputTokens: u.input_tokens ?? 0,
        outputTokens: u.output_tokens ?? 0,
        cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
        cacheReadTokens: u.cache_read_input_tokens ?? 0,
      }
    : undefined;

/** Sends one request; throws an LlmError (with the usage a broken stream had reported, if any). */
export async function sendMessages(
  client: Anthropic,
  body: Anthropic.MessageCreateParamsNonStreaming,
  opts: { timeoutMs: number; signal?: AbortSignal; hints: ErrorHints },
): Promise<{ raw: unknown; warnings: string[]; streamed: boolean }> {
  const request = { maxRetries: 0, timeout: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) };
  const streamed = body.max_tokens > MAX_NONSTREAMING_TOKENS;
  let reported: TokenUsage | undefined;
  let warnings: string[] = [];
  try {
    if (!streamed) {
      const call = capturingWarnings(() => client.messages.create(body, request));
      warnings = call.warnings;
      return { raw: await call.value, warnings, streamed };
    }
    const call = capturingWarnings(() => client.messages.stream(body, request));
    warnings = call.warnings;
    call.value.on('streamEvent', (event) => {
      if (event.type === 'message_start') reported = usageOf(event.message.usage);
      if (event.type === 'message_delta' && reported)
        reported = { ...reported, outputTokens: event.usage.output_tokens ?? reported.outputTokens };
    });
    return { raw: await call.value.finalMessage(), warnings, streamed };
  } catch (error) {
    const e = fromSdkError(error, Anthropic, opts.hints);
    if (reported) e.usage = reported;
    throw e;
  }
}
