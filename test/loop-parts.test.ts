// The loop's parts on their own: persistence (exact replay of the population), scheduling, history and
// verification bookkeeping, and the migration of version-1 run state into population rows.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { populationConfig } from '../orchestrator/config/run-config.js';
import { RunPersistence } from '../orchestrator/loop/persistence.js';
import { History } from '../orchestrator/loop/proposal.js';
import { parseRunState } from '../orchestrator/loop/run-state.js';
import { Scheduler } from '../orchestrator/loop/scheduler.js';
import { Verification } from '../orchestrator/loop/verification.js';
import type { VerifyFn } from '../orchestrator/loop/verify-stage.js';
import type { LoopContext } from '../orchestrator/loop/loop-context.js';
import { ProgramViews } from '../orchestrator/loop/program-views.js';
import { RunEventBus } from '../orchestrator/events.js';
import { maxIterations, plateau } from '../orchestrator/loop/stop-conditions.js';
import { ProgramDatabase } from '../orchestrator/population/program-database.js';
import { Rng } from '../orchestrator/population/rng.js';
import { MIGRATIONS_DIR, migrate } from '../orchestrator/store/migrate.js';
import { Store } from '../orchestrator/store/store.js';
import { FakeSandbox } from './fakes/fake-sandbox.js';
import { collect, fakeConfig, fakeVerify, knobProblem, tempDbPath, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';

const config = fakeConfig({
  islands: 3,
  islandCapacity: 8,
  archiveSize: 6,
  migration: { interval: 4, fraction: 0.3 },
});

/** Adds `n` random programs (random parents, scores, code) with selections in between; returns the code map. */
function grow(
  run: RunPersistence,
  rng: Rng,
  n: number,
  code: Map<string, Record<string, string>>,
  from = 0,
): void {
  const ids = [...code.keys()];
  for (let i = from; i < from + n; i++) {
    const pick = run.db.select();
    const id = `c${i}`;
    const files = { 'solution.py': `A = ${rng.int(50)}\n${'x'.repeat(rng.int(400))}\n` };
    code.set(id, files);
    const correct = rng.next() < 0.8;
    run.addProgram(
      {
        id,
        files,
        parentId: rng.next() < 0.9 ? pick.parentId : (rng.pick(ids) ?? null),
        iteration: i,
        generation: 1,
        island: pick.island,
      },
      correct ? rng.int(1000) / 10 : null,
      correct,
      { score: rng.int(100) },
      (x) => code.get(x),
    );
    ids.push(id);
    if (rng.next() < 0.7) run.save();
  }
  run.save();
}

describe('persistence', () => {
  it('resume rebuilds exactly the population it saved, at any point of a run (islands, grid, archive, RNG)', () => {
    const store = tempStore();
    const proposer = scriptedProposer(['same']);
    const problem = knobProblem();
    const run = RunPersistence.start(store, problem, new FakeSandbox(), proposer, config, {
      'solution.py': 'A = 0\n',
    });
    const code = new Map<string, Record<string, string>>([[run.state.seedId, { 'solution.py': 'A = 0\n' }]]);
    run.addProgram(
      {
        id: run.state.seedId,
        files: code.get(run.state.seedId)!,
        parentId: null,
        iteration: 0,
        generation: 0,
        island: 0,
      },
      0,
      true,
      {},
      (x) => code.get(x),
    );
    run.save();
    const rng = Rng.fromSeed(7);
    let done = 0;
    for (const n of [1, 5, 17, 60, 150]) {
      grow(run, rng, n, code, done);
      done += n;
      const back = RunPersistence.resume(store, run.runId, scriptedProposer(['same']), config);
      expect(back.db.toJSON()).toEqual(run.db.toJSON());
      expect(back.state).toEqual(run.state);
      // ...and it samples on exactly as the original does.
      expect([back.db.select(), back.db.select(), back.db.random()]).toEqual([
        run.db.select(),
        run.db.select(),
        run.db.random(),
      ]);
      run.save();
    }
    expect(run.db.migrations).toBeGreaterThan(0);
    expect(run.db.size()).toBe(done + 1);
    // One row per program, never rewritten.
    const rows = store.db
      .prepare('SELECT COUNT(*) AS n FROM population_programs WHERE run_id = ?')
      .get(run.runId) as { n: number };
    expect(rows.n).toBe(done + 1);
    // runs.state_json stays small however many programs there are.
    expect(store.getRun(run.runId).state_json!.length).toBeLessThan(1000);
    store.close();
  });

  it('refuses a state that is torn or malformed with one line naming the field', () => {
    expect(() => parseRunState(null, 'r1')).toThrow(/run r1 has no saved state/);
    expect(() => parseRunState('{"version":1}', 'r1')).toThrow(
      /saved state has version 1, this adrs reads version 2/,
    );
    expect(() => parseRunState('{nope', 'r1')).toThrow(/not JSON/);
    const good = {
      version: 2,
      seedId: 's',
      programs: 1,
      sampling: { rng: [1, 2, 3, -4], nextIsland: 0 },
      completed: 0,
      spentUsd: 0,
      elapsedMs: 0,
      sinceImprovement: 0,
      bestVerified: null,
      failures: { proposals: 0, evaluations: 0 },
    };
    expect(parseRunState(JSON.stringify(good), 'r1').seedId).toBe('s');
    expect(() => parseRunState(JSON.stringify({ ...good, spentUsd: 'lots' }), 'r1')).toThrow(
      /field spentUsd:/,
    );
    expect(() =>
      parseRunState(JSON.stringify({ ...good, sampling: { rng: [1, 2, 3], nextIsland: 0 } }), 'r1'),
    ).toThrow(/field sampling\.rng/);

    const store = tempStore();
    const run = RunPersistence.start(
      store,
      knobProblem(),
      new FakeSandbox(),
      scriptedProposer(['same']),
      config,
      { 'solution.py': 'A = 0\n' },
    );
    store.db
      .prepare("UPDATE runs SET state_json = json_set(state_json, '$.programs', 5) WHERE id = ?")
      .run(run.runId);
    expect(() => RunPersistence.resume(store, run.runId, scriptedProposer(['same']), config)).toThrow(
      /0 population rows but the saved state counts 5/,
    );
    store.close();
  });

  it('migration 0003 moves a version-1 population out of state_json into rows, and resume rebuilds it', () => {
    // A database at migration 0002 holding a run saved the old way (the whole population in state_json).
    const file = tempDbPath();
    const oldDir = mkdtempSync(path.join(tmpdir(), 'adrs-oldmig-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '0003'))
      copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(oldDir, f));
    mkdirSync(path.dirname(file), { recursive: true });
    const raw = new Database(file);
    migrate(raw, oldDir);
    const db = ProgramDatabase.create(populationConfig(config), 3);
    const code = new Map<string, Record<string, string>>();
    const rng = Rng.fromSeed(11);
    code.set('seed', { 'solution.py': 'A = 0\n' });
    db.addSeed(
      {
        id: 'seed',
        files: code.get('seed')!,
        metrics: {},
        score: 0,
        correct: true,
        iteration: 0,
        generation: 0,
      },
      (x) => code.get(x),
    );
    for (let i = 0; i < 80; i++) {
      const pick = db.select();
      const files = { 'solution.py': `A = ${rng.int(30)}\n${'y'.repeat(rng.int(300))}` };
      code.set(`p${i}`, files);
      const correct = rng.next() < 0.85;
      db.add(
        {
          id: `p${i}`,
          files,
          metrics: {},
          score: correct ? rng.int(100) : null,
          correct,
          parentId: pick.parentId,
          iteration: i + 1,
          generation: 1,
          island: pick.island,
        },
        (x) => code.get(x),
      );
    }
    const v1 = {
      version: 1,
      population: db.toJSON(),
      seedId: 'seed',
      completed: 80,
      spentUsd: 1.5,
      elapsedMs: 10,
      sinceImprovement: 2,
      bestVerified: null,
      failures: { proposals: 0, evaluations: 3 },
      proposer: { tried: ['a'] },
    };
    const now = new Date().toISOString();
    raw
      .prepare(
        `INSERT INTO runs (id, problem_name, problem_hash, status, strategy, sandbox, config_json, state_json, created_at, updated_at) VALUES ('old', 'knobs', 'h', 'stopped', 'evolve', 'local', '{}', ?, ?, ?)`,
      )
      .run(JSON.stringify(v1), now, now);
    raw.close();

    const store = Store.open(file); // applies 0003
    const state = parseRunState(store.getRun('old').state_json, 'old');
    expect(state).toMatchObject({
      version: 2,
      programs: 81,
      completed: 80,
      spentUsd: 1.5,
      proposer: { tried: ['a'] },
    });
    expect(state).not.toHaveProperty('population');
    const back = RunPersistence.resume(store, 'old', scriptedProposer(['same']), config);
    const expected = db.toJSON();
    expect(back.db.toJSON()).toEqual(expected);
    expect(back.db.select()).toEqual(db.select());
    store.close();
  });
});

describe('scheduler', () => {
  it('numbers iterations after what exists, stops on the first condition met, and names the outcome', () => {
    const state = { completed: 0, spentUsd: 0, elapsedMs: 0, sinceImprovement: 0 } as never;
    const db = ProgramDatabase.create(populationConfig(config), 1);
    const s = new Scheduler([maxIterations(5), plateau(2)], state, db, undefined);
    s.seen(3);
    expect(s.take()).toBe(4);
    expect(s.canPropose()).toBe(true);
    expect(s.take()).toBe(5);
    expect(s.canPropose()).toBe(false);
    expect(s.outcome('r', undefined)).toEqual({ status: 'finished', reason: 'reached 5 iterations' });
    expect(s.outcome('r', 'boom')).toEqual({ status: 'failed', reason: 'boom' });
    const ac = new AbortController();
    const t = new Scheduler([], state, db, ac.signal);
    ac.abort();
    expect(t.canPropose()).toBe(false);
    expect(t.outcome('r9', undefined).status).toBe('stopped');
    const f = new Scheduler([], state, db, undefined);
    f.fatalProposal('auth failed');
    f.fatalProposal('second reason is ignored');
    expect(f.canPropose()).toBe(false);
    expect(f.outcome('r', undefined)).toEqual({ status: 'failed', reason: 'proposer: auth failed' });
  });

  it('history keeps the last N attempts, oldest first', () => {
    const h = new History(
      3,
      [1, 2].map((i) => ({
        id: `a${i}`,
        parentId: null,
        summary: '',
        status: 'evaluated',
        score: i,
        delta: null,
      })),
    );
    for (const i of [3, 4, 5])
      h.push({ id: `a${i}`, parentId: null, summary: '', status: 'evaluated', score: i, delta: null });
    expect(h.snapshot().map((a) => a.id)).toEqual(['a3', 'a4', 'a5']);
  });
});

describe('verification', () => {
  function setup(verifyAfter: number) {
    const store = tempStore();
    const problem = knobProblem();
    const cfg = fakeConfig({ verifyAfter });
    const proposer = scriptedProposer(['same']);
    const seedCode = { 'solution.py': 'A = 0\nB = 0\n' };
    const run = RunPersistence.start(store, problem, new FakeSandbox(), proposer, cfg, seedCode);
    const bus = new RunEventBus();
    const ctx: LoopContext = {
      runId: run.runId,
      store,
      problem,
      sandbox: new FakeSandbox(),
      proposer,
      config: cfg,
      bus,
      signal: undefined,
      views: new ProgramViews(store),
      seedCode,
      executor: undefined,
      templates: undefined,
    };
    const cand = (a: number) =>
      store.insertCandidate({
        runId: run.runId,
        problemName: 'knobs',
        problemHash: problem.contentHash,
        files: { 'solution.py': `A = ${a}\n` },
        generation: 1,
        iteration: a,
        status: 'pending',
      }).id;
    return { store, run, ctx, bus, cand };
  }

  it('verifies a new best only after it held for verifyAfter evaluations; a superseded best is never timed', async () => {
    const { store, run, ctx, bus, cand } = setup(2);
    const events = collect(bus);
    const verify = fakeVerify();
    const v = new Verification(ctx, run, verify);
    const [a, b, c, d] = [cand(1), cand(2), cand(3), cand(4)];
    await v.afterEvaluation(a, true);
    await v.afterEvaluation(b, true); // supersedes a before a held
    await v.afterEvaluation(c, false);
    expect(verify.calls).toEqual([]);
    await v.afterEvaluation(d, false);
    expect(verify.calls).toEqual([b]);
    expect(run.state.bestVerified?.id).toBe(b);
    expect(run.state.verifyTarget).toBeNull();
    expect(events.filter((e) => e.type === 'candidate:verified')).toHaveLength(1);
    await v.targetIf(() => true); // nothing waiting: nothing timed again
    expect(verify.calls).toEqual([b]);
    store.close();
  });

  it('keeps an interrupted verification pending and does it first on resume', async () => {
    const { store, run, ctx, cand } = setup(0);
    const interrupted: VerifyFn = async () => ({
      verified: false,
      speedup: null,
      ciLow: null,
      ciHigh: null,
      score: null,
      reason: 'interrupted',
      interrupted: true,
    });
    const a = cand(5);
    await new Verification(ctx, run, interrupted).afterEvaluation(a, true);
    expect(run.state.pendingVerify).toEqual([a]);
    const saved = parseRunState(store.getRun(run.runId).state_json, run.runId);
    expect(saved.pendingVerify).toEqual([a]);
    const verify = fakeVerify();
    await new Verification(ctx, run, verify).resumeInterrupted();
    expect(verify.calls).toEqual([a]);
    expect(run.state.pendingVerify).toEqual([]);
    expect(run.state.bestVerified?.id).toBe(a);
    store.close();
  });

  it('a verification the platform failed on every try stays pending, warned about, with no verdict event', async () => {
    const { store, run, ctx, bus, cand } = setup(0);
    const events = collect(bus);
    const infra: VerifyFn = async () => ({
      verified: false,
      speedup: null,
      ciLow: null,
      ciHigh: null,
      score: null,
      reason: "infrastructure (not the candidate's failure): sandbox could not start",
      infrastructure: 'sandbox could not start',
    });
    const a = cand(6);
    await new Verification(ctx, run, infra).afterEvaluation(a, true);
    expect(run.state.pendingVerify).toEqual([a]);
    expect(run.state.bestVerified ?? null).toBeNull();
    expect(events.filter((e) => e.type === 'candidate:verified')).toEqual([]);
    expect(JSON.stringify(events.filter((e) => e.type === 'run:warning'))).toMatch(
      /verification of .* kept pending: infrastructure/,
    );
    store.close();
  });
});
