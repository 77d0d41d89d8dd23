// A fake OpenAI Chat Completions server (POST /v1/chat/completions) for the `openai` package: scripted answers and
// errors, with OpenAI's documented refusal of `max_tokens` by reasoning models (o-series, gpt-5.x).
//
// Use: const fake = await startOpenAiServer({ script: [answer(text)] }); new OpenAI({ baseURL: fake.url, apiKey: 'x' }).
// `fake.url` already ends in /v1, as vLLM, Ollama and LM Studio base URLs do. vllm-server.ts and ollama-server.ts
// build on the same chat-completion shapes with those servers' own behaviour.
import {
  startFakeServer,
  fakeTokens,
  type Dialect,
  type FakeServer,
  type FakeServerOptions,
  type FakeStep,
  type RecordedRequest,
} from './fake-llm-server.js';

export * from './fake-llm-server.js';

/** The text of the last user message of a chat-completions request. */
export function lastChatUserText(request: RecordedRequest): string {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** Prompt tokens of a request as the fake counts them (4 characters a token over the message contents). */
export function chatPromptTokens(request: RecordedRequest): number {
  const messages = (request.body?.messages ?? []) as { content: unknown }[];
  return fakeTokens(messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n'));
}

/** OpenAI's error body: {"error": {"message", "type", "param", "code"}}. */
export const openAiErrorBody = (status: number, type: string | undefined, message: string): unknown => ({
  error: {
    message,
    type:
      type ??
      (status === 429 ? 'rate_limit_exceeded' : status < 500 ? 'invalid_request_error' : 'server_error'),
    param: null,
    code: null,
  },
});

export interface ChatDialectOptions {
  /** Prompt tokens the server reports (Ollama caps them at its context length). */
  promptTokens?: (request: RecordedRequest) => number;
  errorBody?: Dialect['errorBody'];
  validate?: Dialect['validate'];
  /** The reasoning field of the message (vLLM with a reasoning parser: reasoning_content). */
  reasoningField?: string;
}

export function chatCompletionDialect(o: ChatDialectOptions = {}): Dialect {
  return {
    path: '/v1/chat/completions',
    urlSuffix: '/v1',
    errorBody: o.errorBody ?? openAiErrorBody,
    ...(o.validate ? { validate: o.validate } : {}),
    answerBody: (step, request, n) => {
      const body = request.body ?? {};
      const cached = step.usage?.cacheRead ?? 0;
      const prompt = step.usage?.input ?? Math.max(0, (o.promptTokens ?? chatPromptTokens)(request) - cached);
      const completion = step.usage?.output ?? fakeTokens(step.text + (step.reasoning ?? ''));
      return {
        id: `chatcmpl-fake-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'unknown',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: step.text,
              ...(step.reasoning !== undefined
                ? { [o.reasoningField ?? 'reasoning_content']: step.reasoning }
                : {}),
            },
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
  };
}

/** OpenAI's reasoning models (o1, o3, o4-mini, gpt-5, gpt-5.1, ...), by id. */
const REASONING = /^(o\d+|gpt-5)(?:$|[-.])/;

/** OpenAI's refusal of `max_tokens` for a reasoning model (400 unsupported_parameter). */
export function refuseMaxTokens(request: RecordedRequest): Extract<FakeStep, { kind: 'error' }> | undefined {
  const body = request.body ?? {};
  if (!REASONING.test(String(body.model)) || body.max_tokens === undefined) return undefined;
  return {
    kind: 'error',
    status: 400,
    type: 'invalid_request_error',
    message:
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
  };
}

export function startOpenAiServer(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return startFakeServer(chatCompletionDialect({ validate: refuseMaxTokens }), opts);
}
