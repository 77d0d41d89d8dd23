// A fake vLLM OpenAI-compatible server: the older error body with its message at the top level, the context-length
// refusal, and `reasoning_content` when started with a reasoning parser (without one, <think> stays in the content).
//
// Older vLLM (before its errors took OpenAI's shape) answered {"object":"error","message":...,"type":...,
// "param":null,"code":400}; the `openai` SDK reads only body.error, so it reports "400 status code (no body)".
import {
  chatCompletionDialect,
  chatPromptTokens,
  startFakeServer,
  type FakeServer,
  type FakeServerOptions,
} from './openai-server.js';

export * from './openai-server.js';

export interface VllmServerOptions extends FakeServerOptions {
  /** --max-model-len: longer prompts (plus max_tokens) are refused with 400. */
  maxModelLen?: number;
  /** --reasoning-parser: `<think>…</think>` is moved out of the content into reasoning_content. */
  reasoningParser?: boolean;
}

export function startVllmServer(opts: VllmServerOptions = {}): Promise<FakeServer> {
  const dialect = chatCompletionDialect({
    errorBody: (status, type, message) => ({
      object: 'error',
      message,
      type: type ?? 'BadRequestError',
      param: null,
      code: status,
    }),
    validate: (request) => {
      const limit = opts.maxModelLen;
      const prompt = chatPromptTokens(request);
      const out = Number(request.body?.max_tokens ?? 0);
      if (limit === undefined || prompt + out <= limit) return undefined;
      return {
        kind: 'error',
        status: 400,
        message: `This model's maximum context length is ${limit} tokens. However, you requested ${prompt + out} tokens (${prompt} in the messages, ${out} in the completion). Please reduce the length of the messages or completion.`,
      };
    },
  });
  const answerBody = dialect.answerBody.bind(dialect);
  dialect.answerBody = (step, request, n) => {
    if (!opts.reasoningParser) return answerBody(step, request, n);
    const m = /^\s*<think>([\s\S]*?)<\/think>\s*/.exec(step.text);
    if (!m) return answerBody(step, request, n);
    return answerBody({ ...step, text: step.text.slice(m[0].length), reasoning: m[1]! }, request, n);
  };
  return startFakeServer(dialect, opts);
}
