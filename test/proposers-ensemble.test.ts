// Ensembles: weighted pick, the cost-aware UCB bandit and its saved state, member failures, the factory and config errors.
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { CostAwareUcb, improvementReward } from '../orchestrator/proposers/bandit.js';
import {
  createProposer,
  EnsembleProposer,
  parseProposerConfig,
  configFromModelFlag,
  type ProposalContext,
  type ProposalResult,
  type Proposer,
} from '../orchestrator/proposers/index.js';
import { searchReplace, startAnthropicServer, type FakeServer } from './fakes/anthropic-server.js';
import { startOpenAiServer } from './fakes/openai-server.js';
import { makeContext, makeTinyProblem, type TinyProblem } from './fakes/tiny-problem.js';

let servers: FakeServer[] = [];
let tiny: TinyProblem | undefined;
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  tiny?.cleanup();
});

/** A hand-written proposer: fixed cost, optional fatal failure; counts its calls. */
function fakeProposer(name: string, cost: number, fatal = false): Proposer & { calls: number } {
  return {
    name,
    model: name,
    calls: 0,
    propose(): Promise<ProposalResult> {
      this.calls++;
      const edit = { kind: 'none' as const, outcome: 'failed' as const, summary: 'x' };
      if (fatal)
        return Promise.resolve({
          ok: false,
          reason: `${name} bad key`,
          fatal: true,
          edit,
          proposer: name,
          model: name,
          costUsd: 0,
          llmCallIds: [],
        });
      return Promise.resolve({
        ok: true,
        files: {},
        edit: { ...edit, outcome: 'applied' },
        proposer: name,
        model: name,
        costUsd: cost,
        llmCallIds: [],
      });
    },
  };
}

const ctxWith = (random: () => number) => ({ random }) as unknown as ProposalContext;
const opts = { costPenalty: 0.5, exploration: 0.1, rewardClip: 1 };

describe('weighted ensemble', () => {
  it('picks members by weight with the run’s random numbers', async () => {
    const a = fakeProposer('a', 0);
    const b = fakeProposer('b', 0);
    const e = new EnsembleProposer(
      'ens',
      'weighted',
      [
        { name: 'a', weight: 0.8, proposer: a },
        { name: 'b', weight: 0.2, proposer: b },
      ],
      opts,
    );
    for (const r of [0.1, 0.5, 0.79, 0.81, 0.99]) await e.propose(ctxWith(() => r));
    expect([a.calls, b.calls]).toEqual([3, 2]);
  });

  it('disables a member that fails fatally while others remain, and is fatal only when none remain', async () => {
    const bad = fakeProposer('bad', 0, true);
    const ok = fakeProposer('ok', 0);
    const e = new EnsembleProposer(
      'ens',
      'weighted',
      [
        { name: 'bad', weight: 1, proposer: bad },
        { name: 'ok', weight: 1, proposer: ok },
      ],
      opts,
    );
    const first = await e.propose(ctxWith(() => 0));
    expect(first.ok === false && first.fatal).toBe(false);
    expect(first.warnings?.join()).toMatch(/member bad disabled/);
    for (let i = 0; i < 5; i++) await e.propose(ctxWith(() => 0));
    expect([bad.calls, ok.calls]).toEqual([1, 5]);
    expect(e.getState().disabled).toEqual(['bad']);
    const only = new EnsembleProposer(
      'solo',
      'weighted',
      [{ name: 'bad', weight: 1, proposer: fakeProposer('bad', 0, true) }],
      opts,
    );
    const r = await only.propose(ctxWith(() => 0));
    expect(r.ok === false && r.fatal).toBe(true);
  });
});

describe('cost-aware UCB bandit', () => {
  it('clips the reward: relative improvement in [0, 1], failures 0', () => {
    expect(improvementReward(100, 150, 1)).toBeCloseTo(0.5);
    expect(improvementReward(100, 400, 1)).toBe(1);
    expect(improvementReward(100, 50, 1)).toBe(0);
    expect(improvementReward(100, null, 1)).toBe(0);
    expect(improvementReward(100, 110, 0.2)).toBeCloseTo(0.5);
  });

  it('tries every arm first, then prefers the one whose children improve more', async () => {
    const a = fakeProposer('a', 0.01);
    const b = fakeProposer('b', 0.01);
    const e = new EnsembleProposer(
      'ens',
      'bandit',
      [
        { name: 'a', weight: 1, proposer: a },
        { name: 'b', weight: 1, proposer: b },
      ],
      opts,
    );
    const ctx = ctxWith(() => 0);
    for (let i = 0; i < 2; i++) {
      const r = await e.propose(ctx);
      e.observe({ proposer: r.proposer, parentScore: 100, childScore: r.proposer === 'b' ? 140 : 101 });
    }
    expect([a.calls, b.calls]).toEqual([1, 1]);
    for (let i = 0; i < 10; i++) {
      const r = await e.propose(ctx);
      e.observe({ proposer: r.proposer, parentScore: 100, childScore: r.proposer === 'b' ? 140 : 101 });
    }
    expect(b.calls).toBeGreaterThan(a.calls);
    expect(b.calls).toBe(11);
  });

  it('penalises cost: with equal rewards the cheaper arm wins', () => {
    const bandit = new CostAwareUcb(['cheap', 'dear'], opts);
    for (const arm of ['cheap', 'dear']) {
      bandit.recordPull(arm, arm === 'cheap' ? 0.01 : 0.1);
      bandit.recordReward(arm, 0.3);
    }
    expect(bandit.choose(() => 0)).toBe('cheap');
    const free = new CostAwareUcb(['cheap', 'dear'], { ...opts, costPenalty: 0 });
    free.setState(bandit.getState());
    const v = free.values();
    expect(v.cheap).toBeCloseTo(v.dear!);
  });

  it('round-trips its state so a resumed ensemble picks as the original would', async () => {
    const make = () =>
      new EnsembleProposer(
        'ens',
        'bandit',
        [
          { name: 'a', weight: 1, proposer: fakeProposer('a', 0.02) },
          { name: 'b', weight: 1, proposer: fakeProposer('b', 0.01) },
        ],
        opts,
      );
    const original = make();
    for (let i = 0; i < 4; i++) {
      const r = await original.propose(ctxWith(() => 0.3));
      original.observe({ proposer: r.proposer, parentScore: 1, childScore: r.proposer === 'a' ? 1.3 : 1.1 });
    }
    const saved = JSON.parse(JSON.stringify(original.getState()));
    const resumed = make();
    resumed.setState(saved);
    expect(resumed.values()).toEqual(original.values());
    const next = await Promise.all([
      original.propose(ctxWith(() => 0.3)),
      resumed.propose(ctxWith(() => 0.3)),
    ]);
    expect(next[0].proposer).toBe(next[1].proposer);
    expect(() =>
      resumed.setState({ strategy: 'bandit', bandit: { arms: { a: { pulls: -1 } } }, disabled: [] }),
    ).toThrow(InputError);
  });
});

describe('createProposer', () => {
  it('builds an ensemble of an Anthropic and an OpenAI-compatible member that both answer through their SDKs', async () => {
    const edit = searchReplace([
      { file: null, search: '    total = 0', replace: '    total = 0  # ensemble' },
    ]);
    const anthropic = await startAnthropicServer({ defaultAnswer: () => edit });
    const local = await startOpenAiServer({ defaultAnswer: () => edit });
    servers.push(anthropic, local);
    tiny = makeTinyProblem();
    const proposer = await createProposer(
      {
        kind: 'ensemble',
        members: [
          { kind: 'anthropic', baseURL: anthropic.url, weight: 1 },
          { kind: 'openai', model: 'llama3', baseURL: local.url, weight: 1 },
        ],
      },
      { env: { ANTHROPIC_API_KEY: 'fake-ant-0123456789' } },
    );
    expect(proposer.name).toBe('ensemble');
    expect((proposer as EnsembleProposer).prices['claude-sonnet-5']).toEqual({
      input: 2,
      output: 10,
      contextTokens: 1_000_000,
    });
    const names = new Set<string>();
    let k = 0;
    const randoms = [0.1, 0.9, 0.2, 0.8];
    for (let i = 0; i < 4; i++) {
      const r = await proposer.propose(makeContext(tiny.problem, { random: () => randoms[k++ % 4]! }));
      expect(r.ok).toBe(true);
      names.add(r.proposer);
    }
    expect([...names].sort()).toEqual(['anthropic:claude-sonnet-5', 'openai:llama3']);
    expect(anthropic.requests).toHaveLength(2);
    expect(local.requests).toHaveLength(2);
  });

  it('rejects a bad config with one line naming the field', async () => {
    await expect(createProposer({ kind: 'anthropic', mode: 'patch' })).rejects.toThrow(
      /field "mode".*use one of: diff, rewrite, auto/,
    );
    expect(() => parseProposerConfig({ kind: 'openai' }, 'adrs.config.yaml: proposer')).toThrow(
      /^adrs.config.yaml: proposer: field "model"/,
    );
    expect(() => parseProposerConfig({ kind: 'ensemble', members: [] })).toThrow(InputError);
  });

  it('loads the offline tuner for kind "tune"', async () => {
    const tune = await createProposer({ kind: 'tune' });
    expect(tune.name).toBe('tune');
    expect(tune.model).toBeNull();
  });

  it('maps --model flags to configs', () => {
    expect(configFromModelFlag('claude-opus-5')).toEqual({ kind: 'anthropic', model: 'claude-opus-5' });
    expect(configFromModelFlag('openai:qwen2.5-coder', 'http://127.0.0.1:11434/v1')).toEqual({
      kind: 'openai',
      model: 'qwen2.5-coder',
      baseURL: 'http://127.0.0.1:11434/v1',
    });
  });
});
