// A fake Anthropic Messages API that answers with scripted tool calls (tool_use blocks), for agent-mode tests.
//
// Use: const fake = await startAnthropicToolServer({ script: [toolCalls([{ name: 'grep', input: {...} }]), ...] });
//      the real SDK posts to fake.url; fake.requests holds every request (tool results included).
import {
  answer,
  fakeTokens,
  startFakeServer,
  type FakeServer,
  type FakeServerOptions,
  type FakeStep,
} from './fake-llm-server.js';

export * from './fake-llm-server.js';

interface Block {
  type: string;
  [k: string]: unknown;
}

/** One assistant turn made of an optional text and tool calls (ids are made up from the turn and position). */
export function toolCalls(calls: { name: string; input: Record<string, unknown> }[], text = ''): FakeStep {
  const blocks: Block[] = text ? [{ type: 'text', text }] : [];
  calls.forEach((c, i) =>
    blocks.push({
      type: 'tool_use',
      id: `toolu_${c.name}_${i}_${Math.random().toString(36).slice(2, 8)}`,
      name: c.name,
      input: c.input,
    }),
  );
  return answer(JSON.stringify(blocks));
}

/** A plain text turn (no tools). */
export const textTurn = (text: string): FakeStep => answer(JSON.stringify([{ type: 'text', text }]));

/** The tool_result blocks of a recorded request's last user message. */
export function toolResults(body: {
  messages?: { role: string; content: unknown }[];
}): { tool_use_id: string; content: string; is_error?: boolean }[] {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Block[]).filter((b) => b.type === 'tool_result') as never;
}

export function startAnthropicToolServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return startFakeServer(
    {
      path: '/v1/messages',
      urlSuffix: '',
      errorBody: (status, type, message) => ({
        type: 'error',
        error: { type: type ?? 'api_error', message },
      }),
      answerBody: (step, request, n) => {
        const content = JSON.parse(step.text) as Block[];
        const body = request.body ?? {};
        return {
          id: `msg_fake_${n}`,
          type: 'message',
          role: 'assistant',
          model: body.model ?? 'unknown',
          content,
          stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: fakeTokens(JSON.stringify(body.messages ?? [])),
            output_tokens: fakeTokens(step.text),
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        };
      },
    },
    opts,
  );
}
