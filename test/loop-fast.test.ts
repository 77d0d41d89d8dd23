// The loop's logic through fakes (scripted proposer, fake executor, fake verify): selection, migration, resume,
// budgets, stop conditions and failure paths, in milliseconds per run. Real end-to-end runs: loop-evolve.test.ts.
import { describe, expect, it } from 'vitest';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve, maxIterations, plateau, targetReached, wallTime } from '../orchestrator/loop/index.js';
import type { Proposer } from '../orchestrator/proposers/types.js';
import { FakeExecutor, failed, knobEvaluate } from './fakes/fake-executor.js';
import { collect, fakeConfig, fakeEvolve, fakeVerify, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';

describe('evolve through fakes', () => {
  it('evaluates the seed first, treats failed proposals and evaluations as data, and improves', async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const proposer = scriptedProposer([
      'better',
      'fail',
      'throw',
      'crash',
      'incorrect',
      'better',
      'better',
      'same',
    ]);
    const r = await evolve(
      fakeEvolve(store, proposer, { events: bus, config: fakeConfig({ iterations: 8 }) }),
    );
    expect(r).toMatchObject({
      status: 'finished',
      reason: 'reached 8 iterations',
      iterations: 8,
      seedScore: 0,
    });
    expect(r.bestScore).toBeGreaterThanOrEqual(1);
    expect(r.spentUsd).toBeCloseTo(0.07, 6); // 7 results at $0.01; the throw costs nothing
    const cands = store.listCandidates(r.runId);
    expect(cands).toHaveLength(9);
    expect(cands[0]).toMatchObject({ iteration: 0, proposer: 'seed' });
    expect(cands.filter((c) => c.status === 'proposal-failed')).toHaveLength(2);
    expect(cands.filter((c) => c.status === 'failed')).toHaveLength(1); // the crash
    expect(cands.some((c) => c.status === 'evaluated' && c.correct === 0)).toBe(true); // B = 3
    expect(cands.filter((c) => c.status === 'pending')).toHaveLength(0);
    const firstEval = events.find((e) => e.type === 'candidate:evaluated');
    expect(firstEval).toMatchObject({ iteration: 0 });
    expect(events.at(-1)?.type).toBe('run:end');
    // The proposer heard every finished candidate but the seed, failures with a null child score.
    expect(proposer.observed).toHaveLength(8);
    expect(proposer.observed.filter((o) => o.childScore === null).length).toBeGreaterThanOrEqual(4);
    const state = JSON.parse(store.getRun(r.runId).state_json!) as { failures: unknown; completed: number };
    expect(state.failures).toEqual({ proposals: 2, evaluations: 2 });
    expect(state.completed).toBe(8);
    store.close();
  });

  it('selects parents from the population (not only the seed) and gives inspirations other than the parent', async () => {
    const store = tempStore();
    const proposer = scriptedProposer(['better', 'same']);
    const config = fakeConfig({ iterations: 40, proposalConcurrency: 1, evalConcurrency: 1 });
    const r = await evolve(fakeEvolve(store, proposer, { config }));
    const parents = new Set(proposer.contexts.map((c) => c.parent.id));
    expect(parents.size).toBeGreaterThan(3);
    expect(parents.has(r.seedId)).toBe(true);
    for (const c of proposer.contexts) expect(c.inspirations.map((i) => i.id)).not.toContain(c.parent.id);
    expect(proposer.contexts.some((c) => c.inspirations.length > 0)).toBe(true);
    expect(proposer.contexts.at(-1)!.history.length).toBeGreaterThan(0);
    // Each island is sampled in turn (round robin over 3 islands).
    const islands = store
      .listCandidates(r.runId)
      .slice(1, 7)
      .map((c) => c.island);
    expect(islands).toEqual([0, 1, 2, 0, 1, 2]);
    store.close();
  });

  it('best-of-n always proposes from the seed, without inspirations', async () => {
    const store = tempStore();
    const proposer = scriptedProposer(['better']);
    const r = await evolve(
      fakeEvolve(store, proposer, { config: fakeConfig({ iterations: 5, strategy: 'best-of-n' }) }),
    );
    expect(new Set(proposer.contexts.map((c) => c.parent.id))).toEqual(new Set([r.seedId]));
    expect(proposer.contexts.every((c) => c.inspirations.length === 0)).toBe(true);
    expect(r.bestScore).toBe(1);
    store.close();
  });

  it('migrates between islands and a resumed run continues from the same population', async () => {
    const store = tempStore();
    const config = fakeConfig({
      iterations: 30,
      proposalConcurrency: 1,
      evalConcurrency: 1,
      islands: 2,
      migration: { interval: 3, fraction: 0.5 },
      islandCapacity: 6,
    });
    const controller = new AbortController();
    const bus = new RunEventBus();
    let n = 0;
    bus.on('candidate:evaluated', () => {
      if (++n === 15) controller.abort();
    });
    const proposer = scriptedProposer(['better', 'same', 'same'], { stateful: true });
    const first = await evolve(
      fakeEvolve(store, proposer, { config, events: bus, abortSignal: controller.signal }),
    );
    expect(first.status).toBe('stopped');
    const again = scriptedProposer(['better', 'same', 'same'], { stateful: true });
    const second = await evolve(fakeEvolve(store, again, { config, resumeRunId: first.runId }));
    expect(second).toMatchObject({ status: 'finished', iterations: 30 });
    // The proposer's state came back: the resumed proposer continued its script, not from step 0.
    expect(again.contexts.length).toBeLessThan(30);
    // Migrants: some candidate on island 1 was proposed from a parent born on island 0.
    const cands = store.listCandidates(first.runId);
    const islandOf = new Map(cands.map((c) => [c.id, c.island]));
    expect(
      cands.some(
        (c) =>
          c.island === 1 && c.parent_id && islandOf.get(c.parent_id) === 0 && c.parent_id !== first.seedId,
      ),
    ).toBe(true);
    for (const c of cands)
      expect(store.listEvaluations(c.id).filter((e) => e.stage === 'screen').length).toBe(
        c.status === 'proposal-failed' ? 0 : 1,
      );
    store.close();
  });

  it('stops on a fatal proposal, the target, a plateau, the budget and the wall time', async () => {
    const store = tempStore();
    const one = { proposalConcurrency: 1, evalConcurrency: 1 };
    const fatal = await evolve(
      fakeEvolve(store, scriptedProposer(['better', 'fatal']), {
        config: fakeConfig({ iterations: 20, ...one }),
      }),
    );
    expect(fatal).toMatchObject({ status: 'failed', reason: 'proposer: budget exhausted' });
    expect(fatal.iterations).toBeLessThan(20);

    const onlyFatal = await evolve(
      fakeEvolve(store, scriptedProposer(['fatal']), { config: fakeConfig({ iterations: 20, ...one }) }),
    );
    expect(onlyFatal).toMatchObject({
      status: 'failed',
      reason: 'proposer: budget exhausted',
      iterations: 1,
    });
    expect(store.getRun(onlyFatal.runId)).toMatchObject({
      status: 'failed',
      error: 'proposer: budget exhausted',
    });

    const target = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), {
        config: fakeConfig({ iterations: 30, ...one }),
        stopWhen: [maxIterations(30), targetReached(3)],
      }),
    );
    expect(target.reason).toBe('reached the target score 3');
    expect(target.bestScore).toBe(3);

    const flat = await evolve(
      fakeEvolve(store, scriptedProposer(['same']), {
        config: fakeConfig({ iterations: 30, ...one }),
        stopWhen: [maxIterations(30), plateau(4)],
      }),
    );
    expect(flat.reason).toBe('no improvement in 4 candidates');
    // The check runs before each proposal: 4 finished, plus at most the one proposed ahead (lookahead 1).
    expect(flat.iterations).toBeGreaterThanOrEqual(5);
    expect(flat.iterations).toBeLessThanOrEqual(6);

    const spent = await evolve(
      fakeEvolve(store, scriptedProposer(['same'], { costUsd: 0.25 }), {
        config: fakeConfig({ iterations: 30, budgetUsd: 1, ...one }),
      }),
    );
    expect(spent.reason).toBe('spent the budget of $1');
    expect(spent.spentUsd).toBeCloseTo(1, 6);

    const timed = await evolve(
      fakeEvolve(store, scriptedProposer(['same'], { delayMs: 30 }), {
        config: fakeConfig({ iterations: 1000, ...one }),
        stopWhen: [maxIterations(1000), wallTime(200)],
      }),
    );
    expect(timed.reason).toBe('reached the wall-time limit of 0 s');
    expect(timed.iterations).toBeLessThan(1000);
    store.close();
  });

  it('verifies a best only once it held for verifyAfter evaluations, and always the final best', async () => {
    const store = tempStore();
    const one = { proposalConcurrency: 1, evalConcurrency: 1, verifyAfter: 3 };
    const verify = fakeVerify();
    const r = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), {
        verify,
        config: fakeConfig({ iterations: 4, ...one }),
      }),
    );
    expect(verify.calls).toEqual([r.bestCandidateId]);
    expect(r.bestVerified?.id).toBe(r.bestCandidateId);
    expect(store.getRun(r.runId).best_verified_candidate_id).toBe(r.bestCandidateId);

    const bus = new RunEventBus();
    const events = collect(bus);
    const v2 = fakeVerify();
    const r2 = await evolve(
      fakeEvolve(store, scriptedProposer(['better', 'same']), {
        verify: v2,
        events: bus,
        config: fakeConfig({ iterations: 7, ...one }),
      }),
    );
    const kinds = events.map((e) => e.type);
    expect(v2.calls).toEqual([r2.bestCandidateId]);
    expect(kinds.indexOf('candidate:verified')).toBeLessThan(kinds.lastIndexOf('candidate:evaluated'));
    store.close();
  });

  it('a verify stage that throws is a warning; an executor that throws is a failed candidate', async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const r = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), {
        events: bus,
        config: fakeConfig({ iterations: 2 }),
        verify: async () => {
          throw new Error('the timing node is gone');
        },
      }),
    );
    expect(r.status).toBe('finished');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'run:warning',
        message: expect.stringMatching(/verification of .* failed: the timing node is gone/),
      }),
    );

    // An executor that throws is one failed candidate (data), never a crashed run.
    let calls = 0;
    const broken = new FakeExecutor((files, job) => {
      if (++calls === 3) throw new Error('executor lost its state');
      return knobEvaluate(files, job);
    });
    const bad = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), {
        executor: broken,
        config: fakeConfig({ iterations: 6 }),
      }),
    );
    expect(bad).toMatchObject({ status: 'finished', iterations: 6 });
    const lost = store.listCandidates(bad.runId).filter((c) => c.status === 'failed');
    expect(lost).toHaveLength(1);
    expect(store.listEvaluations(lost[0]!.id)[0]!.reason).toBe('could not evaluate: executor lost its state');

    // A seed that fails: a warning, and candidates still run (they may fix it).
    const seedFails = new FakeExecutor((files, job) =>
      job.candidateId.length > 0 && !/A = [1-9]/.test(files['solution.py']!)
        ? failed('seed crashed')
        : knobEvaluate(files, job),
    );
    const bus2 = new RunEventBus();
    const ev2 = collect(bus2);
    const fixed = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), {
        executor: seedFails,
        events: bus2,
        config: fakeConfig({ iterations: 3 }),
      }),
    );
    expect(ev2).toContainEqual(
      expect.objectContaining({
        type: 'run:warning',
        message: expect.stringMatching(/the seed is not correct \(failed: seed crashed\)/),
      }),
    );
    expect(fixed.bestScore).toBeGreaterThanOrEqual(1);
    store.close();
  });

  it("passes the proposer's warnings on as run:warning events", async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const base = scriptedProposer(['better']);
    const warns: Proposer = {
      name: 'scripted',
      model: 'm',
      async propose(ctx) {
        return { ...(await base.propose(ctx)), warnings: ['prompt trimmed to the context window'] };
      },
    };
    await evolve(
      fakeEvolve(store, warns, { events: bus, config: fakeConfig({ iterations: 1, verify: false }) }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'run:warning', message: 'prompt trimmed to the context window' }),
    );
    store.close();
  });

  it('an abort leaves the run stopped; resume evaluates stored candidates exactly once', async () => {
    const store = tempStore();
    const controller = new AbortController();
    const bus = new RunEventBus();
    let evaluated = 0;
    bus.on('candidate:evaluated', () => {
      if (++evaluated === 3) controller.abort();
    });
    const config = fakeConfig({ iterations: 10, proposalConcurrency: 3, evalConcurrency: 1 });
    const slow = new FakeExecutor(knobEvaluate, { delayMs: 5 });
    const first = await evolve(
      fakeEvolve(store, scriptedProposer(['better', 'same']), {
        config,
        events: bus,
        abortSignal: controller.signal,
        executor: slow,
      }),
    );
    expect(first.status).toBe('stopped');
    expect(first.reason).toMatch(/^interrupted \(resume with `adrs resume run_/);
    const before = store.listCandidates(first.runId);
    expect(before.filter((c) => c.status === 'pending').length).toBeGreaterThan(0);
    const second = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), { config, resumeRunId: first.runId }),
    );
    expect(second).toMatchObject({ status: 'finished', runId: first.runId, iterations: 10 });
    const after = store.listCandidates(first.runId);
    expect(after.filter((c) => c.status === 'pending')).toHaveLength(0);
    for (const c of after)
      expect(store.listEvaluations(c.id).filter((e) => e.stage === 'screen')).toHaveLength(1);
    expect(new Set(after.map((c) => c.iteration)).size).toBe(after.length);
    store.close();
  });
});
