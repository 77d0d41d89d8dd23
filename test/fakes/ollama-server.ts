// A fake Ollama OpenAI-compatible server (/v1/chat/completions): prompts longer than its context length are cut
// without a word (the reported prompt_tokens shows it), reasoning models' <think> stays in the content.
//
// Ollama's default context is 4096 tokens (OLLAMA_CONTEXT_LENGTH or a Modelfile num_ctx raise it); its OpenAI
// endpoint takes no num_ctx. Longer prompts are truncated from the front and the answer goes on regardless.
import {
  chatCompletionDialect,
  chatPromptTokens,
  startFakeServer,
  type FakeServer,
  type FakeServerOptions,
} from './openai-server.js';

export * from './openai-server.js';

export interface OllamaServerOptions extends FakeServerOptions {
  /** OLLAMA_CONTEXT_LENGTH (default 4096). */
  contextLength?: number;
}

export function startOllamaServer(opts: OllamaServerOptions = {}): Promise<FakeServer> {
  const ctx = opts.contextLength ?? 4096;
  return startFakeServer(
    chatCompletionDialect({ promptTokens: (request) => Math.min(chatPromptTokens(request), ctx) }),
    opts,
  );
}
