// A fake Anthropic Messages API (POST /v1/messages) for the real SDK: scripted answers, errors, hangs; records requests.
//
// Use: const fake = await startAnthropicServer({ script: [rateLimited(2), answer(text)] });
//      new Anthropic({ baseURL: fake.url, apiKey: 'sk-test' }) ... fake.requests ... await fake.close();
// `defaultAnswer(request, n)` keeps answering once the script is used up (benchmarks, end-to-end tests).
// Usage reported: tokens ~ chars/4, split into input / cache write / cache read by PromptCacheSim (the documented
// prompt-cache rules: breakpoints, per-model minimum, 5-minute lifetime, 20-block look-back). Requests with
// "stream": true get the documented server-sent events. Documented refusals: more than 4 cache breakpoints, and
// max_tokens above the model's output limit (400 invalid_request_error).
import type { ServerResponse } from 'node:http';
import { PromptCacheSim } from './prompt-cache.js';
import {
  startFakeServer,
  fakeTokens,
  type FakeServer,
  type FakeServerOptions,
  type FakeStep,
  type RecordedRequest,
} from './fake-llm-server.js';

export * from './fake-llm-server.js';

export interface AnthropicServerOptions extends FakeServerOptions {
  /** The cache's clock (tests move it to expire entries); default Date.now. */
  now?: () => number;
}

/** Output limits from the models overview (tokens). */
function maxOutput(model: string): number {
  return /haiku-4-5/.test(model) ? 64_000 : 128_000;
}

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

export function startAnthropicServer(opts: AnthropicServerOptions = {}): Promise<FakeServer> {
  const cache = new PromptCacheSim(opts.now);
  const usageOf = (step: Extract<FakeStep, { kind: 'answer' }>, request: RecordedRequest) => {
    const sim = cache.apply(request.body ?? {});
    const u = 'error' in sim ? { input: 0, cacheRead: 0, cacheWrite: 0 } : sim;
    return {
      input_tokens: step.usage?.input ?? u.input,
      output_tokens: step.usage?.output ?? fakeTokens(step.text),
      cache_creation_input_tokens: step.usage?.cacheWrite ?? u.cacheWrite,
      cache_read_input_tokens: step.usage?.cacheRead ?? u.cacheRead,
    };
  };
  const message = (request: RecordedRequest, n: number) => ({
    id: `msg_fake_${n}`,
    type: 'message',
    role: 'assistant',
    model: request.body?.model ?? 'unknown',
    stop_sequence: null,
  });
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
      validate: (request) => {
        const body = request.body ?? {};
        const marks = JSON.stringify(body).split('"cache_control"').length - 1;
        if (marks > 4)
          return {
            kind: 'error',
            status: 400,
            message: `A maximum of 4 blocks with cache_control may be provided. Found ${marks}.`,
          };
        const limit = maxOutput(String(body.model));
        if (typeof body.max_tokens === 'number' && body.max_tokens > limit)
          return {
            kind: 'error',
            status: 400,
            message: `max_tokens: ${body.max_tokens} > ${limit}, which is the maximum allowed number of output tokens for ${body.model}`,
          };
        return undefined;
      },
      answerBody: (step, request, n) => ({
        ...message(request, n),
        content: [{ type: 'text', text: step.text }],
        stop_reason: step.stopReason ?? 'end_turn',
        usage: usageOf(step, request),
      }),
      streamAnswer: (step, request, n, res: ServerResponse) => {
        const usage = usageOf(step, request);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const event = (type: string, data: Record<string, unknown>): void => {
          res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
        };
        event('message_start', {
          message: {
            ...message(request, n),
            content: [],
            stop_reason: null,
            usage: { ...usage, output_tokens: 1 },
          },
        });
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        const half = Math.ceil(step.text.length / 2);
        event('content_block_delta', {
          index: 0,
          delta: { type: 'text_delta', text: step.text.slice(0, half) },
        });
        if (step.breakStream) {
          event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
          res.end();
          return;
        }
        event('content_block_delta', {
          index: 0,
          delta: { type: 'text_delta', text: step.text.slice(half) },
        });
        event('content_block_stop', { index: 0 });
        event('message_delta', {
          delta: { stop_reason: step.stopReason ?? 'end_turn', stop_sequence: null },
          usage: { output_tokens: usage.output_tokens },
        });
        event('message_stop', {});
        res.end();
      },
    },
    opts,
  );
}
