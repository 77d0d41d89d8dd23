// Mutation operators: the bandit shifts toward the operator that pays per dollar, the choice is recorded per
// candidate, each operator has its own task text and edit format, and the bandit state survives a resume.
import { afterEach, describe, expect, it } from 'vitest';
import { evolve } from '../orchestrator/loop/index.js';
import { buildPrompt } from '../orchestrator/prompts/build-prompt.js';
import { createProposer, type LlmProposalResult } from '../orchestrator/proposers/index.js';
import {
  OPERATORS,
  OperatorProposer,
  operatorTask,
  type Operator,
} from '../orchestrator/proposers/operators.js';
import type { ProposalContext, ProposalResult, Proposer } from '../orchestrator/proposers/types.js';
import { answer, rewriteAnswer, startAnthropicServer, type FakeServer } from './fakes/anthropic-server.js';
import { fakeConfig, fakeEvolve, tempStore } from './fakes/fake-loop.js';
import { makeContext, makeTinyProblem, TINY_SEED, type TinyProblem } from './fakes/tiny-problem.js';

/** An inner proposer over the knob problem whose outcome and cost depend only on the operator it is given. */
function operatorSensitive(pays: Partial<Record<Operator, { win: boolean; costUsd: number }>>) {
  const seen: (Operator | undefined)[] = [];
  let n = 0;
  const proposer: Proposer = {
    name: 'sensitive',
    model: 'm',
    async propose(ctx: ProposalContext): Promise<ProposalResult> {
      seen.push(ctx.operator);
      const how = pays[ctx.operator!] ?? { win: false, costUsd: 0.01 };
      const src = ctx.parent.files['solution.py']!;
      const a = Number(/^A = (\d+)/m.exec(src)![1]);
      n++;
      const files = {
        'solution.py': how.win
          ? src.replace(/^A = \d+/m, `A = ${a + 1}`)
          : src.replace(/^B = /m, `U${n} = ${n}\nB = `),
      };
      return {
        ok: true,
        files,
        edit: { kind: 'rewrite', outcome: 'applied', summary: how.win ? 'A+1' : 'neutral' },
        proposer: 'sensitive',
        model: 'm',
        costUsd: how.costUsd,
        llmCallIds: [],
      };
    },
  };
  return { proposer, seen };
}

const run = async (pays: Parameters<typeof operatorSensitive>[0], iterations = 60) => {
  const store = tempStore();
  const { proposer: inner, seen } = operatorSensitive(pays);
  const proposer = new OperatorProposer(inner);
  const config = fakeConfig({ iterations, proposalConcurrency: 1, evalConcurrency: 1 });
  const r = await evolve(fakeEvolve(store, proposer, { config }));
  const cands = store.listCandidates(r.runId).filter((c) => c.iteration !== 0);
  return { store, proposer, seen, r, cands };
};

const share = (ops: (Operator | undefined)[], op: Operator): number =>
  ops.filter((o) => o === op).length / ops.length;

describe('operator bandit', () => {
  it('shifts toward the operator that pays, and records the operator of every candidate', async () => {
    const { seen, cands, proposer, store } = await run({ rewrite: { win: true, costUsd: 0.01 } });
    expect(seen).toHaveLength(60);
    const first = seen.slice(0, 15);
    const last = seen.slice(-30);
    console.log(
      `operators: rewrite share ${share(first, 'rewrite').toFixed(2)} in the first 15 -> ${share(last, 'rewrite').toFixed(2)} in the last 30; pulls ${JSON.stringify(Object.fromEntries(Object.entries(proposer.stats()).map(([k, v]) => [k, v.pulls])))}`,
    );
    expect(share(last, 'rewrite')).toBeGreaterThan(0.6);
    expect(share(last, 'rewrite')).toBeGreaterThan(share(first, 'rewrite'));
    // Every operator was tried (untried arms first; crossover once inspirations exist).
    for (const op of OPERATORS) expect(seen).toContain(op);
    // The choice is stored with each candidate, and it is the one the inner proposer was given.
    expect(cands.map((c) => (JSON.parse(c.edit_json!) as { operator: Operator }).operator)).toEqual(seen);
    store.close();
  });

  it('rewards improvement per dollar: of two operators that both win, the cheaper one is chosen more', async () => {
    const { seen, store } = await run({
      rewrite: { win: true, costUsd: 0.01 },
      crossover: { win: true, costUsd: 0.05 },
    });
    const last = seen.slice(-30);
    expect(share(last, 'rewrite')).toBeGreaterThan(share(last, 'crossover') * 2);
    store.close();
  });

  it('keeps its counts and open choices across getState/setState, with the inner proposer’s state', async () => {
    const inner: Proposer & { state?: unknown } = {
      name: 'i',
      model: null,
      propose: () => Promise.reject(new Error('unused')),
      getState: () => ({ k: 1 }),
      setState(s) {
        inner.state = s;
      },
    };
    const a = new OperatorProposer(inner);
    const b = new OperatorProposer(inner);
    (a as unknown as { arms: Record<string, unknown> }).arms.diff = { pulls: 3, rewardSum: 1, costSum: 0.03 };
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.stats().diff).toEqual({ pulls: 3, rewardSum: 1, costSum: 0.03 });
    expect(inner.state).toEqual({ k: 1 });
    expect(() => b.setState({ arms: 'x' })).toThrow(/operator bandit state is malformed/);
  });
});

describe('operator prompts', () => {
  let tiny: TinyProblem | undefined;
  let fake: FakeServer | undefined;
  afterEach(async () => {
    tiny?.cleanup();
    await fake?.close();
  });
  const opts = { mode: 'diff' as const, contextTokens: 200_000, maxOutputTokens: 8_000, env: {} };

  it('gives each operator its own task text', () => {
    tiny = makeTinyProblem();
    const tasks = OPERATORS.map((operator) => {
      const p = buildPrompt({ ...makeContext(tiny!.problem), operator }, opts);
      return p.user.slice(p.user.indexOf('# Task'));
    });
    expect(new Set(tasks).size).toBe(3);
    expect(tasks[1]).toContain(operatorTask('rewrite', 'x').split(' to x')[0]!);
    expect(tasks[2]).toMatch(/Combine the current program with Inspiration 1/);
  });

  it('asks the model for a whole rewrite under rewrite and crossover, and for SEARCH/REPLACE under diff', async () => {
    const edited = TINY_SEED.replace('i * i', 'i ** 2');
    fake = await startAnthropicServer({
      script: [answer(rewriteAnswer('solution.py', edited)), answer('Summary: x')],
    });
    tiny = makeTinyProblem();
    const proposer = await createProposer(
      { kind: 'anthropic', baseURL: fake.url, mode: 'diff', timeoutMs: 2_000, retryBadEdits: false },
      {
        env: { ANTHROPIC_API_KEY: 'fake-ant-test-0123456789abcdef' },
        sleep: async () => {},
        jitter: () => 0.5,
      },
    );
    const ctx = makeContext(tiny.problem);
    const r = (await proposer.propose({ ...ctx, operator: 'rewrite' })) as LlmProposalResult;
    expect(r.ok).toBe(true);
    expect(fake.requests[0]!.body.system[0].text).toContain('complete new content of each file');
    await proposer.propose({ ...ctx, operator: 'diff' });
    expect(fake.requests[1]!.body.system[0].text).toContain('<<<<<<< SEARCH');
    expect(fake.requests[1]!.body.system[0].text).not.toContain('complete new content of each file');
  });
});
