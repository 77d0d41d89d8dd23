// Stochastic prompt variants: off by default; when on, drawn per proposal from the run's RNG (reproducible per seed)
// and shown as one guidance line after the task.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evolve } from '../orchestrator/loop/index.js';
import { buildPrompt } from '../orchestrator/prompts/build-prompt.js';
import { TASK_VARIANTS } from '../orchestrator/prompts/variants.js';
import { loadProblem } from '../problems/src/load.js';
import { fakeConfig, fakeEvolve, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';
import { makeContext } from './fakes/tiny-problem.js';

const variantsOf = async (promptVariants: boolean, seed: number) => {
  const store = tempStore();
  const proposer = scriptedProposer(['better', 'same']);
  const config = fakeConfig({
    iterations: 20,
    proposalConcurrency: 1,
    evalConcurrency: 1,
    seed,
    promptVariants,
  });
  await evolve(fakeEvolve(store, proposer, { config }));
  store.close();
  return proposer.contexts.map((c) => c.variant);
};

describe('prompt variants', () => {
  it('are drawn per proposal from the run RNG when on, reproducibly, and absent when off', async () => {
    const a = await variantsOf(true, 7);
    expect(a).toHaveLength(20);
    expect(new Set(a).size).toBeGreaterThanOrEqual(3);
    expect(a.every((v) => v !== undefined && v >= 0 && v < TASK_VARIANTS.length)).toBe(true);
    expect(await variantsOf(true, 7)).toEqual(a);
    expect((await variantsOf(false, 7)).every((v) => v === undefined)).toBe(true);
  });

  it('add their guidance line after the task; variant 0 and none send the plain task', () => {
    const ctx = makeContext(loadProblem(path.join(import.meta.dirname, '..', 'problems', 'moe-eplb')));
    const opts = { mode: 'diff' as const, contextTokens: 200_000, maxOutputTokens: 8_000 };
    const plain = buildPrompt(ctx, opts).user;
    expect(buildPrompt({ ...ctx, variant: 0 }, opts).user).toBe(plain);
    const v2 = buildPrompt({ ...ctx, variant: 2 }, opts).user;
    expect(v2).toContain(TASK_VARIANTS[2]);
    expect(v2.indexOf(TASK_VARIANTS[2])).toBeGreaterThan(v2.indexOf('Propose one focused improvement'));
    expect(plain).not.toContain(TASK_VARIANTS[2]);
  });
});
