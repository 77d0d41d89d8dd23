// The port between the proposer logic and one provider SDK: one request, one attempt, text and token usage back.
import type { TokenUsage } from './prices.js';

/** A piece of a message; `cache` puts a cache breakpoint after it (everything up to here is stable). */
export interface TextPart {
  text: string;
  cache?: boolean;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string | TextPart[];
}

/** A message's content as one string (parts joined as the provider sees them). */
export function textOf(content: ChatMessage['content']): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
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
  /** Reasoning the server returned apart from the content (`reasoning_content`), kept for the transcript. */
  reasoning?: string;
  usage: TokenUsage;
  /** "end_turn", "max_tokens", "stop", "length", ... as the provider says. */
  stopReason: string | null;
  /** What the SDK printed for this call (deprecation notices), for one run warning each. */
  warnings?: string[];
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
