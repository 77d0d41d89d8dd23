// Prompt caching that pays: the fake applies the documented cache rules (minimum length, 5-minute lifetime
// refreshed by hits, 20-block look-back, 4 breakpoints); prompts of a real problem (moe-eplb) and a 10-step agent
// conversation are laid out so that most input tokens are read from cache.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicToolModel, withCacheBreakpoints } from '../orchestrator/agent/tool-model.js';
import type { AgentMessage } from '../orchestrator/agent/tool-model.js';
import { createProposer } from '../orchestrator/proposers/index.js';
import { loadProblem } from '../problems/src/load.js';
import { searchReplace, startAnthropicServer, type FakeServer } from './fakes/anthropic-server.js';
import { CACHE_TTL_MS, PromptCacheSim } from './fakes/prompt-cache.js';
import { makeContext } from './fakes/tiny-problem.js';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const text = (n: number, tag = 'x'): string => `${tag} `.repeat(n / 2); // n characters, about n/4 tokens
const env = { ANTHROPIC_API_KEY: 'fake-ant-cache-0123456789' };

describe('the fake prompt cache follows the documented rules', () => {
  const req = (model: string, system: string, user: unknown) => ({
    model,
    system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: user }],
  });

  it('caches nothing below the model minimum, and above it writes then reads', () => {
    const sim = new PromptCacheSim(() => 0);
    const short = req('claude-sonnet-5', text(3000), 'hi'); // ~750 tokens < 1024
    expect(sim.apply(short)).toMatchObject({ cacheWrite: 0, cacheRead: 0 });
    expect(sim.apply(short)).toMatchObject({ cacheWrite: 0, cacheRead: 0 });
    const long = req('claude-sonnet-5', text(6000), 'hi');
    expect(sim.apply(long)).toMatchObject({ cacheWrite: 1500, cacheRead: 0 });
    expect(sim.apply(long)).toMatchObject({ cacheWrite: 0, cacheRead: 1500 });
    // Haiku 4.5 needs 4096 tokens.
    expect(sim.apply(req('claude-haiku-4-5', text(6000), 'hi'))).toMatchObject({ cacheWrite: 0 });
  });

  it('expires an entry 5 minutes after its last use (each hit refreshes it)', () => {
    let now = 0;
    const sim = new PromptCacheSim(() => now);
    const r = req('claude-sonnet-5', text(6000), 'hi');
    sim.apply(r);
    now = CACHE_TTL_MS - 1;
    expect(sim.apply(r)).toMatchObject({ cacheRead: 1500 });
    now += CACHE_TTL_MS - 1; // refreshed by the hit above
    expect(sim.apply(r)).toMatchObject({ cacheRead: 1500 });
    now += CACHE_TTL_MS + 1;
    expect(sim.apply(r)).toMatchObject({ cacheRead: 0, cacheWrite: 1500 });
  });

  it('finds an earlier breakpoint within 20 blocks, not beyond; refuses a fifth breakpoint', () => {
    const block = (i: number, mark = false) => ({
      type: 'text',
      text: `block ${i} ` + text(400),
      ...(mark ? { cache_control: { type: 'ephemeral' } } : {}),
    });
    /** n blocks, a breakpoint on the block at `mark`. */
    const body = (n: number, mark: number) => ({
      model: 'claude-sonnet-5',
      system: 'sys',
      messages: [{ role: 'user', content: Array.from({ length: n }, (_, i) => block(i, i === mark)) }],
    });
    // The first 12 blocks (~1200 tokens) are cached by a breakpoint on block 11.
    const near = new PromptCacheSim(() => 0);
    near.apply(body(12, 11));
    // A breakpoint 15 blocks later: the look-back reaches block 11 and reads it.
    expect(near.apply(body(27, 26))).toMatchObject({ cacheRead: expect.any(Number) });
    expect((near.apply(body(27, 26)) as { cacheRead: number }).cacheRead).toBeGreaterThan(1000);
    // 30 blocks later: beyond the 20-block look-back, a miss.
    const far = new PromptCacheSim(() => 0);
    far.apply(body(12, 11));
    expect(far.apply(body(42, 41))).toMatchObject({ cacheRead: 0 });
    const five = {
      model: 'claude-sonnet-5',
      messages: [{ role: 'user', content: Array.from({ length: 5 }, (_, i) => block(i, true)) }],
    };
    expect(near.apply(five)).toHaveProperty('error');
  });
});

describe('proposal prompts of a real problem (problems/moe-eplb)', () => {
  const problem = loadProblem(path.resolve('problems/moe-eplb'));
  const edit = searchReplace([{ file: null, search: 'no such line', replace: 'x' }]);

  it('put system, seed and parent first with breakpoints, so the second proposal reads them from cache', async () => {
    let now = 0;
    fake = await startAnthropicServer({ now: () => now, defaultAnswer: () => edit });
    const proposer = await createProposer(
      { kind: 'anthropic', baseURL: fake.url, mode: 'diff', retryBadEdits: false },
      { env, sleep: async () => {} },
    );
    const ctx = makeContext(problem);
    await proposer.propose(ctx);
    await proposer.propose(ctx);
    const body = fake.requests[0]!.body;
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    const parts = body.messages[0].content as { text: string; cache_control?: unknown }[];
    expect(parts[0]!.text).toMatch(/^# The program this run started from \(the seed\)/);
    expect(parts[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(parts.at(-1)!.cache_control).toBeUndefined();
    const [a, b] = ctx.calls;
    expect(a!.cacheWriteTokens).toBeGreaterThan(1024);
    expect(b!.cacheReadTokens).toBe(a!.cacheWriteTokens);
    const share = b!.cacheReadTokens! / (b!.inputTokens! + b!.cacheReadTokens! + b!.cacheWriteTokens!);
    expect(share).toBeGreaterThan(0.8);
    // Six minutes later the entry is gone: written again.
    now += 6 * 60_000;
    await proposer.propose(ctx);
    expect(ctx.calls[2]).toMatchObject({ cacheReadTokens: 0, cacheWriteTokens: a!.cacheWriteTokens });
  });
});

describe('agent conversation', () => {
  it('marks the newest turns, and reads at least 60% of 10 steps of input from cache', async () => {
    fake = await startAnthropicServer({ defaultAnswer: () => 'ok' });
    const model = createAnthropicToolModel({
      model: 'claude-sonnet-5',
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: fake.url,
      timeoutMs: 5_000,
      hints: { who: 'anthropic', model: 'claude-sonnet-5', keyEnv: 'ANTHROPIC_API_KEY' },
    });
    const messages: AgentMessage[] = [
      { role: 'user', content: [{ type: 'text', text: `# Task\n${text(2000)}` }] },
    ];
    let read = 0;
    let all = 0;
    for (let step = 1; step <= 10; step++) {
      const turn = await model.send({
        system: 'You are a performance engineer.',
        messages,
        tools: [
          { name: 'read_file', description: 'read a file', input_schema: { type: 'object', properties: {} } },
        ],
        maxOutputTokens: 4096,
      });
      read += turn.usage.cacheReadTokens;
      all += turn.usage.inputTokens + turn.usage.cacheReadTokens + turn.usage.cacheWriteTokens;
      messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: `t${step}`, name: 'read_file', input: { path: `f${step}.py` } }],
      });
      messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `t${step}`, content: `file ${step}\n${text(3000)}` }],
      });
    }
    expect(read / all).toBeGreaterThanOrEqual(0.6);
    const last = fake.requests.at(-1)!.body;
    const marks = JSON.stringify(last).split('"cache_control"').length - 1;
    expect(marks).toBe(3); // system + the two newest user turns
  });

  it('marks at most two messages, whatever the conversation', () => {
    const msgs: AgentMessage[] = Array.from({ length: 7 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: [{ type: 'text', text: `m${i}` }],
    }));
    const out = withCacheBreakpoints(msgs);
    const marked = out.flatMap((m, i) => (JSON.stringify(m).includes('cache_control') ? [i] : []));
    expect(marked).toEqual([4, 6]);
  });
});
