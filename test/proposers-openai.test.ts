// The OpenAI-compatible proposer through the real `openai` package against the fake chat-completions server.
import { afterEach, describe, expect, it } from 'vitest';
import { createProposer, type ProposerDeps } from '../orchestrator/proposers/index.js';
import {
  answer,
  hang,
  httpError,
  lastChatUserText,
  rateLimited,
  searchReplace,
  startOpenAiServer,
  type FakeServer,
  type FakeStep,
} from './fakes/openai-server.js';
import { makeContext, makeTinyProblem, TINY_SEED, type TinyProblem } from './fakes/tiny-problem.js';

let fake: FakeServer | undefined;
let tiny: TinyProblem | undefined;
afterEach(async () => {
  await fake?.close();
  tiny?.cleanup();
});

const good = searchReplace([
  { file: null, search: '    total = 0', replace: '    total = 0  # local model' },
]);
const bad = searchReplace([{ file: null, search: '    total = 1', replace: '    total = 2' }]);

async function setup(script: FakeStep[], config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  fake = await startOpenAiServer({ script });
  tiny = makeTinyProblem();
  const waits: number[] = [];
  const deps: ProposerDeps = {
    env,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    jitter: () => 0,
  };
  const proposer = await createProposer(
    { kind: 'openai', model: 'qwen2.5-coder:7b', baseURL: fake.url, timeoutMs: 2_000, ...config },
    deps,
  );
  const ctx = makeContext(tiny.problem);
  return { proposer, ctx, result: await proposer.propose(ctx), waits, fake };
}

describe('openai-compatible proposer', () => {
  it('applies an edit from a local server without a key; cost is 0 without a configured price', async () => {
    const { result, ctx, fake } = await setup([answer(good)]);
    expect(result.ok && result.files['solution.py']).toBe(
      TINY_SEED.replace('total = 0', 'total = 0  # local model'),
    );
    expect(result.costUsd).toBe(0);
    expect(ctx.calls[0]).toMatchObject({
      provider: 'openai',
      model: 'qwen2.5-coder:7b',
      status: 'ok',
      costUsd: 0,
    });
    expect(ctx.calls[0]!.inputTokens).toBeGreaterThan(0);
    const body = fake.requests[0]!.body;
    expect(fake.requests[0]!.path).toBe('/v1/chat/completions');
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('Compute the sum of squares');
    expect(body.model).toBe('qwen2.5-coder:7b');
  });

  it('computes cost from usage and a configured price, cached prompt tokens at the cache price', async () => {
    const { result, ctx } = await setup(
      [answer(good, { usage: { input: 1_000_000, cacheRead: 500_000, output: 100_000 } })],
      { prices: { 'qwen2.5-coder:7b': { input: 1, output: 2, cacheRead: 0.5 } } },
      { OPENAI_API_KEY: 'sk-openai-secret-1234' },
    );
    expect(ctx.calls[0]).toMatchObject({
      inputTokens: 1_000_000,
      cacheReadTokens: 500_000,
      outputTokens: 100_000,
    });
    expect(result.costUsd).toBeCloseTo(1 + 0.25 + 0.2, 9);
    expect(fake!.requests[0]!.raw).not.toContain('sk-openai-secret-1234');
  });

  it('sends a failed block back once with the reason', async () => {
    const { result, fake } = await setup([answer(bad), answer(good)]);
    expect(fake.requests).toHaveLength(2);
    expect(lastChatUserText(fake.requests[1]!)).toMatch(/Block 1 \(solution\.py\): no-match/);
    expect(result.ok && result.edit.retried).toBe(true);
  });

  it('honours retry-after on 429', async () => {
    const { result, waits, fake } = await setup([rateLimited(2), answer(good)]);
    expect(result.ok).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it('makes an unknown model fatal with a one-line fix', async () => {
    const { result } = await setup([
      httpError(404, { message: 'model "qwen2.5-coder:7b" not found, try pulling it first' }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fatal).toBe(true);
    expect(result.reason).toMatch(
      /^openai-compatible server at http:\/\/127\.0\.0\.1:\d+\/v1: model "qwen2.5-coder:7b" not found \(404\)/,
    );
  });

  it('ends a hanging request with the timeout and never throws', async () => {
    const { result, ctx } = await setup([hang()], { timeoutMs: 200, retry: { maxAttempts: 1 } });
    expect(result.ok === false && result.reason).toMatch(/timeout/);
    expect(ctx.calls[0]).toMatchObject({ status: 'error' });
  });

  it('needs a key for the hosted API (no base URL)', async () => {
    tiny = makeTinyProblem();
    const proposer = await createProposer({ kind: 'openai', model: 'gpt-x' }, { env: {} });
    const result = await proposer.propose(makeContext(tiny.problem));
    expect(result.ok === false && result.fatal).toBe(true);
    expect(result.ok === false && result.reason).toMatch(/set OPENAI_API_KEY, or give baseURL/);
  });
});
