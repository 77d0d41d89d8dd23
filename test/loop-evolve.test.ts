// The loop end to end on real Python evaluations in the local sandbox, once, with the shared scripted proposer
// from test/fakes. The loop's logic (selection, migration, resume, budgets, stops, failure paths) is tested
// through fakes in loop-fast.test.ts and loop-parts.test.ts; a real SIGKILL and resume in loop-resume.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve } from '../orchestrator/loop/index.js';
import type { LoadedProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import type { Sandbox } from '../sandboxes/types.js';
import { collect, fakeConfig as cfg, knobProblem, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer as scripted } from './fakes/scripted-proposer.js';

let sandbox: Sandbox;
let problem: LoadedProblem;
beforeAll(async () => {
  sandbox = await createSandbox('local');
  problem = knobProblem();
});
afterAll(async () => sandbox.dispose());

describe('evolve', () => {
  it('evaluates the seed first, treats failed proposals and evaluations as data, and improves', async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const proposer = scripted(['better', 'fail', 'throw', 'crash', 'incorrect', 'better', 'better', 'same']);
    const r = await evolve({
      store,
      problem,
      sandbox,
      proposer,
      config: cfg({ iterations: 8 }),
      events: bus,
    });
    expect(r.status).toBe('finished');
    expect(r.reason).toBe('reached 8 iterations');
    expect(r.iterations).toBe(8);
    expect(r.seedScore).toBe(0);
    expect(r.bestScore).toBeGreaterThanOrEqual(1);
    expect(r.spentUsd).toBeCloseTo(0.07, 6); // 7 returned results at $0.01; the throw costs nothing
    const cands = store.listCandidates(r.runId);
    expect(cands[0]!.iteration).toBe(0);
    expect(cands[0]!.proposer).toBe('seed');
    expect(cands).toHaveLength(9);
    const statuses = cands.map((c) => c.status).sort();
    expect(statuses.filter((s) => s === 'proposal-failed')).toHaveLength(2);
    expect(statuses).toContain('failed'); // the crash
    expect(cands.some((c) => c.status === 'evaluated' && c.correct === 0)).toBe(true); // B = 3
    expect(cands.filter((c) => c.status === 'pending')).toHaveLength(0);
    // The first event after run:start is the seed's evaluation (iteration 0).
    const firstEval = events.find((e) => e.type === 'candidate:evaluated');
    expect(firstEval && 'iteration' in firstEval && firstEval.iteration).toBe(0);
    expect(events.at(-1)?.type).toBe('run:end');
    // The verify stage ran for an improvement and stored a verdict (deterministic problem, held-out inputs).
    expect(events.some((e) => e.type === 'candidate:verified' && e.verified)).toBe(true);
    const run = store.getRun(r.runId);
    expect(run.status).toBe('finished');
    expect(run.best_verified_candidate_id).not.toBeNull();
    expect(store.latestVerdict(run.best_verified_candidate_id!)?.verified).toBe(1);
    // Proposers see the parent's feedback and earlier attempts.
    expect(proposer.contexts.at(-1)!.history.length).toBeGreaterThan(0);
    // Every candidate has at most one screen evaluation.
    for (const c of cands)
      expect(store.listEvaluations(c.id).filter((e) => e.stage === 'screen').length).toBeLessThanOrEqual(1);
    store.close();
  });
});
