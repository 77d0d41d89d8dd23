// A fake Anthropic Messages API (POST /v1/messages) for the real SDK: scripted answers, errors, hangs; records requests.
//
// Use: const fake = await startAnthropicServer({ script: [rateLimited(2), answer(text)] });
//      new Anthropic({ baseURL: fake.url, apiKey: 'sk-test' }) ... fake.requests ... await fake.close();
// `defaultAnswer(request, n)` keeps answering once the script is used up (benchmarks, end-to-end tests).
// Usage reported: input/output ~ chars/4; a system block with cache_control counts as a cache write the first
// time the fake sees that system text and as a cache read afterwards.
import {
  startFakeServer,
  fakeTokens,
  type FakeServer,
  type FakeServerOptions,
  type RecordedRequest,
} from './fake-llm-server.js';

export * from './fake-llm-server.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** The text of the last user message of a Messages API request. */
export function lastUserText(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as { type: string; text?: string }[]).map((b) => b.text ?? '').join('');
}

export function startAnthropicServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  const seenSystems = new Set<string>();
  return startFakeServer(
    {
      path: '/v1/messages',
      urlSuffix: '',
      modelsPath: '/v1/models',
      modelBody: (id: string) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2026-01-01T00:00:00Z',
      }),
      errorBody: (status, type, message) => ({
        type: 'error',
        error: { type: type ?? ERROR_TYPES[status] ?? 'api_error', message },
      }),
      answerBody: (step, request, n) => {
        const body = request.body ?? {};
        const system = body.system;
        const systemBlocks: { text?: string; cache_control?: unknown }[] =
          typeof system === 'string' ? [{ text: system }] : Array.isArray(system) ? system : [];
        const systemText = systemBlocks.map((b) => b.text ?? '').join('');
        const cached = systemBlocks.some((b) => b.cache_control);
        let cacheWrite = 0;
        let cacheRead = 0;
        if (cached) {
          if (seenSystems.has(systemText)) cacheRead = fakeTokens(systemText);
          else cacheWrite = fakeTokens(systemText);
          seenSystems.add(systemText);
        }
        const input = fakeTokens(JSON.stringify(body.messages ?? [])) + (cached ? 0 : fakeTokens(systemText));
        return {
          id: `msg_fake_${n}`,
          type: 'message',
          role: 'assistant',
          model: body.model ?? 'unknown',
          content: [{ type: 'text', text: step.text }],
          stop_reason: step.stopReason ?? 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: step.usage?.input ?? input,
            output_tokens: step.usage?.output ?? fakeTokens(step.text),
            cache_creation_input_tokens: step.usage?.cacheWrite ?? cacheWrite,
            cache_read_input_tokens: step.usage?.cacheRead ?? cacheRead,
          },
        };
      },
    },
    opts,
  );
}
