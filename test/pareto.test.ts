// Multi-objective selection: Pareto ranks and crowding, parent selection by them, the objectives in problem.yaml,
// and a real run (local sandbox, Python evaluator, the offline tuner) whose front the store and the run page show.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../orchestrator/config/load-config.js';
import { evolve } from '../orchestrator/loop/index.js';
import { RunPersistence } from '../orchestrator/loop/persistence.js';
import {
  crowdingDistances,
  dominates,
  frontIndices,
  oriented,
  paretoRanks,
} from '../orchestrator/population/pareto.js';
import { ProgramDatabase, type NewProgram } from '../orchestrator/population/program-database.js';
import { DEFAULT_POPULATION, type PopulationConfig } from '../orchestrator/population/types.js';
import { createTuneProposer } from '../orchestrator/proposers/tune.js';
import { runParetoFront } from '../orchestrator/store/pareto-front.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem } from '../problems/src/load.js';
import { problemObjectives, problemSchema } from '../problems/src/schema.js';
import { createSandbox } from '../sandboxes/index.js';
import { objectivesOf } from '../web/src/pareto.js';
import { makeTradeOffProblem } from './loop-fixture.js';
import { runPage } from '../web/src/pages/run.js';
import { buildRunSummary } from '../web/src/run-summary.js';

describe('pareto ranks and crowding', () => {
  it('ranks fronts by non-dominated sorting and marks each front’s extremes as uncrowded', () => {
    // (quality, -time): a front of three, a second front of two, one dominated by everything.
    const v = [
      [3, -3],
      [2, -2],
      [1, -1],
      [2, -3],
      [1, -2],
      [0, -4],
    ];
    expect(dominates([2, -2], [2, -3])).toBe(true);
    expect(dominates([2, -2], [2, -2])).toBe(false);
    expect(dominates([3, -3], [1, -1])).toBe(false);
    expect(paretoRanks(v)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(frontIndices(v)).toEqual([0, 1, 2]);
    const c = crowdingDistances(v, paretoRanks(v));
    expect(c[0]).toBe(Infinity);
    expect(c[2]).toBe(Infinity);
    expect(c[1]).toBeCloseTo(2, 9); // per objective the neighbours' gap over the front's span: 2/2 + 2/2
    expect(oriented([{ name: 't', direction: 'minimize' }], { t: 2 })).toEqual([-2]);
    expect(oriented([{ name: 't', direction: 'minimize' }], { t: NaN })).toBeUndefined();
  });
});

const code = new Map<string, Record<string, string>>();
const codeOf = (id: string) => code.get(id);

function prog(id: string, quality: number, time: number, score: number): NewProgram {
  const files = { 'a.py': `q = ${quality}\nt = ${time}\n` };
  code.set(id, files);
  return {
    id,
    files,
    metrics: { quality, time, score },
    score,
    correct: true,
    parentId: 'seed',
    iteration: 1,
    generation: 1,
  };
}

function population(objectives: PopulationConfig['objectives']): ProgramDatabase {
  const db = ProgramDatabase.create(
    {
      ...DEFAULT_POPULATION,
      islands: 1,
      archiveSize: 2,
      selection: { exploration: 0, exploitation: 1, fitness: 0 },
      objectives,
    },
    3,
  );
  db.addSeed(prog('seed', 0, 9, 0), codeOf);
  // 'fast' is the fastest program but has the worst primary score; 'good' and 'best' lead on the score.
  db.add(prog('fast', 1, 0.5, 1), codeOf);
  db.add(prog('good', 5, 4, 9), codeOf);
  db.add(prog('best', 6, 6, 10), codeOf);
  db.add(prog('slow', 4, 7, 8), codeOf);
  db.add(prog('worse', 3, 8, 7), codeOf);
  return db;
}

describe('parent selection with objectives', () => {
  it('picks front members by tournament (the fast low-score one too); single score never picks it', () => {
    const multi = population([
      { name: 'quality', direction: 'maximize' },
      { name: 'time', direction: 'minimize' },
    ]);
    const picks = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const s = multi.select();
      expect(s.mode).toBe('pareto');
      picks.set(s.parentId, (picks.get(s.parentId) ?? 0) + 1);
    }
    const front = ['fast', 'good', 'best'];
    const onFront = front.reduce((a, id) => a + (picks.get(id) ?? 0), 0);
    expect(onFront / 600).toBeGreaterThan(0.7);
    for (const id of front) expect(picks.get(id) ?? 0).toBeGreaterThan(60);
    expect(picks.get('worse') ?? 0).toBeLessThan(picks.get('fast')!);
    expect(multi.get('fast')?.objectives).toEqual({ quality: 1, time: 0.5 });

    const single = population(undefined);
    for (let i = 0; i < 200; i++) {
      const s = single.select();
      expect(s.mode).toBe('exploitation');
      expect(['good', 'best']).toContain(s.parentId);
    }
    expect(single.get('fast')?.objectives).toBeUndefined();
  });
});

const BASE = {
  name: 'p',
  description: 'd',
  language: 'python',
  seed: { files: ['s.py'] },
  evaluator: { command: ['x'] },
  metrics: [
    { name: 'score', direction: 'maximize' },
    { name: 'balance', direction: 'maximize' },
    { name: 'time_s', direction: 'minimize' },
  ],
  primary: 'score',
};

describe('objectives in problem.yaml', () => {
  it('take directions from the metrics unless given, and refuse unknown, repeated or lone names', () => {
    const ok = problemSchema.parse({ ...BASE, objectives: ['balance', { name: 'time_s' }] });
    expect(problemObjectives(ok)).toEqual([
      { name: 'balance', direction: 'maximize' },
      { name: 'time_s', direction: 'minimize' },
    ]);
    expect(problemObjectives(problemSchema.parse(BASE))).toEqual([]);
    const bad = (objectives: unknown) =>
      problemSchema
        .safeParse({ ...BASE, objectives })
        .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(bad(['balance', 'speed'])).toEqual([
      'objectives.1: "speed" names no metric; use one of: score, balance, time_s',
    ]);
    expect(bad(['balance'])).toEqual([
      'objectives: needs two or more metrics to trade off (remove it for a single score)',
    ]);
    expect(bad(['balance', 'balance'])).toEqual(['objectives.1: "balance" is listed twice']);
    expect(objectivesOf(JSON.stringify(ok))).toEqual(['balance', 'time_s']);
    expect(objectivesOf(JSON.stringify(BASE))).toEqual([]);
  });

  it('is declared on moe-eplb, whose evaluator reports both balancedness and algorithm time', () => {
    const eplb = loadProblem(path.join(import.meta.dirname, '..', 'problems', 'moe-eplb'));
    expect(problemObjectives(eplb.spec)).toEqual([
      { name: 'gpu_balancedness', direction: 'maximize' },
      { name: 'algorithm_time_s', direction: 'minimize' },
    ]);
  });
});

describe('a multi-objective run', () => {
  it('stores objective values, selects by Pareto order, resumes with them, and shows its front', async () => {
    const problem = loadProblem(makeTradeOffProblem());
    const sandbox = await createSandbox('local');
    const dbPath = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-pareto-db-')), 'adrs.db');
    const store = Store.open(dbPath);
    try {
      const config = parseRunConfig({ proposer: 'tune', iterations: 12, islands: 1, seed: 5 });
      const r = await evolve({ store, problem, sandbox, proposer: createTuneProposer(), config });
      expect(r.status).toBe('finished');

      // The front from the store, checked against the evaluations' own metrics by brute force.
      const pareto = runParetoFront(store.db, r.runId)!;
      expect(pareto.objectives.map((o) => o.name)).toEqual(['quality', 'time_s']);
      const metricsOf = new Map(
        (
          store.db
            .prepare(
              `SELECT candidate_id, metrics_json FROM evaluations WHERE stage = 'screen' AND correct = 1
               AND candidate_id IN (SELECT id FROM candidates WHERE run_id = ?)`,
            )
            .all(r.runId) as { candidate_id: string; metrics_json: string }[]
        ).map((e) => [e.candidate_id, JSON.parse(e.metrics_json) as Record<string, number>]),
      );
      expect(pareto.points.length).toBeGreaterThanOrEqual(4);
      const vec = (m: Record<string, number>) => [m.quality!, -m.time_s!];
      for (const p of pareto.points) {
        expect(p.values).toEqual({
          quality: metricsOf.get(p.candidateId)!.quality,
          time_s: metricsOf.get(p.candidateId)!.time_s,
        });
        const dominated = pareto.points.some((q) => dominates(vec(q.values), vec(p.values)));
        expect(p.onFront).toBe(!dominated);
      }
      expect(pareto.points.some((p) => !p.onFront)).toBe(true); // the seed (B = 2) at least

      // Resume: the population is replayed with its objectives, so selection stays Pareto.
      const resumed = RunPersistence.resume(store, r.runId, createTuneProposer(), config);
      expect(resumed.db.config.objectives?.map((o) => o.name)).toEqual(['quality', 'time_s']);
      const picked = Array.from({ length: 30 }, () => resumed.db.select().mode);
      expect(picked).toContain('pareto');
      expect(picked.every((m) => m === 'pareto' || m === 'exploration')).toBe(true);

      const page = String(runPage(buildRunSummary(store.db, r.runId)));
      const front = pareto.points.filter((p) => p.onFront).length;
      expect(page).toContain(`data-front="${front}"`);
      expect(page).toContain(`data-points="${pareto.points.length}"`);
      expect(page.match(/<tr>\s*<td><a href="\/candidates\//g)?.length).toBeGreaterThanOrEqual(front);
    } finally {
      store.close();
      await sandbox.dispose();
    }
  }, 120_000);
});
