// Each provider's quirks through the real SDKs against fake servers written from the providers' API docs:
// reasoning models' token field, <think> and reasoning_content, Ollama's silent truncation, every error body shape,
// cut-off answers, streaming past the SDK's non-streaming limit, billed failed attempts, SDK notices, visible backoff.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProposer, type LlmProposalResult } from '../orchestrator/proposers/index.js';
import { bodyMessage } from '../orchestrator/proposers/error-body.js';
import { tokenParamFor } from '../orchestrator/proposers/openai-chat.js';
import { splitReasoning } from '../orchestrator/proposers/reasoning.js';
import { MAX_NONSTREAMING_TOKENS } from '../orchestrator/proposers/anthropic-send.js';
import {
  answer,
  httpError,
  lastUserText,
  overloaded,
  searchReplace,
  startAnthropicServer,
  type FakeServer,
} from './fakes/anthropic-server.js';
import { startOpenAiServer } from './fakes/openai-server.js';
import { startOllamaServer } from './fakes/ollama-server.js';
import { startVllmServer } from './fakes/vllm-server.js';
import { makeContext, makeTinyProblem, TINY_SEED, type TinyProblem } from './fakes/tiny-problem.js';

let fake: FakeServer | undefined;
let tiny: TinyProblem | undefined;
afterEach(async () => {
  await fake?.close();
  tiny?.cleanup();
  fake = undefined;
  tiny = undefined;
});

const good = searchReplace(
  [{ file: null, search: '    total = 0', replace: '    total = 0  # real' }],
  'real',
);
const draft = searchReplace(
  [{ file: null, search: '    total = 0', replace: '    total = 0  # DRAFT' }],
  'draft',
);
const deps = (notes: string[] = []) => ({
  env: { ANTHROPIC_API_KEY: 'fake-ant-quirks-0123456789' },
  sleep: async () => {},
  jitter: () => 0,
  _notes: notes,
});

async function propose(config: Record<string, unknown>, problem = makeTinyProblem()) {
  tiny = problem;
  const proposer = await createProposer({ timeoutMs: 5_000, mode: 'diff', ...config }, deps());
  const notes: string[] = [];
  const ctx = makeContext(tiny.problem, { notify: (m) => notes.push(m) });
  const result = (await proposer.propose(ctx)) as LlmProposalResult;
  return { proposer, ctx, result, notes };
}

describe('OpenAI reasoning models', () => {
  it('are sent max_completion_tokens (judged from the id); others keep max_tokens', () => {
    for (const m of ['o1', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5.1', 'gpt-5-mini', 'openai/o3'])
      expect(tokenParamFor(m), m).toBe('max_completion_tokens');
    for (const m of ['gpt-4o', 'gpt-4.1-mini', 'qwen2.5-coder:7b', 'deepseek-r1:14b', 'omni-x', 'gpt-50'])
      expect(tokenParamFor(m), m).toBe('max_tokens');
  });

  it('succeed where max_tokens is refused with 400 unsupported_parameter; the override is honoured and its refusal names the fix', async () => {
    fake = await startOpenAiServer({ defaultAnswer: () => good });
    const ok = await propose({ kind: 'openai', model: 'o3-mini', baseURL: fake.url, maxOutputTokens: 4000 });
    expect(ok.result.ok).toBe(true);
    expect(fake.requests[0]!.body.max_completion_tokens).toBe(4000);
    expect(fake.requests[0]!.body).not.toHaveProperty('max_tokens');
    tiny?.cleanup();
    const forced = await propose({
      kind: 'openai',
      model: 'gpt-5.1',
      baseURL: fake.url,
      tokenParam: 'max_tokens',
    });
    expect(forced.result.ok).toBe(false);
    if (forced.result.ok) return;
    expect(forced.result.reason).toMatch(/request refused \(400\): Unsupported parameter: 'max_tokens'/);
    expect(forced.result.reason).toMatch(/fix: set tokenParam: max_completion_tokens/);
    expect(forced.result.failure).toMatchObject({ key: 'llm:bad-request:400', retryable: false });
  });
});

describe('reasoning text', () => {
  it('splits <think> blocks, a close tag without an open one, and an unclosed block cut off mid-thought', () => {
    expect(splitReasoning('<think>a\nb</think>\nanswer')).toEqual({ answer: 'answer', reasoning: 'a\nb' });
    expect(splitReasoning('draft</think>answer')).toEqual({ answer: 'answer', reasoning: 'draft' });
    expect(splitReasoning('<think>still going')).toEqual({ answer: '', reasoning: 'still going' });
    expect(splitReasoning('x <THINKING>y</THINKING> z').answer).toBe('x  z');
    expect(splitReasoning('no tags')).toEqual({ answer: 'no tags', reasoning: '' });
  });

  it('Ollama: a draft edit inside <think> is never applied; the reasoning stays in the transcript', async () => {
    fake = await startOllamaServer({ script: [answer(`<think>\nLet me try:\n${draft}\n</think>\n${good}`)] });
    const { result, ctx } = await propose({ kind: 'openai', model: 'deepseek-r1:14b', baseURL: fake.url });
    expect(result.ok && result.files['solution.py']).toBe(
      TINY_SEED.replace('total = 0', 'total = 0  # real'),
    );
    expect(ctx.calls[0]!.responseText).toContain('# DRAFT');
  });

  it('Ollama: an answer cut off inside <think> applies nothing, and the follow-up says it was cut off', async () => {
    fake = await startOllamaServer({
      script: [answer(`<think>\n${draft}`, { stopReason: 'length' }), answer(good)],
    });
    const { result, ctx } = await propose({
      kind: 'openai',
      model: 'qwen3:8b',
      baseURL: fake.url,
      maxOutputTokens: 900,
    });
    expect(result.ok && result.files['solution.py']).not.toContain('DRAFT');
    const follow = fake.requests[1]!.body.messages.at(-1).content as string;
    expect(follow).toMatch(/cut off at 900 tokens/);
    expect(ctx.calls).toHaveLength(2);
  });

  it('vLLM with a reasoning parser: reasoning_content is kept in the transcript, the content is parsed', async () => {
    fake = await startVllmServer({
      reasoningParser: true,
      script: [answer(`<think>${draft}</think>${good}`)],
    });
    const { result, ctx } = await propose({ kind: 'openai', model: 'Qwen/QwQ-32B', baseURL: fake.url });
    expect(result.ok && result.files['solution.py']).toContain('# real');
    expect(ctx.calls[0]!.responseText).toMatch(/^<think>\n[\s\S]*# DRAFT[\s\S]*<\/think>/);
  });
});

describe('Ollama truncation', () => {
  const bigSeed = (lines: number): string =>
    TINY_SEED + Array.from({ length: lines }, (_, i) => `# table row ${i}: ${'x'.repeat(60)}\n`).join('');

  it('a prompt cut to the default 4096-token context stops the run with the fix, not a silent bad answer', async () => {
    fake = await startOllamaServer({ defaultAnswer: () => good });
    const { result } = await propose(
      { kind: 'openai', model: 'qwen2.5-coder:7b', baseURL: fake.url },
      makeTinyProblem({ files: { 'solution.py': bigSeed(400) } }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fatal).toBe(true);
    expect(result.reason).toMatch(/read 4096 prompt tokens of the ~\d+ sent/);
    expect(result.reason).toMatch(/OLLAMA_CONTEXT_LENGTH=\d+/);
    expect(result.reason).toMatch(/contextTokens/);
  });

  it('with contextTokens set to the server window, adrs trims its prompt to fit and the server reads it whole', async () => {
    fake = await startOllamaServer({ defaultAnswer: () => good });
    const { result } = await propose(
      {
        kind: 'openai',
        model: 'qwen2.5-coder:7b',
        baseURL: fake.url,
        contextTokens: 4096,
        maxOutputTokens: 1024,
      },
      makeTinyProblem({ files: { 'solution.py': bigSeed(60) } }),
    );
    expect(result.ok).toBe(true);
    const sent = JSON.stringify(fake.requests[0]!.body.messages).length / 4;
    expect(sent).toBeLessThan(4096);
  });
});

describe('error bodies', () => {
  it('reads the message from every documented shape', () => {
    expect(bodyMessage({ type: 'error', error: { type: 'invalid_request_error', message: 'A' } })).toBe('A');
    expect(bodyMessage({ error: { message: 'B', type: 'x', param: null, code: null } })).toBe('B');
    expect(
      bodyMessage({ object: 'error', message: 'C', type: 'BadRequestError', param: null, code: 400 }),
    ).toBe('C');
    expect(bodyMessage({ error: 'model "llama9" not found, try pulling it first' })).toMatch(/llama9/);
    expect(bodyMessage({ detail: [{ loc: ['body', 'x'], msg: 'field required', type: 'missing' }] })).toBe(
      'field required',
    );
    expect(bodyMessage({ detail: 'Not Found' })).toBe('Not Found');
    expect(bodyMessage({ nothing: 1 })).toBeUndefined();
    expect(bodyMessage(undefined)).toBeUndefined();
  });

  it("vLLM's older top-level body keeps its message (the SDK alone says '400 status code (no body)')", async () => {
    fake = await startVllmServer({ maxModelLen: 2048 });
    const { result } = await propose({
      kind: 'openai',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      baseURL: fake.url,
      maxOutputTokens: 4000,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/maximum context length is 2048 tokens/);
    expect(result.reason).not.toMatch(/no body/);
    expect(result.reason).toMatch(/fix: lower/);
  });
});

describe('anthropic: cut-off answers, streaming, billed failures, SDK notices, visible backoff', () => {
  const anthropic = (url: string, extra: Record<string, unknown> = {}) => ({
    kind: 'anthropic',
    baseURL: url,
    ...extra,
  });

  it('a cut-off answer gets a follow-up naming the limit and asking for fewer, smaller blocks', async () => {
    const cut = good.slice(0, good.indexOf('======='));
    fake = await startAnthropicServer({ script: [answer(cut, { stopReason: 'max_tokens' }), answer(good)] });
    const { result } = await propose(anthropic(fake.url, { maxOutputTokens: 2000 }));
    expect(result.ok).toBe(true);
    const follow = lastUserText(fake.requests[1]!);
    expect(follow).toMatch(/cut off at 2000 tokens/);
    expect(follow).toMatch(/fewer, smaller SEARCH\/REPLACE blocks/);
  });

  it(`streams when maxOutputTokens is above ${MAX_NONSTREAMING_TOKENS}; a stream broken mid-answer is retried and its reported tokens billed`, async () => {
    fake = await startAnthropicServer({
      script: [answer(good, { breakStream: true }), answer(good)],
    });
    const { result, ctx, notes } = await propose(anthropic(fake.url, { maxOutputTokens: 64_000 }));
    expect(fake.requests.map((r) => r.body.stream)).toEqual([true, true]);
    expect(result.ok).toBe(true);
    const call = ctx.calls[0]!;
    expect(call.attempts).toBe(2);
    // Both attempts' input was reported (message_start) and is billed: twice one attempt's input.
    const one = Math.ceil(JSON.stringify(fake.requests[0]!.body.messages[0].content[0].text).length / 4);
    expect(call.inputTokens! + call.cacheWriteTokens! + call.cacheReadTokens!).toBeGreaterThan(one);
    expect(call.costUsd).toBeGreaterThan(0);
    expect(notes.join('\n')).toMatch(/retrying in \d+ s \(attempt 2 of 5\)/);
  });

  it('a failed call still bills what a broken stream reported', async () => {
    fake = await startAnthropicServer({
      defaultAnswer: () => answer(good, { breakStream: true }),
    });
    const { result, ctx } = await propose(
      anthropic(fake.url, { maxOutputTokens: 30_000, retry: { maxAttempts: 2, baseDelayMs: 0 } }),
    );
    expect(result.ok).toBe(false);
    expect(ctx.calls[0]).toMatchObject({ status: 'error', attempts: 2 });
    expect(ctx.calls[0]!.inputTokens).toBeGreaterThan(0);
    expect(ctx.calls[0]!.costUsd).toBeGreaterThan(0);
    expect(result.costUsd).toBe(ctx.calls[0]!.costUsd);
  });

  it("the SDK's deprecation notice becomes one warning per run, not console lines per call", async () => {
    const warn = vi.spyOn(console, 'warn');
    fake = await startAnthropicServer({ defaultAnswer: () => good });
    tiny = makeTinyProblem();
    const proposer = await createProposer(
      anthropic(fake.url, { model: 'claude-sonnet-4-5', mode: 'diff' }),
      deps(),
    );
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = (await proposer.propose(makeContext(tiny.problem))) as LlmProposalResult;
      seen.push(...r.warnings);
    }
    const notices = seen.filter((w) => /deprecated/.test(w));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/claude-sonnet-4-5' is deprecated/);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('a 529 outage shows each backoff as it waits', async () => {
    fake = await startAnthropicServer({ script: [overloaded(), overloaded(), answer(good)] });
    const { result, notes } = await propose(anthropic(fake.url));
    expect(result.ok).toBe(true);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/overloaded \(529\).*retrying in \d+ s \(attempt 2 of 5\)/);
  });

  it('a provider failure is marked as such (kept out of later prompts), an edit failure is not', async () => {
    fake = await startAnthropicServer({
      script: [httpError(400, { message: 'Your credit balance is too low' })],
    });
    const { result } = await propose(anthropic(fake.url));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.edit.cause).toBe('provider');
    expect(result.failure).toMatchObject({ infrastructure: true, retryable: false });
    expect(result.reason).toMatch(/fix: raise the account's spend limit/);
  });
});
