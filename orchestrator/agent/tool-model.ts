// The agent's port to Claude: one Messages API call with tools over @anthropic-ai/sdk; content blocks and usage back.
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { createAnthropicClient, sendMessages } from '../proposers/anthropic-send.js';
import { LlmError, type ErrorHints } from '../proposers/errors.js';
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
  /** What the SDK printed for this call (deprecation notices). */
  warnings?: string[];
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

const EPHEMERAL = { type: 'ephemeral' as const };

/**
 * The conversation with cache breakpoints, as the prompt-caching guide advises for multi-turn use: the last block
 * of the newest message (so the next turn reads everything before it) and of the user message before it (the
 * breakpoint the previous turn wrote, within the 20-block look-back even when a turn adds many tool results).
 * With the system block that is 3 of the 4 allowed.
 */
export function withCacheBreakpoints(messages: AgentMessage[]): Anthropic.MessageParam[] {
  const userIdx = messages.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  const marked = new Set([messages.length - 1, ...userIdx.slice(-2)].filter((i) => i >= 0));
  if (marked.size > 2) marked.delete(Math.min(...marked));
  return messages.map((m, i) => {
    if (!marked.has(i) || m.content.length === 0) return m;
    const content = m.content.map((b, k) =>
      k === m.content.length - 1 ? { ...b, cache_control: EPHEMERAL } : b,
    );
    return { role: m.role, content };
  });
}

export function createAnthropicToolModel(opts: AnthropicToolModelOptions): ToolModel {
  const client = createAnthropicClient(opts);
  return {
    model: opts.model,
    async send(r) {
      const { raw, warnings } = await sendMessages(
        client,
        {
          model: opts.model,
          max_tokens: r.maxOutputTokens,
          system: [{ type: 'text', text: r.system, cache_control: EPHEMERAL }],
          tools: r.tools,
          messages: withCacheBreakpoints(r.messages),
        },
        { timeoutMs: opts.timeoutMs, hints: opts.hints, ...(r.signal ? { signal: r.signal } : {}) },
      );
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
        ...(warnings.length ? { warnings } : {}),
      };
    },
  };
}
