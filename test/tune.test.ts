import { describe, expect, it } from 'vitest';
import { findKnobs } from '../orchestrator/knobs/files.js';
import { Rng } from '../orchestrator/population/rng.js';
import { createTuneProposer } from '../orchestrator/proposers/tune.js';
import type { ParentView, ProposalContext } from '../orchestrator/proposers/types.js';
import { SEED } from './loop-fixture.js';

function ctx(files: Record<string, string>, rng: Rng): ProposalContext {
  const parent: ParentView = {
    id: 'p',
    files,
    metrics: {},
    score: 0,
    correct: true,
    generation: 0,
    feedback: '',
    failedChecks: [],
    stderrTail: '',
  };
  return {
    runId: 'r',
    iteration: 1,
    problem: undefined as never,
    parent,
    inspirations: [],
    history: [],
    random: () => rng.next(),
    recordCall: () => {
      throw new Error('the tuner must not call a model');
    },
  };
}

const assignment = (files: Record<string, string>) =>
  JSON.stringify(findKnobs(files).map((k) => [k.name, k.current]));

describe('tune proposer', () => {
  it('walks the whole knob space without repeating an assignment, then says it is done', async () => {
    const tune = createTuneProposer();
    const rng = Rng.fromSeed(5);
    const seen = new Set([assignment({ 'solution.py': SEED })]);
    let parent = { 'solution.py': SEED };
    for (let i = 0; i < 8 * 4 - 1; i++) {
      const r = await tune.propose(ctx(parent, rng));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.edit.kind).toBe('knobs');
      expect(r.costUsd).toBe(0);
      const files = { ...parent, ...r.files };
      const key = assignment(files);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      if (i % 3 === 0) parent = files; // sometimes the parent moves, as the population would
    }
    expect(seen.size).toBe(32);
    const end = await tune.propose(ctx(parent, rng));
    expect(end.ok).toBe(false);
    expect(!end.ok && end.fatal).toBe(true);
  });

  it('moves one knob to a neighbouring value first (local search around the parent)', async () => {
    const r = await createTuneProposer({ restartProbability: 0 }).propose(
      ctx({ 'solution.py': SEED }, Rng.fromSeed(1)),
    );
    expect(r.ok && r.edit.summary).toMatch(/^knobs: (A 0->1|B 0->1)$/);
  });

  it('keeps its tried set across getState/setState (resume never re-proposes)', async () => {
    const a = createTuneProposer();
    const rng = Rng.fromSeed(9);
    const keys = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await a.propose(ctx({ 'solution.py': SEED }, rng));
      if (r.ok) keys.add(assignment({ 'solution.py': SEED, ...r.files }));
    }
    const b = createTuneProposer();
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    for (let i = 0; i < 10; i++) {
      const r = await b.propose(ctx({ 'solution.py': SEED }, rng));
      expect(r.ok).toBe(true);
      if (r.ok) expect(keys.has(assignment({ 'solution.py': SEED, ...r.files }))).toBe(false);
    }
  });

  it('fails (fatally) on a program without knobs', async () => {
    const r = await createTuneProposer().propose(ctx({ 'x.py': 'print(1)\n' }, Rng.fromSeed(1)));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.fatal).toBe(true);
  });
});
