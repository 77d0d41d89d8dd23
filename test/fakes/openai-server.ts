// A fake OpenAI-compatible server (POST /v1/chat/completions) for the `openai` package: scripted answers and errors.
//
// Use: const fake = await startOpenAiServer({ script: [answer(text)] }); new OpenAI({ baseURL: fake.url, apiKey: 'x' }).
// `fake.url` already ends in /v1, as vLLM, Ollama and LM Studio base URLs do.
import {
  startFakeServer,
  fakeTokens,
  type FakeServer,
  type FakeServerOptions,
  type RecordedRequest,
} from './fake-llm-server.js';

export * from './fake-llm-server.js';

/** The text of the last user message of a chat-completions request. */
export function lastChatUserText(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

export function startOpenAiServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return startFakeServer(
    {
      path: '/v1/chat/completions',
      urlSuffix: '/v1',
      errorBody: (status, type, message) => ({
        error: {
          message,
          type: type ?? (status === 429 ? 'rate_limit_exceeded' : 'server_error'),
          param: null,
          code: null,
        },
      }),
      answerBody: (step, request, n) => {
        const body = request.body ?? {};
        const prompt = step.usage?.input ?? fakeTokens(JSON.stringify(body.messages ?? []));
        const cached = step.usage?.cacheRead ?? 0;
        const completion = step.usage?.output ?? fakeTokens(step.text);
        return {
          id: `chatcmpl-fake-${n}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? 'unknown',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: step.text },
              finish_reason: step.stopReason ?? 'stop',
            },
          ],
          usage: {
            prompt_tokens: prompt + cached,
            completion_tokens: completion,
            total_tokens: prompt + cached + completion,
            prompt_tokens_details: { cached_tokens: cached },
          },
        };
      },
    },
    opts,
  );
}
