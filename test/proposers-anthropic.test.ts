// The Anthropic proposer through the real @anthropic-ai/sdk against the fake Messages API server.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProposer,
  type LlmProposalResult,
  type ProposerDeps,
} from '../orchestrator/proposers/index.js';
import {
  answer,
  drop,
  hang,
  httpError,
  lastUserText,
  overloaded,
  rateLimited,
  rewriteAnswer,
  searchReplace,
  serverError,
  startAnthropicServer,
  type FakeServer,
  type FakeStep,
} from './fakes/anthropic-server.js';
import { makeContext, makeTinyProblem, TINY_SEED, type TinyProblem } from './fakes/tiny-problem.js';

const KEY = 'fake-ant-test-0123456789abcdef';
let fake: FakeServer | undefined;
let tiny: TinyProblem | undefined;
afterEach(async () => {
  await fake?.close();
  tiny?.cleanup();
  fake = undefined;
});

const good = searchReplace(
  [{ file: 'solution.py', search: '        total += i * i', replace: '        total += i ** 2' }],
  'square with **',
);
const noMatch = searchReplace([
  { file: 'solution.py', search: '    return total * 3', replace: '    return 0' },
]);
const outside = searchReplace([{ file: 'solution.py', search: 'import math', replace: 'import numpy' }]);
const malformed = 'Summary: oops\nsolution.py\n<<<<<<< SEARCH\n    return total\n>>>>>>> REPLACE\n';

async function setup(
  script: FakeStep[],
  config: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = { ANTHROPIC_API_KEY: KEY },
) {
  fake = await startAnthropicServer({ script });
  tiny = makeTinyProblem();
  const waits: number[] = [];
  const deps: ProposerDeps = {
    env,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    jitter: () => 0.5,
  };
  const proposer = await createProposer(
    { kind: 'anthropic', baseURL: fake.url, mode: 'diff', timeoutMs: 2_000, ...config },
    deps,
  );
  const ctx = makeContext(tiny.problem);
  const result = (await proposer.propose(ctx)) as LlmProposalResult;
  return { proposer, ctx, result, waits, fake };
}

describe('anthropic proposer', () => {
  it('applies a good edit, records the call with tokens and cost, marks the system prompt for caching, keeps the key out of bodies', async () => {
    const { result, ctx, fake } = await setup([
      answer(good, { usage: { input: 1000, output: 200, cacheWrite: 3000, cacheRead: 0 } }),
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.files['solution.py']).toBe(TINY_SEED.replace('i * i', 'i ** 2'));
    expect(result.edit).toMatchObject({ kind: 'diff', outcome: 'applied', retried: false });
    expect(result.edit.summary).toMatch(/^square with \*\* \[1\/1 block applied\]/);
    expect(result.model).toBe('claude-sonnet-5');
    expect(result.proposer).toBe('anthropic:claude-sonnet-5');
    // claude-sonnet-5: $2 in, $10 out, cache write 1.25x input.
    const cost = (1000 * 2 + 200 * 10 + 3000 * 2.5) / 1e6;
    expect(result.costUsd).toBeCloseTo(cost, 12);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.calls[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-5',
      status: 'ok',
      inputTokens: 1000,
      outputTokens: 200,
      cacheWriteTokens: 3000,
      attempts: 1,
    });
    expect(ctx.calls[0]!.costUsd).toBeCloseTo(cost, 12);
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/messages');
    expect(req.body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(req.body.system[0].text).toContain('<<<<<<< SEARCH');
    expect(req.body.model).toBe('claude-sonnet-5');
    expect(req.raw).not.toContain(KEY);
    expect(JSON.stringify(ctx.calls)).not.toContain(KEY);
    expect(JSON.stringify(req.headers)).toContain(KEY); // sent only as a header
  });

  it('caches nothing when the whole stable prefix is below the model minimum (1024 tokens), as the API does', async () => {
    const { proposer, ctx } = await setup([answer(good), answer(good)]);
    await proposer.propose(ctx);
    expect(ctx.calls.map((c) => [c.cacheWriteTokens, c.cacheReadTokens])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const u = ctx.calls[1]!;
    expect(u.costUsd).toBeCloseTo((u.inputTokens! * 2 + u.outputTokens! * 10) / 1e6, 12);
  });

  it('sends a block that does not match back once, naming the block and why, and uses the second answer', async () => {
    const { result, ctx, fake } = await setup([answer(noMatch), answer(good)]);
    expect(fake.requests).toHaveLength(2);
    const follow = lastUserText(fake.requests[1]!);
    expect(follow).toMatch(/Block 1 \(solution\.py\): no-match — SEARCH text not found/);
    expect(fake.requests[1]!.body.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
    expect(result.ok).toBe(true);
    expect(result.edit).toMatchObject({ outcome: 'applied', retried: true });
    expect(ctx.calls.map((c) => (c.prompt as { purpose: string }).purpose)).toEqual(['propose', 'fix-edit']);
    expect(result.llmCallIds).toEqual([1, 2]);
  });

  it('goes back only once: a second bad answer ends as a failed proposal', async () => {
    const { result, fake } = await setup([answer(noMatch), answer(noMatch), answer(good)]);
    expect(fake.requests).toHaveLength(2);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.edit.blocks?.[0]).toMatchObject({ status: 'no-match' });
    expect(result.fatal).toBeUndefined();
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('refuses an edit outside the EVOLVE-BLOCK and says so to the model', async () => {
    const { result, fake } = await setup([answer(outside), answer(outside)]);
    expect(lastUserText(fake.requests[1]!)).toMatch(/outside-evolve-block — the matched lines are outside/);
    expect(result.ok).toBe(false);
    expect(result.edit.blocks?.[0]?.status).toBe('outside-evolve-block');
  });

  it('sends a malformed block back and accepts a rewrite as the second answer', async () => {
    const code = TINY_SEED.replace('    total = 0\n', '    total = 0  # rewritten\n');
    const { result, fake } = await setup([answer(malformed), answer(rewriteAnswer('solution.py', code))]);
    expect(lastUserText(fake.requests[1]!)).toMatch(/Block 1 \(solution\.py\): no-match — malformed/);
    expect(result.ok && result.files['solution.py']).toBe(code);
    expect(result.edit.kind).toBe('rewrite');
  });

  it('honours retry-after on 429 (waits what the header says) and records the retries', async () => {
    const { result, waits, fake, ctx } = await setup([rateLimited(7), answer(good)]);
    expect(result.ok).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(waits).toEqual([7000]);
    expect(ctx.calls[0]).toMatchObject({ status: 'ok', attempts: 2 });
    const retries = (ctx.calls[0]!.prompt as { retries: { status: number; waitMs: number }[] }).retries;
    expect(retries).toEqual([expect.objectContaining({ status: 429, kind: 'rate-limit', waitMs: 7000 })]);
  });

  it('retries 529 overloaded, 500 and dropped connections with exponential backoff', async () => {
    const { result, waits, fake } = await setup([overloaded(), serverError(), drop(), answer(good)], {
      retry: { baseDelayMs: 1000, maxAttempts: 5 },
    });
    expect(result.ok).toBe(true);
    expect(fake.requests).toHaveLength(4);
    // jitter 0.5 -> 0.75 of the doubling delay
    expect(waits).toEqual([750, 1500, 3000]);
  });

  it('gives up when retry-after exceeds the total wait budget', async () => {
    const { result, fake, waits, ctx } = await setup([rateLimited(3600), answer(good)], {
      retry: { maxTotalWaitMs: 60_000 },
    });
    expect(fake.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/rate limited \(429\).*gave up/);
    expect(ctx.calls[0]).toMatchObject({ status: 'error', attempts: 1 });
  });

  it('ends a hanging connection with the per-request timeout, as a failed call', async () => {
    const { result, fake, ctx } = await setup([hang(), hang()], {
      timeoutMs: 300,
      retry: { maxAttempts: 2 },
    });
    expect(fake.requests).toHaveLength(2);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/no answer before the request timeout/);
    expect(result.fatal).toBeUndefined();
    expect(ctx.calls[0]).toMatchObject({ status: 'error', attempts: 2 });
  });

  it('answers after a fixed server delay', async () => {
    const { result } = await setup([answer(good, { delayMs: 150 })]);
    expect(result.ok).toBe(true);
  });

  it('makes an auth failure fatal, without retrying, with the fix and without the key', async () => {
    const { result, fake } = await setup([httpError(401, { message: `invalid x-api-key ${KEY}` })]);
    expect(fake.requests).toHaveLength(1);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fatal).toBe(true);
    expect(result.reason).toBe(
      'anthropic (' + fake.url + '): the API key was rejected (401): set ANTHROPIC_API_KEY to a valid key',
    );
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it('makes an unknown model fatal and names it', async () => {
    const { result } = await setup([httpError(404, { message: 'model: claude-nope' })], {
      model: 'claude-nope',
    });
    expect(result.ok === false && result.fatal).toBe(true);
    expect(result.ok === false && result.reason).toMatch(
      /model "claude-nope" not found \(404\): pick a model .* --model/,
    );
  });

  it('fails fatally without a request when the key is missing, naming the variable', async () => {
    const { result, fake } = await setup([answer(good)], { apiKeyEnv: 'MY_CLAUDE_KEY' }, {});
    expect(fake.requests).toHaveLength(0);
    expect(result.ok === false && result.fatal).toBe(true);
    expect(result.ok === false && result.reason).toMatch(/set MY_CLAUDE_KEY/);
  });

  it('reads the key from a configured variable', async () => {
    const { result, fake } = await setup(
      [answer(good)],
      { apiKeyEnv: 'MY_CLAUDE_KEY' },
      { MY_CLAUDE_KEY: KEY },
    );
    expect(result.ok).toBe(true);
    expect(JSON.stringify(fake.requests[0]!.headers)).toContain(KEY);
  });

  it('stops waiting when the run aborts, without a fatal result', async () => {
    fake = await startAnthropicServer({ script: [rateLimited(30), answer(good)] });
    tiny = makeTinyProblem();
    const controller = new AbortController();
    const proposer = await createProposer(
      { kind: 'anthropic', baseURL: fake.url },
      { env: { ANTHROPIC_API_KEY: KEY }, sleep: () => Promise.resolve(controller.abort()) },
    );
    const result = await proposer.propose(makeContext(tiny.problem, { signal: controller.signal }));
    expect(fake.requests).toHaveLength(1);
    expect(result.ok === false && result.reason).toMatch(/aborted/);
    expect(result.ok === false && result.fatal).toBeFalsy();
  });

  it('uses the price table overrides from the config', async () => {
    const { result } = await setup(
      [answer(good, { usage: { input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0 } })],
      {
        prices: { 'claude-sonnet-5': { input: 7, output: 1 } },
      },
    );
    expect(result.costUsd).toBeCloseTo(7, 9);
  });

  it('falls back to the default answer generator once the script is used up', async () => {
    fake = await startAnthropicServer({ defaultAnswer: () => good });
    tiny = makeTinyProblem();
    const proposer = await createProposer(
      { kind: 'anthropic', baseURL: fake.url },
      { env: { ANTHROPIC_API_KEY: KEY } },
    );
    const results = [
      await proposer.propose(makeContext(tiny.problem)),
      await proposer.propose(makeContext(tiny.problem)),
    ];
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(fake.requests).toHaveLength(2);
  });
});
