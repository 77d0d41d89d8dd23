// The port between the proposer logic and one provider SDK: one request, one attempt, text and token usage back.
import type { TokenUsage } from './prices.js';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatResponse {
  text: string;
  usage: TokenUsage;
  /** "end_turn", "max_tokens", "stop", "length", ... as the provider says. */
  stopReason: string | null;
}

export interface ChatModel {
  provider: 'anthropic' | 'openai';
  model: string;
  /** One HTTP attempt (the SDK's own retries are off); throws an LlmError. */
  send(request: ChatRequest): Promise<ChatResponse>;
  /** The request body as sent, for the call record (never the key). */
  describe(request: ChatRequest): unknown;
  /** Asks the provider whether the model exists for this key (Models API); throws an LlmError when it does not. */
  checkModel?(): Promise<void>;
}
