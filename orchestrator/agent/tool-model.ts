// The agent's port to Claude: one Messages API call with tools over @anthropic-ai/sdk; content blocks and usage back.
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { fromSdkError, LlmError, type ErrorHints } from '../proposers/errors.js';
import type { TokenUsage } from '../proposers/prices.js';

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

export interface AgentMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolTurnRequest {
  system: string;
  messages: AgentMessage[];
  tools: ToolSpec[];
  maxOutputTokens: number;
  signal?: AbortSignal;
}

export interface ToolTurn {
  content: ContentBlock[];
  stopReason: string | null;
  usage: TokenUsage;
}

export interface ToolModel {
  model: string;
  /** One attempt; throws an LlmError. */
  send(request: ToolTurnRequest): Promise<ToolTurn>;
}

/** The fields we read from a Messages API answer (zod: it crosses a network boundary). */
const answerSchema = z.object({
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
      z.looseObject({ type: z.string() }),
    ]),
  ),
  stop_reason: z.string().nullable().optional(),
  usage: z.looseObject({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_creation_input_tokens: z.number().nullable().optional(),
    cache_read_input_tokens: z.number().nullable().optional(),
  }),
});

export interface AnthropicToolModelOptions {
  model: string;
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  hints: ErrorHints;
}

export function createAnthropicToolModel(opts: AnthropicToolModelOptions): ToolModel {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
    logLevel: 'off',
  });
  return {
    model: opts.model,
    async send(r) {
      let raw: unknown;
      try {
        raw = await client.messages.create(
          {
            model: opts.model,
            max_tokens: r.maxOutputTokens,
            system: [{ type: 'text', text: r.system, cache_control: { type: 'ephemeral' } }],
            tools: r.tools,
            messages: r.messages,
          },
          { maxRetries: 0, timeout: opts.timeoutMs, ...(r.signal ? { signal: r.signal } : {}) },
        );
      } catch (error) {
        throw fromSdkError(error, Anthropic, opts.hints);
      }
      const parsed = answerSchema.safeParse(raw);
      if (!parsed.success)
        throw new LlmError('bad-response', `${opts.hints.who}: the answer is not a Messages API message`);
      const m = parsed.data;
      const content: ContentBlock[] = [];
      for (const b of m.content) {
        if (b.type === 'text' && typeof b.text === 'string') content.push({ type: 'text', text: b.text });
        else if (b.type === 'tool_use' && 'id' in b && 'name' in b)
          content.push({ type: 'tool_use', id: String(b.id), name: String(b.name), input: b.input ?? {} });
      }
      return {
        content,
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
