import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../orchestrator/config/load-config.js';
import type { RunConfigInput } from '../orchestrator/config/run-config.js';
import { RunEventBus, type RunEvent } from '../orchestrator/events.js';
import { evolve, plateau, targetReached, maxIterations } from '../orchestrator/loop/index.js';
import type { ProposalContext, ProposalResult, Proposer } from '../orchestrator/proposers/types.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem, type LoadedProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import type { Sandbox } from '../sandboxes/types.js';
import { makeKnobProblem } from './loop-fixture.js';

type Step = 'better' | 'fail' | 'fatal' | 'throw' | 'crash' | 'incorrect' | 'same';

/** A proposer that follows a script, one step per call: edits A/B, fails, throws, or breaks the program. */
function scripted(steps: Step[], delayMs = 0): Proposer & { contexts: ProposalContext[] } {
  let i = 0;
  const contexts: ProposalContext[] = [];
  const result = (files: Record<string, string>, summary: string): ProposalResult => ({
    ok: true,
    files,
    edit: { kind: 'rewrite', outcome: 'applied', summary },
    proposer: 'scripted',
    model: 'm',
    costUsd: 0.01,
    llmCallIds: [],
  });
  return {
    name: 'scripted',
    model: 'm',
    contexts,
    async propose(ctx) {
      contexts.push(ctx);
      const step = steps[i++ % steps.length]!;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const src = ctx.parent.files['solution.py']!;
      const a = Number(/^A = (\d+)/m.exec(src)?.[1] ?? 0);
      switch (step) {
        case 'better':
          return result({ 'solution.py': src.replace(/^A = \d+/m, `A = ${a + 1}`) }, `A ${a}->${a + 1}`);
        case 'same':
          return result({ 'solution.py': src + `# ${i}\n` }, 'comment');
        case 'crash':
          return result({ 'solution.py': src + '# broken\n' }, 'breaks it');
        case 'incorrect':
          return result({ 'solution.py': src.replace(/^B = \d+/m, 'B = 3') }, 'B=3');
        case 'throw':
          throw new Error('the model server went away');
        case 'fail':
        case 'fatal':
          return {
            ok: false,
            reason: step === 'fatal' ? 'budget exhausted' : 'no SEARCH block matched',
            fatal: step === 'fatal',
            edit: { kind: 'diff', outcome: 'failed', summary: 'no SEARCH block matched' },
            proposer: 'scripted',
            model: 'm',
            costUsd: 0.01,
            llmCallIds: [],
          };
      }
    },
  };
}

let sandbox: Sandbox;
let problem: LoadedProblem;
beforeAll(async () => {
  sandbox = await createSandbox('local');
  problem = loadProblem(makeKnobProblem({ verify: true }));
});
afterAll(async () => sandbox.dispose());

const tempStore = () => Store.open(path.join(mkdtempSync(path.join(tmpdir(), 'adrs-loop-')), 'adrs.db'));
const cfg = (c: RunConfigInput = {}) => parseRunConfig({ proposer: 'anthropic', iterations: 8, ...c });

function collect(bus: RunEventBus): RunEvent[] {
  const events: RunEvent[] = [];
  bus.onAny((e) => events.push(e));
  return events;
}

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

  it('verifies a best only once it has held for verifyAfter evaluations, and always the final best', async () => {
    // Improving on every step: no best holds, so only the final best is verified (one verdict).
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const r = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['better']),
      config: cfg({ iterations: 4, proposalConcurrency: 1, evalConcurrency: 1, verifyAfter: 3 }),
      events: bus,
    });
    const verified = events.filter((e) => e.type === 'candidate:verified');
    expect(verified.map((e) => e.type === 'candidate:verified' && e.candidateId)).toEqual([
      r.bestCandidateId,
    ]);
    // An improvement followed by non-improving candidates is verified mid-run, once, after it held for 3 evaluations.
    const bus2 = new RunEventBus();
    const events2 = collect(bus2);
    const r2 = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['better', 'same']),
      config: cfg({ iterations: 7, proposalConcurrency: 1, evalConcurrency: 1, verifyAfter: 3 }),
      events: bus2,
    });
    const kinds = events2.map((e) => e.type);
    const verifiedAt = kinds.indexOf('candidate:verified');
    expect(kinds.filter((k) => k === 'candidate:verified')).toHaveLength(1);
    expect(events2[verifiedAt]).toMatchObject({ candidateId: r2.bestCandidateId });
    expect(verifiedAt).toBeLessThan(kinds.lastIndexOf('candidate:evaluated')); // mid-run, not at the end
    store.close();
  });

  it("passes the proposer's warnings (e.g. a trimmed prompt) on as run:warning events", async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    const base = scripted(['better']);
    const warns: Proposer = {
      name: 'scripted',
      model: 'm',
      async propose(ctx) {
        const r = await base.propose(ctx);
        return { ...r, warnings: ['prompt trimmed to the context window: dropped 3 earlier attempts'] };
      },
    };
    await evolve({
      store,
      problem,
      sandbox,
      proposer: warns,
      config: cfg({ iterations: 1, verify: false }),
      events: bus,
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'run:warning', message: expect.stringMatching(/trimmed/) }),
    );
    store.close();
  });

  it('stops on a fatal proposal, on the target score and on a plateau', async () => {
    const store = tempStore();
    const fatal = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['better', 'fatal']),
      config: cfg({ iterations: 20, proposalConcurrency: 1 }),
    });
    // A fatal proposal fails the run (exit 1, resumable) even after progress: the user must act on it (issue 18).
    expect(fatal.status).toBe('failed');
    expect(fatal.reason).toBe('proposer: budget exhausted');
    expect(fatal.iterations).toBeLessThan(20);

    const target = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['better']),
      config: cfg({ iterations: 30, proposalConcurrency: 1 }),
      stopWhen: [maxIterations(30), targetReached(3)],
    });
    expect(target.reason).toBe('reached the target score 3');
    expect(target.bestScore).toBeGreaterThanOrEqual(3);
    expect(target.iterations).toBeLessThan(30);

    const flat = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['same']),
      config: cfg({ iterations: 30 }),
      stopWhen: [maxIterations(30), plateau(4)],
    });
    expect(flat.reason).toBe('no improvement in 4 candidates');
    expect(flat.iterations).toBeLessThan(30);
    store.close();
  });

  it('best-of-n always proposes from the seed', async () => {
    const store = tempStore();
    const proposer = scripted(['better']);
    const r = await evolve({
      store,
      problem,
      sandbox,
      proposer,
      config: cfg({ iterations: 5, strategy: 'best-of-n' }),
    });
    expect(r.status).toBe('finished');
    expect(new Set(proposer.contexts.map((c) => c.parent.id))).toEqual(new Set([r.seedId]));
    expect(proposer.contexts.every((c) => c.inspirations.length === 0)).toBe(true);
    expect(r.bestScore).toBe(1);
    store.close();
  });

  it('an abort leaves the run stopped and resumable; resume evaluates stored candidates exactly once', async () => {
    const store = tempStore();
    const controller = new AbortController();
    const bus = new RunEventBus();
    let evaluated = 0;
    bus.on('candidate:evaluated', () => {
      if (++evaluated === 3) controller.abort();
    });
    const config = cfg({ iterations: 10, proposalConcurrency: 3, evalConcurrency: 1 });
    const first = await evolve({
      store,
      problem,
      sandbox,
      proposer: scripted(['better', 'same']),
      config,
      events: bus,
      abortSignal: controller.signal,
    });
    expect(first.status).toBe('stopped');
    expect(store.getRun(first.runId).status).toBe('stopped');
    const before = store.listCandidates(first.runId);
    const pendingBefore = before.filter((c) => c.status === 'pending').map((c) => c.id);
    expect(pendingBefore.length).toBeGreaterThan(0); // proposals ran ahead of the evaluation slot

    const again = scripted(['better']);
    const second = await evolve({
      store,
      problem,
      sandbox,
      proposer: again,
      config,
      resumeRunId: first.runId,
    });
    expect(second.status).toBe('finished');
    expect(second.runId).toBe(first.runId);
    const after = store.listCandidates(first.runId);
    expect(after.filter((c) => c.status === 'pending')).toHaveLength(0);
    for (const c of before) expect(after.some((a) => a.id === c.id)).toBe(true);
    for (const c of after)
      expect(store.listEvaluations(c.id).filter((e) => e.stage === 'screen')).toHaveLength(1);
    expect(new Set(after.map((c) => c.iteration)).size).toBe(after.length);
    expect(second.iterations).toBe(10);
    store.close();
  });
});
