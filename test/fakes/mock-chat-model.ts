// An in-memory ChatModel (after vercel/ai's MockLanguageModelV3): answers from a value, a list or a function,
// and records every request, so proposer logic is tested without HTTP.
import type { ChatModel, ChatRequest, ChatResponse } from '../../orchestrator/proposers/chat-model.js';
import type { TokenUsage } from '../../orchestrator/proposers/prices.js';

export type MockSend =
  | ChatResponse
  | ChatResponse[]
  | ((request: ChatRequest, call: number) => ChatResponse | Promise<ChatResponse>);

/** A response with the given text (and usage, default 100 in / 50 out). */
export function chatText(
  text: string,
  usage: Partial<TokenUsage> = {},
  stopReason = 'end_turn',
): ChatResponse {
  return {
    text,
    usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0, ...usage },
    stopReason,
  };
}

export class MockChatModel implements ChatModel {
  readonly provider: 'anthropic' | 'openai';
  readonly model: string;
  /** Every request, in order. */
  readonly calls: ChatRequest[] = [];
  private readonly answer: MockSend;

  constructor(opts: { send: MockSend; provider?: 'anthropic' | 'openai'; model?: string }) {
    this.answer = opts.send;
    this.provider = opts.provider ?? 'anthropic';
    this.model = opts.model ?? 'mock-model';
  }

  async send(request: ChatRequest): Promise<ChatResponse> {
    const call = this.calls.length;
    this.calls.push(request);
    if (request.signal?.aborted) throw new Error('aborted');
    const a = this.answer;
    if (typeof a === 'function') return a(request, call);
    if (Array.isArray(a)) {
      // A list answers in order; past its end, the last answer repeats.
      const r = a[Math.min(call, a.length - 1)];
      if (!r) throw new Error('MockChatModel: empty answer list');
      return r;
    }
    return a;
  }

  describe(request: ChatRequest): unknown {
    return { model: this.model, system: request.system, messages: request.messages };
  }
}
