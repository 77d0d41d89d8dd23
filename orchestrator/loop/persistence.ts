// Persistence of a run: creates or resumes it, owns its small resumable state and population, and saves both
// together (new population rows once each, plus the state) so a kill at any point leaves a consistent store.
import { InputError } from '../../core/errors.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { objectivesPart, problemObjectives } from '../../problems/src/schema.js';
import { populationConfig, type RunConfig } from '../config/run-config.js';
import { ProgramDatabase } from '../population/program-database.js';
import type { Proposer } from '../proposers/types.js';
import { insertPopulationRows, loadPopulationRows } from '../store/population-rows.js';
import type { Store } from '../store/store.js';
import { parseRunState, type RunState } from './run-state.js';

export interface PopulationInput {
  id: string;
  files: Record<string, string>;
  parentId: string | null;
  iteration: number;
  generation: number;
  island: number | null;
}

/** Sees the population and state as they are being saved (inside the transaction, before the commit). */
export type SaveHook = (db: ProgramDatabase, state: RunState) => void;

export class RunPersistence {
  /** Iterations started (set by the scheduler), stored as runs.iterations_done. */
  iterationsStarted = 0;

  private constructor(
    private readonly store: Store,
    private readonly proposer: Proposer,
    readonly runId: string,
    readonly state: RunState,
    readonly db: ProgramDatabase,
    /** The run's row existed before this session. */
    readonly resumed: boolean,
    private readonly onSave: SaveHook | undefined,
  ) {}

  /** A new run: its row, the seed candidate and the first state, in one transaction. */
  static start(
    store: Store,
    problem: LoadedProblem,
    sandbox: Sandbox,
    proposer: Proposer,
    config: RunConfig,
    seedCode: Record<string, string>,
    onSave?: SaveHook,
  ): RunPersistence {
    return store.transaction(() => {
      store.upsertProblem({
        name: problem.spec.name,
        contentHash: problem.contentHash,
        dir: problem.dir,
        spec: problem.spec,
      });
      const run = store.createRun({
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        strategy: config.strategy,
        proposer: proposer.name,
        model: proposer.model ?? undefined,
        sandbox: sandbox.kind,
        // The price table in force is recorded with the run (and reused on resume): prices change.
        config: { ...config, prices: { ...proposer.prices, ...config.prices } },
      });
      const db = ProgramDatabase.create(
        { ...populationConfig(config), objectives: problemObjectives(problem.spec) },
        config.seed,
      );
      const seed = store.insertCandidate({
        runId: run.id,
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        files: seedCode,
        proposer: 'seed',
        generation: 0,
        iteration: 0,
      });
      const state: RunState = {
        version: 2,
        seedId: seed.id,
        programs: 0,
        sampling: db.cursor(),
        completed: 0,
        spentUsd: 0,
        elapsedMs: 0,
        sinceImprovement: 0,
        bestVerified: null,
        failures: { proposals: 0, evaluations: 0 },
      };
      const p = new RunPersistence(store, proposer, run.id, state, db, false, onSave);
      p.save();
      return p;
    });
  }

  /** An existing run: its validated state, and its population replayed from the rows. */
  static resume(
    store: Store,
    runId: string,
    proposer: Proposer,
    config: RunConfig,
    onSave?: SaveHook,
  ): RunPersistence {
    const run = store.getRun(runId);
    const state = parseRunState(run.state_json, run.id);
    const rows = loadPopulationRows(store, run.id);
    if (rows.length !== state.programs)
      throw new InputError(
        `run ${run.id}: ${rows.length} population rows but the saved state counts ${state.programs} (the database is damaged; start a new run)`,
      );
    const db = ProgramDatabase.replay(
      {
        ...populationConfig(config),
        objectives: storedObjectives(store, run.problem_name, run.problem_hash),
      },
      rows,
      state.sampling,
    );
    if (state.proposer !== undefined) proposer.setState?.(state.proposer);
    return new RunPersistence(store, proposer, run.id, state, db, true, onSave);
  }

  /**
   * Adds an evaluated program to the population and counts it; returns whether it raised the best score.
   * Written by the next save() (call it in the same transaction as the evaluation's rows).
   */
  addProgram(
    p: PopulationInput,
    score: number | null,
    correct: boolean,
    metrics: Record<string, number>,
    codeOf: (id: string) => Record<string, string> | undefined,
  ): boolean {
    const input = {
      id: p.id,
      files: p.files,
      metrics,
      score,
      correct,
      iteration: p.iteration,
      generation: p.generation,
    };
    if (p.id === this.state.seedId) {
      this.db.addSeed(input, codeOf);
      return false;
    }
    if (this.db.has(p.id)) return false;
    const before = this.db.best()?.score ?? null;
    const entry = this.db.add({ ...input, parentId: p.parentId, island: p.island ?? undefined }, codeOf);
    this.state.completed++;
    const improved = entry.improved && (before === null || (entry.score ?? -Infinity) > before);
    this.state.sinceImprovement = improved ? 0 : this.state.sinceImprovement + 1;
    return improved;
  }

  /** A proposal that failed: counted as finished, never placed. */
  countFailedProposal(costUsd: number): void {
    this.state.spentUsd += costUsd;
    this.state.completed++;
    this.state.sinceImprovement++;
    this.state.failures.proposals++;
  }

  /** Writes the new population rows and the state, atomically (nested in the caller's transaction when there is one). */
  save(): void {
    this.store.transaction(() => {
      insertPopulationRows(this.store, this.runId, this.db.takeUnsaved());
      this.state.programs = this.db.size();
      this.state.sampling = this.db.cursor();
      const proposerState = this.proposer.getState?.();
      if (proposerState !== undefined) this.state.proposer = proposerState;
      this.store.updateRun(this.runId, {
        state: this.state,
        iterationsDone: this.iterationsStarted,
        spentUsd: this.state.spentUsd,
        bestCandidateId: this.db.best()?.id ?? null,
        bestVerifiedCandidateId: this.state.bestVerified?.id ?? null,
      });
      this.onSave?.(this.db, this.state);
    });
  }

  /** The end of a session: elapsed time, status and error, with a last save. */
  finish(status: 'finished' | 'stopped' | 'failed', error: string | null, sessionMs: number): void {
    this.state.elapsedMs += sessionMs;
    this.store.transaction(() => {
      this.save();
      this.store.updateRun(this.runId, { status, error });
    });
  }
}

/** The objectives of the problem as the run started with it (the stored spec), so a resumed run ranks the same way. */
function storedObjectives(store: Store, name: string, hash: string): ReturnType<typeof problemObjectives> {
  const row = store.getProblem(name, hash);
  if (!row) return [];
  const spec = objectivesPart.safeParse(JSON.parse(row.spec_json));
  return spec.success ? problemObjectives(spec.data) : [];
}
